"""expr.compile: checked trees become Python code that computes what the checker promised.

Expressions are compiled with `ExprCompiler` as the scorer compiles them (tests/expr/evaluate.py)
and run on values; an absent value is MISSING, and an expression without a value is MISSING_OUTCOME
(the scorer's not_assessed).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualityscore.expr.check import Scope, check_expression
from qualityscore.expr.compile import Ref, all_reads, strict_reads
from qualityscore.expr.types import (
    BOOLEAN,
    DATE,
    INTEGER,
    NUMBER,
    TEXT,
    EnumT,
    Type,
    assignable,
)
from qualityscore.plan import input_type
from qualityscore.standard.spec import InputSpec

from .evaluate import MISSING_OUTCOME, compile_checked, evaluate

SEVERITIES = ("minor", "major", "dangerous")
FIELDS: dict[str, Type] = {
    "m.n": NUMBER,
    "m.i": INTEGER,
    "v.t": TEXT,
    "v.b": BOOLEAN,
    "v.d": DATE,
    "v.e": EnumT(("A", "B", "C")),
    "inspection.date": DATE,
    "defects": input_type("defects", InputSpec(type="defects"), SEVERITIES),
}
SCOPE = Scope(fields=FIELDS, derived={"twice": NUMBER})


def field(path: str) -> Ref:
    return ("field", path)


def run(text: str, **values: Any) -> Any:
    """The value of `text` for a record holding `values` (m_n for m.n ...; twice is derived)."""
    refs: dict[Ref, Any] = {}
    for key, value in values.items():
        refs[("derived", key) if key == "twice" else field(key.replace("_", ".", 1))] = value
    return evaluate(check_expression(text, SCOPE), refs)


def defect(code: str = "5.2", severity: str = "minor", count: int = 1, **extra: Any) -> Any:
    return {"code": code, "severity": severity, "count": count, **extra}


# -- values ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("m.n * 2 + m.i", 8.0),
        ("m.i // 2", 1),
        ("m.i % 2", 1),
        ("m.i / 2", 1.5),
        ("m.n ** 2", 6.25),
        ("-m.i", -3),
        ("abs(-m.i)", 3),
        ("1 < m.n <= 2.5", True),
        ("m.n if v.b else m.i", 3),
        ("v.e in ['A', 'B']", True),
        ("v.e not in ['B']", True),
        ("'WV' in v.t", True),
        ("v.d >= '2018-05-20'", True),
        ("v.d.year", 2020),
        ("days_between(v.d, inspection.date)", 366),
        ("years_since(v.d)", 1),
        ("min(m.n, m.i)", 2.5),
        ("max([m.n, m.i])", 3),
        ("clamp(m.i, 0, 2)", 2),
        ("interp(m.n, [[0, 0], [5, 10]])", 5.0),
        ("round(m.n)", 3),
        ("round(m.n, 0)", 3.0),
        ("startswith(v.t, 'WVW')", True),
        ("twice + 1", 6.0),
    ],
)
def test_values(text: str, value: Any) -> None:
    record = {
        "m_n": 2.5,
        "m_i": 3,
        "v_t": "WVWZZZ",
        "v_b": False,
        "v_d": dt.date(2020, 1, 1),
        "v_e": "A",
        "inspection_date": dt.date(2021, 1, 1),
        "twice": 5.0,
    }
    result = run(text, **record)
    assert result == value and type(result) is type(value)


def test_generators_and_aggregates_over_defects() -> None:
    defects = [
        defect("1", "minor", 2, area="body"),
        defect("2", "major", 1),
        defect("3", "major", 4, area="body"),
    ]
    assert run("sum(d.count for d in defects)", defects=defects) == 7
    assert run("sum(d.count for d in defects if d.area == 'body')", defects=defects) == 6
    assert run("count(d for d in defects if d.severity == 'major')", defects=defects) == 2
    assert run("any(d.severity == 'dangerous' for d in defects)", defects=defects) is False
    assert run("all(d.count >= 1 for d in defects)", defects=defects) is True
    assert run("argmax(d.count for d in defects).code", defects=defects) == "3"
    assert run("argmin(d.count for d in defects).code", defects=defects) == "2"
    assert run("max(d.count for d in defects)", defects=defects) == 4
    assert run("len(defects)", defects=defects) == 3
    assert run("defects[-1].code", defects=defects) == "3"


def test_an_empty_list_has_sums_but_no_extremes() -> None:
    assert run("sum(d.count for d in defects)", defects=[]) == 0
    assert run("count(d for d in defects)", defects=[]) == 0
    assert run("any(d.count > 1 for d in defects)", defects=[]) is False
    assert run("all(d.count > 1 for d in defects)", defects=[]) is True
    for text in ("min(d.count for d in defects)", "argmax(d.count for d in defects)"):
        assert run(text, defects=[]) is MISSING_OUTCOME
    assert run("defects[0].code", defects=[]) is MISSING_OUTCOME


# -- missing data ---------------------------------------------------------------------------------


def test_reading_an_absent_field_leaves_no_value() -> None:
    assert run("m.n > 1") is MISSING_OUTCOME
    assert run("m.n > 1 or m.i > 1", m_i=2) is MISSING_OUTCOME  # the first operand is read
    assert run("m.n > 1 or m.i > 1", m_n=2.0) is True  # the second is not needed
    assert run("not present(m.n) or m.n > 1") is True
    assert run("present(m.n) and m.n > 1") is False
    assert run("value_or(m.n, 0) > 1") is False
    assert run("value_or(m.n, 0) > 1", m_n=2.0) is True
    assert run("twice > 1") is MISSING_OUTCOME
    assert run("value_or(twice, 1.5)") == 1.5


def test_an_absent_optional_defect_field_is_nothing() -> None:
    defects = [defect()]
    assert run("defects[0].area == 'body'", defects=defects) is False
    assert run("present(defects[0].area)", defects=defects) is False
    assert run("value_or(defects[0].area, 'none')", defects=defects) == "none"
    assert run("value_or(defects[0].area, 'none')", defects=[defect(area="body")]) == "body"


@pytest.mark.parametrize(
    "text", ["m.n / 0", "m.i // 0", "m.i % 0", "1 / (m.n - m.n)", "floor(m.n * 1e308 * 10)"]
)
def test_an_undefined_value_is_no_value(text: str) -> None:
    assert run(text, m_n=2.0, m_i=3) is MISSING_OUTCOME


# -- what the compiler reads and builds -----------------------------------------------------------


def test_reads_in_order_and_the_strict_ones() -> None:
    checked = check_expression("m.n > 1 and (m.i > 2 or present(v.t)) and twice > 0", SCOPE)
    assert all_reads(checked.tree) == [
        field("m.n"),
        field("m.i"),
        field("v.t"),
        ("derived", "twice"),
    ]
    assert strict_reads(checked.tree) == {field("m.n")}
    assert strict_reads(check_expression("value_or(m.n, 0) + m.i", SCOPE).tree) == {field("m.i")}
    assert strict_reads(check_expression("m.n if v.b else m.i", SCOPE).tree) == {field("v.b")}


def test_user_text_only_ever_becomes_a_constant() -> None:
    checked = check_expression('v.t == \'__import__("os").system("x")\'', SCOPE)
    code, namespace, slots = compile_checked(checked)
    assert set(code.co_names) <= set(namespace) | set(slots.values())
    assert '__import__("os").system("x")' in code.co_consts
    assert run("v.t == '__import__(\"os\")'", v_t="x") is False


# -- property: an accepted expression evaluates to its inferred type ------------------------------

LEAVES: dict[Type, list[str]] = {
    NUMBER: ["m.n", "twice", "1.5", "-0.25", "1e3"],
    INTEGER: ["m.i", "v.d.year", "len(defects)", "sum(d.count for d in defects)", "3", "-2"],
    BOOLEAN: ["v.b", "True", "present(m.n)", "v.e == 'B'", "'a' in v.t"],
    TEXT: ["v.t", "'x'", "v.e", "value_or(defects[0].area, 'none')"],
    DATE: ["v.d", "inspection.date", "date('2020-02-29')"],
}


@functools.cache
def typed(kind: Type, depth: int) -> st.SearchStrategy[str]:
    """Expressions meant to have type `kind` (the checker may infer a narrower one)."""
    leaf = st.sampled_from(LEAVES[kind])
    if depth == 0:
        return leaf
    num = typed(NUMBER, depth - 1)
    int_ = typed(INTEGER, depth - 1)
    boolean = typed(BOOLEAN, depth - 1)
    text = typed(TEXT, depth - 1)
    date = typed(DATE, depth - 1)
    same = typed(kind, depth - 1)
    options: list[st.SearchStrategy[str]] = [
        leaf,
        st.builds(lambda c, a, b: f"({a} if {c} else {b})", boolean, same, same),
    ]
    if kind == NUMBER:
        options += [
            st.builds(lambda a, op, b: f"({a} {op} {b})", num, st.sampled_from("+-*/%"), num),
            st.builds(lambda a: f"abs({a})", num),
            st.builds(lambda a, k: f"round({a}, {k})", num, st.integers(0, 3)),
            st.builds(lambda a, b: f"min({a}, {b})", num, num),
            st.builds(lambda a, b, c: f"clamp({a}, {b}, {c})", num, num, num),
            st.builds(lambda a: f"interp({a}, [[0, 1], [10, 5.5]])", num),
            st.builds(lambda a: f"value_or(m.n, {a})", num),
            st.builds(lambda a: f"({a}) ** 2", num),
            int_,
        ]
    elif kind == INTEGER:
        options += [
            st.builds(lambda a, op, b: f"({a} {op} {b})", int_, st.sampled_from("+-*"), int_),
            st.builds(lambda a, op, b: f"({a} {op} {b})", int_, st.sampled_from(["//", "%"]), int_),
            st.builds(lambda f, a: f"{f}({a})", st.sampled_from(["round", "floor", "ceil"]), num),
            st.builds(lambda a, b: f"max({a}, {b})", int_, int_),
            st.builds(lambda a, b: f"days_between({a}, {b})", date, date),
            st.builds(lambda a, b: f"years_between({a}, {b})", date, date),
            st.builds(lambda a: f"count(d for d in defects if d.count > {a})", int_),
            st.builds(lambda a: f"value_or(m.i, {a})", int_),
        ]
    elif kind == BOOLEAN:
        options += [
            st.builds(
                lambda a, op, b: f"({a} {op} {b})", num, st.sampled_from(["<", ">=", "=="]), num
            ),
            st.builds(lambda a: f"({a} == v.t)", text),  # not an enum against any literal
            st.builds(lambda a, b: f"({a} <= {b})", date, date),
            st.builds(
                lambda a, op, b: f"({a} {op} {b})", boolean, st.sampled_from(["and", "or"]), boolean
            ),
            st.builds(lambda a: f"(not {a})", boolean),
            st.builds(lambda a: f"any(d.count > {a} for d in defects)", int_),
            st.builds(lambda a: f"all(d.severity != 'minor' or {a} for d in defects)", boolean),
            st.builds(lambda a: f"startswith({a}, 'W')", text),
            st.builds(lambda a: f"({a} in [1, 2.5, 3])", num),
        ]
    elif kind == TEXT:
        options += [st.builds(lambda a: f"value_or(defects[0].area, {a})", text)]
    else:
        options += [
            st.builds(lambda a, b: f"max({a}, {b})", date, date),
            st.builds(lambda a, b, c: f"clamp({a}, {b}, {c})", date, date, date),
        ]
    return st.one_of(options)


DEFECT = st.builds(
    lambda code, severity, count, area: {
        "code": code,
        "severity": severity,
        "count": count,
        **({"area": area} if area is not None else {}),
    },
    st.text(max_size=3),
    st.sampled_from(SEVERITIES),
    st.integers(1, 5),
    st.none() | st.sampled_from(["body", "brakes"]),
)
VALUES: dict[Ref, st.SearchStrategy[Any]] = {
    field("m.n"): st.floats(-1e6, 1e6, allow_nan=False),
    field("m.i"): st.integers(-(10**6), 10**6),
    field("v.t"): st.text(max_size=5),
    field("v.b"): st.booleans(),
    field("v.d"): st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
    field("v.e"): st.sampled_from(["A", "B", "C"]),
    field("inspection.date"): st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
    field("defects"): st.lists(DEFECT, max_size=3),
    ("derived", "twice"): st.floats(-1e6, 1e6, allow_nan=False),
}
RECORDS = st.fixed_dictionaries({}, optional=VALUES)  # any field may be absent


def runtime_type_fits(value: Any, t: Type) -> bool:
    if t == BOOLEAN:
        return type(value) is bool
    if t == INTEGER:
        return type(value) is int
    if t == NUMBER:
        return type(value) in (int, float)
    if t == TEXT or isinstance(t, EnumT):
        return type(value) is str
    if t == DATE:
        return type(value) is dt.date
    raise AssertionError(f"no runtime check for {t}")


@given(st.data())
def test_an_accepted_expression_evaluates_to_its_inferred_type(data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from([NUMBER, INTEGER, BOOLEAN, TEXT, DATE]), label="kind")
    text = data.draw(typed(kind, 2), label="expression")
    checked = check_expression(text, SCOPE)  # built well-typed, so it must be accepted
    assert assignable(checked.type, kind), f"{text} is {checked.type}, not {kind}"
    value = evaluate(checked, data.draw(RECORDS, label="record"))
    if value is not MISSING_OUTCOME:
        assert runtime_type_fits(value, checked.type), f"{text} = {value!r}: not {checked.type}"
