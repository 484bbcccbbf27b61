"""The compiled function's own input checks accept nothing the record validator rejects.

The fast path checks plain values itself and hands anything unusual to the pydantic-core
validator (docs/ARCHITECTURE.md). Whatever it accepts must be accepted by the validator, with
exactly the same result as scoring the validated record.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import qualityscore
from qualityscore.expr.runtime import Unusual

STANDARD = """
standard: fast-checks
version: 1.0.0
title: Every kind of input
inputs:
  m.bounded: {type: number, min: 0, max: 100}
  m.free: {type: number}
  m.count: {type: integer, min: 0, max: 10}
  m.flag: {type: boolean}
  m.name: {type: text}
  m.kind: {type: enum, values: [M1, N1]}
  m.day: {type: date}
  m.fallback: {type: number, default: 5}
  defects: {type: defects, fields: {zone: {type: enum, values: [body, brakes]}}}
categories:
  c: {weight: 1.0, mode: award, max: 1000}
rules:
  - {id: b, category: c, points: m.bounded}
  - {id: f, category: c, require: m.free > 0, points: 1}
  - {id: n, category: c, points: m.count}
  - {id: g, category: c, require: m.flag, points: 1}
  - {id: t, category: c, require: m.name != "", points: 1}
  - {id: k, category: c, require: m.kind == "M1", points: 1}
  - {id: d, category: c, require: m.day >= "2020-01-01", points: 1}
  - {id: x, category: c, points: m.fallback}
  - {id: z, category: c, defects: {where: 'defect.zone == "body"', points: 2}}
rating:
  grades: [{grade: A}]
"""

anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 200),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=4),
    st.sampled_from(["M1", "N1", "2024-02-29", "2024-13-01"]),
    st.dates(),
    st.just([]),
    st.just({}),
)
defect = st.one_of(
    anything,
    st.fixed_dictionaries(
        {
            "code": st.one_of(st.just("1.1"), anything),
            "severity": st.sampled_from(["minor", "major", "x"]),
        },
        optional={"zone": st.one_of(st.just("body"), anything), "count": anything},
    ),
)
records = st.fixed_dictionaries(
    {},
    optional={
        "m": st.one_of(
            anything,
            st.dictionaries(
                st.sampled_from(
                    ["bounded", "free", "count", "flag", "name", "kind", "day", "fallback"]
                ),
                anything,
            ),
        ),
        "defects": st.one_of(anything, st.lists(defect, max_size=3)),
    },
)


@pytest.fixture(scope="module")
def standard(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path: Path = tmp_path_factory.mktemp("std") / "fast-checks.yaml"
    path.write_text(STANDARD, encoding="utf-8")
    rules = qualityscore.load_standard(path, registry=qualityscore.Registry(bundled=False))
    return rules.standards[0]


@given(records)
def test_the_fast_path_accepts_nothing_the_validator_rejects(
    standard: Any, record: dict[str, Any]
) -> None:
    function = standard.function("fast").function
    try:
        validated = standard.validator.validate(record, "r")
    except qualityscore.RecordError:
        validated = None
    try:
        fast = function(record, None, None)
    except Unusual:
        fast = None
    if validated is None:
        assert fast is None, "the fast path accepted a record the validator rejects"
    elif fast is not None:
        assert fast == function(validated, None, None)


def test_infinity_and_nan_are_refused_without_a_declared_range(standard: Any) -> None:
    rules = qualityscore.RuleSet([standard])
    for value in (float("inf"), float("-inf"), float("nan")):
        with pytest.raises(qualityscore.RecordError) as caught:
            rules.score({"m": {"free": value}}, findings=False)
        assert caught.value.code == "record-not-finite"
    assert rules.score({"m": {"free": 1e308}}, findings=False).score == 5.0
    # a failed require rule moves its points (awarded here): dates as date objects and as text
    assert rules.score({"m": {"day": dt.date(2019, 1, 1)}}, findings=False).score == 6.0
    assert rules.score({"m": {"day": "2019-01-01"}}, findings=False).score == 6.0
    assert rules.score({"m": {"day": "2024-01-01"}}, findings=False).score == 5.0
