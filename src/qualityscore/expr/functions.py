"""The functions expressions may call: each with its signature, documentation and type rule.

docs/expressions.md lists exactly these (a test keeps the two in step). A type rule receives the
types of the arguments and returns the result type, or raises `ArgumentProblem` naming the argument.
Forms that need to see their arguments unevaluated (`present`, `value_or`, `date`) and those that take
a generator are marked so; the checker and the compiler treat them specially.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from qualityscore.expr.types import (
    BOOLEAN,
    DATE,
    INTEGER,
    NUMBER,
    TEXT,
    ListT,
    Type,
    describe,
    is_numeric,
    is_textual,
    unify,
)


class ArgumentProblem(Exception):
    """A function argument of the wrong type; `index` is the argument's position (-1: the call)."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index
        self.message = message


Form = Literal["plain", "aggregate", "special"]


@dataclass(frozen=True)
class Function:
    """A callable of the expression language."""

    name: str
    signature: str
    summary: str
    example: str
    min_args: int
    max_args: int | None
    form: Form
    result: Callable[[Sequence[Type]], Type]
    helper: str | None = None
    """Name of the runtime helper (expr/runtime.py) or builtin the compiler calls."""


def _numeric(types: Sequence[Type], name: str) -> None:
    for i, t in enumerate(types):
        if not is_numeric(t):
            raise ArgumentProblem(
                i, f"{name}() needs numbers, but argument {i + 1} is {describe(t)}"
            )


def _same_numeric(types: Sequence[Type]) -> Type:
    return INTEGER if all(t == INTEGER for t in types) else NUMBER


def _minmax(name: str) -> Callable[[Sequence[Type]], Type]:
    def rule(types: Sequence[Type]) -> Type:
        items = list(types)
        if len(items) == 1:
            (only,) = items
            if not isinstance(only, ListT):
                raise ArgumentProblem(
                    0, f"{name}() of one value needs a list or a generator, not {describe(only)}"
                )
            items = [only.item]
        if all(t == DATE for t in items):
            return DATE
        _numeric(items, name)
        return _same_numeric(items)

    return rule


def _one_numeric_same(name: str) -> Callable[[Sequence[Type]], Type]:
    def rule(types: Sequence[Type]) -> Type:
        _numeric(types, name)
        return types[0]

    return rule


def _returns(
    result: Type, check: Callable[[Sequence[Type]], None]
) -> Callable[[Sequence[Type]], Type]:
    def rule(types: Sequence[Type]) -> Type:
        check(types)
        return result

    return rule


def _args(*expected: Type | str) -> Callable[[Sequence[Type]], None]:
    """Check each argument against a type or a kind ('numeric', 'text', 'list')."""

    def check(types: Sequence[Type]) -> None:
        for i, (t, want) in enumerate(zip(types, expected, strict=False)):
            ok = (
                is_numeric(t)
                if want == "numeric"
                else is_textual(t)
                if want == "text"
                else isinstance(t, ListT)
                if want == "list"
                else t == want
            )
            if not ok:
                shown = {"numeric": "a number", "text": "text", "list": "a list"}.get(
                    str(want), describe(want) if isinstance(want, Type) else str(want)
                )
                raise ArgumentProblem(i, f"argument {i + 1} must be {shown}, not {describe(t)}")

    return check


def _aggregate_items(name: str, want: str) -> Callable[[Sequence[Type]], Type]:
    def rule(types: Sequence[Type]) -> Type:
        (only,) = types
        if not isinstance(only, ListT):
            raise ArgumentProblem(0, f"{name}() needs a list or a generator, not {describe(only)}")
        item = only.item
        if want == "boolean":
            if item != BOOLEAN and str(item) != "anything":
                raise ArgumentProblem(
                    0, f"{name}() needs true/false items, but the items are {describe(item)}"
                )
            return BOOLEAN
        if not is_numeric(item):
            raise ArgumentProblem(0, f"{name}() needs numbers, but the items are {describe(item)}")
        return INTEGER if item == INTEGER else NUMBER

    return rule


