"""The state of a function being generated: its names, closure constants and common pieces."""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from qualityscore.compiler.analysis import _may_be_missing
from qualityscore.compiler.templates import _tpl
from qualityscore.expr import runtime
from qualityscore.expr.compile import ExprCompiler, Ref, constant, load_name
from qualityscore.plan import Plan, RulePlan
from qualityscore.rating import Finding
from qualityscore.standard.spec import InputSpec

Mode = Literal["fast", "findings", "trace"]

# Layout of the tuple a compiled function returns.
SCORE, GRADE, VERDICT, COVERAGE, CATEGORIES, COUNTS, APPLICABLE, MISSING, RAW = range(9)
FINDINGS, NOT_ASSESSED, WARNINGS, TRACE, DECISION = range(9, 14)

ScoreFunction = Callable[
    [dict[str, Any], tuple[str, ...] | None, tuple[Any, ...] | None], tuple[Any, ...]
]


def _defect_message(prefix: str, d: dict[str, Any]) -> str:
    description = d.get("description")
    return f"{prefix}: {d['code']} {description}" if description else f"{prefix}: {d['code']}"


def _values(*pairs: tuple[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in pairs if v is not runtime.MISSING}


_HELPERS: dict[str, Any] = {
    name: getattr(runtime, name)
    for name in (
        "finite",
        "number",
        "miss",
        "div",
        "floordiv",
        "mod",
        "power",
        "min_of",
        "max_of",
        "count",
        "argmin",
        "argmax",
        "clamp",
        "interp",
        "days_between",
        "years_between",
        "startswith",
        "endswith",
        "round_half_up",
        "round_to_int",
        "floor_int",
        "ceil_int",
        "item",
        "or_default",
    )
}
_HELPERS.update(
    Unusual=runtime.Unusual,
    to_float=runtime.to_float,
    to_date=runtime.to_date,
    date=dt.date,
    MISSING=runtime.MISSING,
    Missing=runtime.Missing,
    Undefined=runtime.Undefined,
    Finding=Finding,
    new=tuple.__new__,
    defect_message=_defect_message,
    values=_values,
    min=min,
    max=max,
    sum=sum,
    any=any,
    all=all,
    len=len,
    abs=abs,
)


@dataclass
class _Rule:
    """Where a rule's results go in the generated code."""

    plan: RulePlan
    cat: int
    sign: float
    message: int


class GenBase:
    """Names, constants and the pieces every part of the generated function uses."""

    def __init__(
        self, plan: Plan, mode: Mode, inputs: dict[str, tuple[InputSpec, tuple[str, ...]]]
    ) -> None:
        self.plan = plan
        self.inputs = inputs
        self.mode = mode
        self.closure: dict[str, Any] = {}
        self.locals: dict[Ref, str] = {}
        self.counter = 0
        self.categories = [c.name for c in plan.categories]
        self.sev_index = {s: i for i, s in enumerate(plan.severities)}
        self.messages: list[int] = []  # filled by message slots
        self.msg_count = 0
        self.row_messages: list[tuple[int, Any]] = []
        """(slot, text) of the messages rows report, beside the rules' own"""
        self._sev_index_name: str | None = None
        self.fused: dict[int, tuple[str, str]] = {}
        """rule index -> (its total, its hits list), for defects rules scored in a shared loop"""
        self.fused_sources: set[str] = set()
        """locals of defects inputs whose items are checked in the shared loop"""

    # names ------------------------------------------------------------------------------------

    def fresh(self, prefix: str = "t") -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def sev_index_const(self) -> ast.expr:
        """The closure constant mapping severity names to their index in the counts list."""
        if self._sev_index_name is None:
            const = self.const(dict(self.sev_index))
            assert isinstance(const, ast.Name)
            self._sev_index_name = const.id
        return load_name(self._sev_index_name)

    def helper(self, name: str) -> ast.expr:
        ident = f"h_{name}"
        self.closure.setdefault(ident, _HELPERS[name])
        return load_name(ident)

    def const(self, value: object) -> ast.expr:
        """A closure variable holding `value` (immutable values equal to one held are shared)."""
        shareable = isinstance(value, dt.date | tuple | frozenset | str | int | float)
        for ident, existing in self.closure.items():
            if ident.startswith("k_") and (
                existing is value
                or (shareable and type(existing) is type(value) and existing == value)
            ):
                return load_name(ident)
        ident = f"k_{len(self.closure)}"
        self.closure[ident] = value
        return load_name(ident)

    def load(self, ref: Ref) -> ast.expr:
        kind, key = ref
        if kind == "context":
            return self.context(key)
        if ref not in self.locals:
            self.locals[ref] = self.fresh("f" if kind == "field" else "v")
        return load_name(self.locals[ref])

    def context(self, path: str) -> ast.expr:
        parts = path.split(".")
        if path == "score":
            return load_name("sc")
        if path == "coverage":
            return load_name("cov")
        if path == "grade":
            return load_name("grade")
        if parts[0] == "findings":
            return self.own_count(parts[1])
        if parts[0] == "categories":
            index = self.categories.index(parts[1])
            if parts[2] == "max":
                return constant(self.plan.categories[index].max)
            return ast.Subscript(load_name("cs"), constant(index), ast.Load())
        if parts[0] == "components":
            index = [c.name for c in self.plan.components].index(parts[1])
            comp = ast.Subscript(load_name("K"), constant(index), ast.Load())
            rest = parts[2]
            if rest == "findings":
                counts = ast.Subscript(comp, constant(COUNTS), ast.Load())
                return self.count_expr(
                    counts, self.plan.components[index].plan.severities, parts[3]
                )
            slot = {"score": SCORE, "grade": GRADE, "verdict": VERDICT, "coverage": COVERAGE}[rest]
            value = ast.Subscript(comp, constant(slot), ast.Load())
            if rest == "score":  # a component that was not assessed has no score
                return ast.IfExp(
                    ast.Compare(value, [ast.IsNot()], [constant(None)]),
                    value,
                    self.helper("MISSING"),
                )
            return value
        raise KeyError(path)  # pragma: no cover - the checker only admits the paths above

    def own_count(self, name: str) -> ast.expr:
        """`findings.<name>` of this standard: its own findings and its components' together.

        The counts list C holds this standard's severities (a component's findings of a severity
        of the same name are already added to it); severities only a component has are summed
        from the components' counts here.
        """
        own = self.count_expr(load_name("C"), self.plan.severities, name)
        extra: list[ast.expr] = []
        for j, comp in enumerate(self.plan.components):
            counts = ast.Subscript(
                ast.Subscript(load_name("K"), constant(j), ast.Load()), constant(COUNTS), ast.Load()
            )
            for k, sev in enumerate(comp.plan.severities):
                if sev not in self.sev_index and name in ("total", sev):
                    extra.append(ast.Subscript(counts, constant(k), ast.Load()))
        if not extra:
            return own
        terms = extra if name not in ("total", *self.plan.severities) else [own, *extra]
        total = terms[0]
        for term in terms[1:]:
            total = ast.BinOp(total, ast.Add(), term)
        return total

    def count_expr(self, counts: ast.expr, severities: Sequence[str], name: str) -> ast.expr:
        if name == "total":
            return ast.Call(self.helper("sum"), [counts], [])
        if name not in severities:
            return constant(0)
        return ast.Subscript(counts, constant(list(severities).index(name)), ast.Load())

    def compiler(self, guarded: set[Ref], locals_: dict[str, str] | None = None) -> ExprCompiler:
        return ExprCompiler(
            self.load, self.helper, self.const, locals_, guarded, lambda: self.fresh("g")
        )

    def missing_test(self, refs: set[Ref]) -> ast.expr | None:
        """`fA is MISSING or fB is MISSING` for the refs that can be missing, or None."""
        tests: list[ast.expr] = [
            ast.Compare(self.load(ref), [ast.Is()], [self.helper("MISSING")])
            for ref in sorted(refs)
            if _may_be_missing(ref)
        ]
        if not tests:
            return None
        return tests[0] if len(tests) == 1 else ast.BoolOp(ast.Or(), tests)

    # the function -----------------------------------------------------------------------------

    def message_slot(self) -> int:
        self.msg_count += 1
        return self.msg_count - 1

    def literal(self, value: object) -> ast.expr:
        if isinstance(value, bool | int | float | str) or value is None:
            return constant(value)
        return self.const(value)

    def trace(
        self,
        rule: _Rule,
        outcome: str | ast.expr,
        severity: ast.expr | None,
        points: ast.expr,
        values: ast.expr,
        message: ast.expr | None = None,
    ) -> list[ast.stmt]:
        if self.mode != "trace":
            return []
        return _tpl(
            "TR.append((INDEX, OUTCOME, SEV, POINTS, VALUES, MSG))",
            INDEX=constant(rule.plan.index),
            OUTCOME=outcome if isinstance(outcome, ast.expr) else constant(outcome),
            SEV=severity if severity is not None else constant(None),
            POINTS=points,
            VALUES=values,
            MSG=message if message is not None else self.msg(rule.message),
        )

    def msg(self, slot: int) -> ast.expr:
        return ast.Subscript(load_name("T"), constant(slot), ast.Load())

    def values(self, plan: RulePlan, guarded: set[Ref], *, with_missing: bool = False) -> ast.expr:
        """The values a rule read, for its finding: `{path: value}` without absent ones.

        With `with_missing` (for explaining a rule that was not assessed) absent values are kept,
        as MISSING, so that the explanation can say which one was lacking.
        """
        refs = [ref for ref in plan.reads if ref[0] != "context"]
        if plan.kind == "defects" and not with_missing:
            refs = [ref for ref in refs if ref != ("field", plan.defects_of)]
        keys: list[ast.expr | None] = [constant(self.ref_label(ref)) for ref in refs]
        if with_missing or all(ref in guarded for ref in refs):
            return ast.Dict(keys, [self.load(ref) for ref in refs])
        pairs: list[ast.expr] = [
            ast.Tuple([constant(self.ref_label(ref)), self.load(ref)], ast.Load()) for ref in refs
        ]
        return ast.Call(self.helper("values"), pairs, [])

    @staticmethod
    def ref_label(ref: Ref) -> str:
        kind, key = ref
        return key if kind == "field" else f"derived.{key}"

    def reported(self, sign: float, points: float) -> float:
        """Points as a finding reports them: rounded, then signed (negative for a deduction)."""
        return sign * runtime.round_value(points, self.plan.places, self.plan.rounding) + 0.0

    def count_severity(self, severity: ast.expr) -> list[ast.stmt]:
        if isinstance(severity, ast.Constant):
            return _tpl(f"C[{self.sev_index[str(severity.value)]}] += 1")
        return _tpl("C[SEVIDX[S]] += 1", SEVIDX=self.sev_index_const(), S=severity)

    def rounder(self) -> ast.expr:
        ident = "h_R"
        self.closure.setdefault(ident, runtime.make_rounder(self.plan.places, self.plan.rounding))
        return load_name(ident)

    def passed(self, rule: _Rule, guarded: set[Ref]) -> list[ast.stmt]:
        if self.mode != "trace":
            return []
        return self.trace(rule, "pass", None, constant(0.0), self.values(rule.plan, guarded))
