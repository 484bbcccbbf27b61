"""expr.check: the type of every accepted form, and every refusal with its message and place."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualityscore.expr.check import (
    Scope,
    TConst,
    TContext,
    TDerived,
    TField,
    TLocal,
    check_expression,
)
from qualityscore.expr.parse import ExprProblem
from qualityscore.expr.types import BOOLEAN, DATE, INTEGER, NUMBER, TEXT, EnumT
from qualityscore.plan import input_type
from qualityscore.standard.spec import InputSpec

SEVERITIES = ("minor", "major", "dangerous")
DEFECTS = input_type(
    "defects",
    InputSpec.model_validate(
        {
            "type": "defects",
            "fields": {
                "zone": {"type": "enum", "values": ["front", "rear"]},
                "mm": {"type": "number", "required": True},
            },
        }
    ),
    SEVERITIES,
)
FIELDS = {
    "vehicle.category": EnumT(("M1", "N1")),
    "vehicle.first_used": DATE,
    "vehicle.vin": TEXT,
    "vehicle.electric": BOOLEAN,
    "vehicle.class": TEXT,
    "inspection.date": DATE,
    "measurements.tread": NUMBER,
    "measurements.axles": INTEGER,
    "defects": DEFECTS,
}
SCOPE = Scope(fields=FIELDS, derived={"wear": NUMBER})
RATING = SCOPE.with_context(
    {
        "score": NUMBER,
        "coverage": NUMBER,
        "findings.total": INTEGER,
        "findings.major": INTEGER,
        "findings.V1+": INTEGER,
        "categories.brakes.score": NUMBER,
    }
)


def type_of(text: str, scope: Scope = SCOPE) -> str:
    return str(check_expression(text, scope).type)


def refused(text: str, scope: Scope = SCOPE) -> ExprProblem:
    with pytest.raises(ExprProblem) as problem:
        check_expression(text, scope)
    return problem.value


@pytest.mark.parametrize(
    ("text", "type_"),
    [
        ("1", "integer"),
        ("1.5", "number"),
        ("-1", "integer"),
        ("'a'", "text"),
        ("True", "boolean"),
        ("measurements.tread", "number"),
        ("measurements.axles + 1", "integer"),
        ("measurements.axles + 0.5", "number"),
        ("measurements.axles / 2", "number"),
        ("measurements.axles // 2", "integer"),
        ("measurements.axles % 2", "integer"),
        ("measurements.axles ** 2", "integer"),
        ("measurements.axles ** -1", "number"),
        ("wear * 2", "number"),
        ("vehicle.first_used.year", "integer"),
        ("vehicle.category", "enum [M1, N1]"),
        ('vehicle["class"]', "text"),
        ("vehicle.category == 'M1'", "boolean"),
        ("vehicle.category == vehicle.vin", "boolean"),
        ("vehicle.first_used >= '2018-05-20'", "boolean"),
        ("vehicle.first_used in ['2018-05-20', '2019-01-01']", "boolean"),
        ("'WVW' in vehicle.vin", "boolean"),
        ("1 < measurements.tread <= 3", "boolean"),
        ("[1, 2.5]", "list of number"),
        ("[]", "list of anything"),
        ("[[0, 1], [5, 2]]", "list of list of integer"),
        ("defects", "list of defects"),
        ("defects[0]", "a defect"),
        ("defects[-1].area", "optional text"),
        ("defects[0].zone", "optional enum [front, rear]"),
        ("defects[0].mm", "number"),
        ("defects[0].severity", "enum [minor, major, dangerous]"),
        ("1 if vehicle.electric else 2.5", "number"),
        ("'a' if vehicle.electric else vehicle.category", "text"),
        ("min(1, 2)", "integer"),
        ("min(1, 2.5)", "number"),
        ("max(vehicle.first_used, inspection.date)", "date"),
        ("max(d.count for d in defects)", "integer"),
        ("sum(d.mm for d in defects if d.area == 'body')", "number"),
        ("count(d for d in defects if d.severity == 'major')", "integer"),
        ("any(d.zone == 'front' for d in defects)", "boolean"),
        ("argmax(d.mm for d in defects)", "a defect"),
        ("argmin(t[0] for t in [[0, 1], [5, 2]])", "list of integer"),
        ("len(defects)", "integer"),
        ("round(measurements.tread)", "integer"),
        ("round(measurements.tread, 1)", "number"),
        ("floor(measurements.tread)", "integer"),
        ("ceil(measurements.tread)", "integer"),
        ("abs(measurements.axles)", "integer"),
        ("clamp(measurements.tread, 0, 10)", "number"),
        ("interp(measurements.tread, [[0, 1], [10, 0]])", "number"),
        ("days_between(vehicle.first_used, inspection.date)", "integer"),
        ("years_between(vehicle.first_used, inspection.date)", "integer"),
        ("years_since(vehicle.first_used)", "integer"),
        ("date('2018-05-20')", "date"),
        ("present(measurements.tread)", "boolean"),
        ("present(defects[0].area)", "boolean"),
        ("value_or(measurements.axles, 0)", "integer"),
        ("value_or(measurements.axles, 0.5)", "number"),
        ("value_or(defects[0].zone, 'front')", "enum [front, rear]"),
        ("startswith(vehicle.category, 'M')", "boolean"),
        ("endswith(vehicle.vin, '7')", "boolean"),
    ],
)
def test_the_type_of_each_form(text: str, type_: str) -> None:
    assert type_of(text) == type_


def test_names_resolve_to_what_they_are() -> None:
    assert isinstance(check_expression("measurements.tread", SCOPE).tree, TField)
    assert isinstance(check_expression("wear", SCOPE).tree, TDerived)
    assert isinstance(check_expression("score", RATING).tree, TContext)
    assert check_expression('findings["V1+"]', RATING).tree == TContext(INTEGER, "findings.V1+")
    loop = check_expression("defect.count", SCOPE.with_locals(defect=DEFECTS.item)).tree
    assert loop.type == INTEGER and isinstance(loop.obj, TLocal)  # type: ignore[attr-defined]
    assert check_expression("-2", SCOPE).tree == TConst(INTEGER, -2)  # folded


def test_a_text_literal_compared_with_a_date_becomes_a_date() -> None:
    tree = check_expression("vehicle.first_used >= '2018-05-20'", SCOPE).tree
    (right,) = tree.rights  # type: ignore[attr-defined]
    assert right == TConst(DATE, __import__("datetime").date(2018, 5, 20))


def test_the_expected_type_of_a_place() -> None:
    with pytest.raises(ExprProblem) as problem:
        check_expression(
            "measurements.tread", SCOPE, expect=BOOLEAN, what="the 'require' of rule 'r'"
        )
    assert problem.value.code == "type-mismatch"
    assert problem.value.message == (
        "the 'require' of rule 'r' must be a boolean, but this is a number"
    )
    assert problem.value.hint == "compare it with something, e.g. 'x >= 1.6'"
    assert check_expression("measurements.axles", SCOPE, expect=NUMBER).type == INTEGER


@pytest.mark.parametrize(
    ("text", "code", "message", "where", "hint"),
    [
        (
            "measurements.tred > 1",
            "unknown-field",
            "unknown field 'measurements.tred'",
            (0, 17),
            "did you mean 'measurements.tread'?",
        ),
        (
            "min > 1",
            "unknown-field",
            "unknown name 'min'",
            (0, 3),
            "min is a function: call it, e.g. min(measurements.front_pct, measurements.rear_pct)",
        ),
        (
            "vehicle.electric == true",
            "unknown-field",
            "unknown field 'true'",
            (20, 24),
            "write the booleans as True and False; a missing value is tested with present(field)",
        ),
        (
            "brake_balance > 1",
            "unknown-field",
            "unknown field 'brake_balance'",
            (0, 13),
            "declare it under 'inputs:' (or 'derived:') to use it",
        ),
        (
            "measurements",
            "not-a-value",
            "'measurements' is a group of fields, not a value",
            (0, 12),
            "use one of its fields, e.g. 'measurements.axles'",
        ),
        (
            "vehicle.first_used.week",
            "unknown-field",
            "a date has no field 'week'",
            (0, 23),
            "a date has .year, .month and .day",
        ),
        (
            "defects[0].zonee",
            "unknown-field",
            "a defect has no field 'zonee'",
            (0, 16),
            "did you mean 'zone'?",
        ),
        ("measurements.tread[0]", "type-mismatch", "a number cannot be indexed", (0, 21), None),
        (
            "vehicle.category == 'M3'",
            "unknown-enum-value",
            "'M3' is not one of the values: M1 or N1",
            (20, 24),
            None,
        ),
        (
            "vehicle.category in ['M1', 'X']",
            "unknown-enum-value",
            "'X' is not one of the values: M1 or N1",
            (27, 30),
            None,
        ),
        (
            "vehicle.first_used == '2020-13-01'",
            "invalid-literal",
            "'2020-13-01' is not a date",
            (22, 34),
            "write dates as YYYY-MM-DD",
        ),
        ("1 ** 9", "invalid-literal", "the exponent of '**' is limited to 8", (5, 6), None),
        (
            "1 ** measurements.axles",
            "unsupported-syntax",
            "the exponent of '**' must be a number written out",
            (5, 23),
            "write x * x for a square",
        ),
        ("sqrt(1)", "unknown-function", "unknown function 'sqrt'", (0, 4), None),
        (
            "round(1, 2, 3)",
            "wrong-arguments",
            "round() takes 1 to 2 arguments, but 3 were given",
            (0, 14),
            "usage: round(x) | round(x, places)",
        ),
        (
            "round(measurements.tread, measurements.axles)",
            "wrong-arguments",
            "round()'s places must be written out, 0 to 15",
            (26, 44),
            None,
        ),
        (
            "present(1)",
            "wrong-arguments",
            "present() takes a field, such as measurements.noise_db or d.area",
            (8, 9),
            None,
        ),
        (
            "argmax([1])",
            "wrong-arguments",
            "argmax() takes a generator: argmax(key for x in list [if cond])",
            (0, 11),
            None,
        ),
        (
            "date(vehicle.vin)",
            "wrong-arguments",
            'date() takes a date written out: date("2018-05-20")',
            (5, 16),
            None,
        ),
        (
            "value_or(measurements.tread, 'x')",
            "type-mismatch",
            "the default (text) does not fit the value (a number)",
            (29, 32),
            None,
        ),
        (
            "sum(x for x in measurements.tread)",
            "type-mismatch",
            "a generator loops over a list, but this is a number",
            (15, 33),
            None,
        ),
        (
            "any(x for x in [1, 2])",
            "type-mismatch",
            "any() needs true/false items, but the items are an integer",
            (3, 22),
            "usage: any(list) | any(cond for x in list)",
        ),
        (
            "sum(wear for wear in [1])",
            "shadowed-name",
            "the loop name 'wear' hides a field of the same name",
            (13, 17),
            "choose another name, e.g. 'x'",
        ),
        (
            "True and 1",
            "type-mismatch",
            "'and' needs true/false values, but this is an integer",
            (9, 10),
            "compare it with something, e.g. 'x > 0'",
        ),
        (
            "1 if vehicle.electric else 'a'",
            "type-mismatch",
            "the two branches of 'if' differ: an integer and text",
            (0, 30),
            None,
        ),
        ("'a' * 2", "type-mismatch", "'*' needs numbers, but this is text", (0, 3), None),
        (
            "[1, 'a']",
            "type-mismatch",
            "list items must all have one type, but this is text after items of type integer",
            (4, 7),
            None,
        ),
        (
            "1 in ['a']",
            "type-mismatch",
            "cannot look for an integer in a list of text",
            (5, 10),
            "quote the number to compare text, or declare the field as a number",
        ),
        (
            "vehicle.first_used < 1",
            "type-mismatch",
            "'<' cannot compare a date with an integer",
            (0, 22),
            'compare dates with dates: x >= "2018-05-20"',
        ),
        (
            "vehicle.category == 1",
            "type-mismatch",
            "cannot compare an enum [M1, N1] with an integer",
            (0, 21),
            "the values are text: compare with one of 'M1' or 'N1'",
        ),
        (
            "defects[0].area < 'a'",
            "type-mismatch",
            "'<' cannot compare a value that may be absent",
            (0, 21),
            "use value_or(field, default), or test present(field) first",
        ),
        (
            "defects[0].zone + 1",
            "type-mismatch",
            "'+' needs numbers, but this is an optional enum [front, rear]",
            (0, 15),
            "a field that may be absent: use value_or(field, default)",
        ),
        (
            "max(defects)",
            "type-mismatch",
            "max() needs numbers, but argument 1 is a defect",
            (4, 11),
            "usage: max(a, b, ...) | max(list) | max(x for x in list)",
        ),
    ],
)
def test_refused_with_its_message_place_and_hint(
    text: str, code: str, message: str, where: tuple[int, int], hint: str | None
) -> None:
    problem = refused(text)
    assert (problem.code, problem.message, (problem.start, problem.end)) == (code, message, where)
    if hint is not None:
        assert problem.hint == hint


def test_years_since_needs_an_inspection_date_input() -> None:
    scope = Scope(fields={"vehicle.first_used": DATE})
    problem = refused("years_since(vehicle.first_used)", scope)
    assert problem.code == "unknown-field"
    assert problem.message == (
        "years_since() counts up to inspection.date, which this standard does not declare as a "
        "date input"
    )


def test_the_rating_context_is_seen_only_by_rating_expressions() -> None:
    assert type_of("score >= 90 and findings.major == 0", RATING) == "boolean"
    assert type_of("categories.brakes.score", RATING) == "number"
    assert refused("score >= 90").code == "unknown-field"
    assert refused("defect.count > 1").code == "unknown-field"  # only in defects rules


# -- never crash ----------------------------------------------------------------------------------

NAMES = st.sampled_from(
    [
        "measurements.tread",
        "measurements.axles",
        "vehicle.category",
        "vehicle.first_used",
        "vehicle.vin",
        "vehicle.electric",
        "defects",
        "wear",
        "d",
        "defects[0]",
        "defects[0].area",
        "measurements",
        "x",
        "'M1'",
        "'2020-01-01'",
        "1",
        "2.5",
        "True",
        "[]",
        "[1, 2]",
    ]
)
OPERATORS = st.sampled_from(
    [
        " + ",
        " - ",
        " * ",
        " / ",
        " // ",
        " % ",
        " ** ",
        " == ",
        " != ",
        " < ",
        " >= ",
        " in ",
        " not in ",
        " and ",
        " or ",
        " if ",
        " else ",
        ", ",
        " for d in ",
        " if ",
    ]
)
FUNCTION = st.sampled_from(
    [
        "",
        "",
        "min",
        "max",
        "sum",
        "count",
        "any",
        "all",
        "argmin",
        "round",
        "floor",
        "abs",
        "len",
        "date",
        "present",
        "value_or",
        "years_since",
        "clamp",
        "interp",
        "startswith",
        "not ",
    ]
)


@st.composite
def expressionish(draw: st.DrawFn) -> str:
    parts = [draw(NAMES)]
    for _ in range(draw(st.integers(0, 4))):
        parts += [draw(OPERATORS), draw(NAMES)]
    inner = "".join(parts)
    fn = draw(FUNCTION)
    return f"{fn}({inner})" if fn.isidentifier() else fn + inner


def checks_or_refuses(text: str) -> None:
    try:
        checked = check_expression(text, SCOPE)
    except ExprProblem as problem:
        assert 0 <= problem.start < problem.end <= max(len(text), 1)
    else:
        assert checked.type is not None


@given(st.text(max_size=60))
def test_any_text_checks_or_is_refused(text: str) -> None:
    checks_or_refuses(text)


@given(expressionish())
def test_expression_like_text_checks_or_is_refused(text: str) -> None:
    checks_or_refuses(text)