def _round(types: Sequence[Type]) -> Type:
    _args("numeric", INTEGER)(types)
    return NUMBER if len(types) == 2 else INTEGER


def _interp(types: Sequence[Type]) -> Type:
    _args("numeric", "list")(types)
    table = types[1]
    if not (
        isinstance(table, ListT) and isinstance(table.item, ListT) and is_numeric(table.item.item)
    ):
        raise ArgumentProblem(1, "interp() needs its points as a list of [x, y] number pairs")
    return NUMBER


def _count(types: Sequence[Type]) -> Type:
    if not isinstance(types[0], ListT):
        raise ArgumentProblem(0, f"count() needs a list or a generator, not {describe(types[0])}")
    return INTEGER


def _arg_best(name: str) -> Callable[[Sequence[Type]], Type]:
    def rule(types: Sequence[Type]) -> Type:
        # The checker passes the key's type first and the loop item's type second.
        key, item = types
        if not (is_numeric(key) or isinstance(key, ListT)):
            raise ArgumentProblem(0, f"{name}() needs a number to compare, not {describe(key)}")
        return item

    return rule


def _value_or(types: Sequence[Type]) -> Type:
    found = unify(types[0], types[1])
    if found is None:
        raise ArgumentProblem(
            1,
            f"the default ({describe(types[1])}) does not fit the value ({describe(types[0])})",
        )
    return found


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in [
        Function(
            "abs",
            "abs(x)",
            "The absolute value of a number.",
            "abs(brake_imbalance) <= 30",
            1,
            1,
            "plain",
            _one_numeric_same("abs"),
            "abs",
        ),
        Function(
            "min",
            "min(a, b, ...) | min(list) | min(x for x in list)",
            "The smallest of numbers or dates. Of an empty list it has no value: the rule is "
            "not assessed.",
            "min(measurements.front_pct, measurements.rear_pct)",
            1,
            None,
            "aggregate",
            _minmax("min"),
            "min_of",
        ),
        Function(
            "max",
            "max(a, b, ...) | max(list) | max(x for x in list)",
            "The largest of numbers or dates. Of an empty list it has no value: the rule is "
            "not assessed.",
            'max(d.count for d in defects if d.severity == "major")',
            1,
            None,
            "aggregate",
            _minmax("max"),
            "max_of",
        ),
        Function(
            "sum",
            "sum(list) | sum(x for x in list [if cond])",
            "The sum of numbers; 0 for an empty list.",
            'sum(d.count for d in defects if d.area == "body")',
            1,
            1,
            "aggregate",
            _aggregate_items("sum", "number"),
            "sum",
        ),
        Function(
            "count",
            "count(x for x in list [if cond])",
            "How many items of a list meet the condition.",
            'count(d for d in defects if d.severity == "major")',
            1,
            1,
            "aggregate",
            _count,
            "count",
        ),
        Function(
            "any",
            "any(list) | any(cond for x in list)",
            "True when at least one item is true; false for an empty list.",
            'any(d.severity == "dangerous" for d in defects)',
            1,
            1,
            "aggregate",
            _aggregate_items("any", "boolean"),
            "any",
        ),
        Function(
            "all",
            "all(list) | all(cond for x in list)",
            "True when every item is true; true for an empty list.",
            "all(p >= 40 for p in [measurements.aop, measurements.cop])",
            1,
            1,
            "aggregate",
            _aggregate_items("all", "boolean"),
            "all",
        ),
        Function(
            "argmin",
            "argmin(key for x in list [if cond])",
            "The item of the list whose key is smallest (the first one on a tie).",
            "argmin(abs(t[0] - target) for t in [[0, 1], [5, 2]])",
            1,
            1,
            "aggregate",
            _arg_best("argmin"),
            "argmin",
        ),
        Function(
            "argmax",
            "argmax(key for x in list [if cond])",
            "The item of the list whose key is largest (the first one on a tie).",
            "argmax(d.count for d in defects)",
            1,
            1,
            "aggregate",
            _arg_best("argmax"),
            "argmax",
        ),
        Function(
            "len",
            "len(list)",
            "The number of items in a list.",
            "len(defects) == 0",
            1,
            1,
            "plain",
            _returns(INTEGER, _args("list")),
            "len",
        ),
        Function(
            "round",
            "round(x) | round(x, places)",
            "x rounded half away from zero, as the decimal it stands for (2.675 -> 2.68). "
            "Without places the result is an integer.",
            "round(measurements.co_pct, 1)",
            1,
            2,
            "plain",
            _round,
            "round_half_up",
        ),
        Function(
            "floor",
            "floor(x)",
            "The largest integer not above x, as the decimal x stands for: 0.29 * 100 (stored as "
            "28.999999999999996) counts as 29.",
            "floor(stage_points)",
            1,
            1,
            "plain",
            _returns(INTEGER, _args("numeric")),
            "floor_int",
        ),
        Function(
            "ceil",
            "ceil(x)",
            "The smallest integer not below x, as the decimal x stands for: 0.1 * 3 * 10 (stored "
            "as 3.0000000000000004) counts as 3.",
            "ceil(measurements.noise_db)",
            1,
            1,
            "plain",
            _returns(INTEGER, _args("numeric")),
            "ceil_int",
        ),
        Function(
            "clamp",
            "clamp(x, lo, hi)",
            "x limited to the range [lo, hi].",
            "clamp(100 - measurements.wear_pct, 0, 100)",
            3,
            3,
            "plain",
            _minmax("clamp"),
            "clamp",
        ),
        Function(
            "interp",
            "interp(x, [[x0, y0], [x1, y1], ...])",
            "Piecewise-linear interpolation through the points (x ascending), flat beyond both "
            "ends.",
            "interp(measurements.noise_db, [[60, 10], [75, 0]])",
            2,
            2,
            "plain",
            _interp,
            "interp",
        ),
        Function(
            "days_between",
            "days_between(a, b)",
            "Days from date a to date b (negative if b is earlier).",
            "days_between(vehicle.first_used, inspection.date) < 365",
            2,
            2,
            "plain",
            _returns(INTEGER, _args(DATE, DATE)),
            "days_between",
        ),
        Function(
            "years_between",
            "years_between(a, b)",
            "Whole years from date a to date b, as an age is counted.",
            "years_between(vehicle.first_used, inspection.date) >= 3",
            2,
            2,
            "plain",
            _returns(INTEGER, _args(DATE, DATE)),
            "years_between",
        ),
        Function(
            "years_since",
            "years_since(d)",
            "Whole years from date d to the record's inspection.date (which the standard must "
            "declare as a date input).",
            "years_since(vehicle.first_used) >= 4",
            1,
            1,
            "special",
            _returns(INTEGER, _args(DATE)),
            "years_between",
        ),
        Function(
            "date",
            'date("YYYY-MM-DD")',
            "A date literal (the text must be a valid ISO date).",
            'vehicle.first_used >= date("2010-09-01")',
            1,
            1,
            "special",
            _returns(DATE, _args(TEXT)),
            None,
        ),
        Function(
            "present",
            "present(field)",
            "True when the record has the field (or the defect has the optional field).",
            "present(measurements.lambda_ratio)",
            1,
            1,
            "special",
            _returns(BOOLEAN, lambda _t: None),
            None,
        ),
        Function(
            "value_or",
            "value_or(field, default)",
            "The field's value, or the default when the record does not have it.",
            "value_or(measurements.noise_db, 0)",
            2,
            2,
            "special",
            _value_or,
            None,
        ),
        Function(
            "startswith",
            "startswith(text, prefix)",
            "True when text begins with prefix.",
            'startswith(defect.code, "5.2.3")',
            2,
            2,
            "plain",
            _returns(BOOLEAN, _args("text", "text")),
            "startswith",
        ),
        Function(
            "endswith",
            "endswith(text, suffix)",
            "True when text ends with suffix.",
            'endswith(vehicle.vin, "7")',
            2,
            2,
            "plain",
            _returns(BOOLEAN, _args("text", "text")),
            "endswith",
        ),
    ]
}
