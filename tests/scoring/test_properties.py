"""Invariants of scoring, checked with Hypothesis on records drawn from the standard's inputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import qualityscore

STANDARD = """
standard: properties
version: 1.0.0
title: Monotone deduct-mode standard
inputs:
  m.tread_mm: {type: number, min: 0, max: 20}
  m.brake_pct: {type: number, min: 0, max: 150}
  m.co_pct: {type: number, min: 0, max: 10}
  defects: {type: defects}
categories:
  tyres: {weight: 0.3}
  brakes: {weight: 0.4}
  emissions: {weight: 0.2}
  defects: {weight: 0.1}
rules:
  - {id: tread, category: tyres, require: m.tread_mm >= 1.6, severity: dangerous, points: 40}
  - {id: tread-wear, category: tyres, scale: {of: m.tread_mm, points: [[1.6, 30], [3, 0]]}, severity: minor}
  - id: brake-class
    category: brakes
    table:
      - {when: m.brake_pct < 29, severity: dangerous, points: 50}
      - {when: m.brake_pct < 58, severity: major, points: 20}
  - {id: brake, category: brakes, scale: {of: m.brake_pct, points: [[29, 100], [58, 0]]}}
  - {id: co, category: emissions, require: m.co_pct <= 0.3, severity: major, points: 10}
  - {id: co-scale, category: emissions, scale: {of: m.co_pct, points: [[0.3, 0], [3, 60]]}}
  - id: recorded
    category: defects
    defects: {points: {minor: 1, major: 10, dangerous: 40}, cap: 80}
rating:
  rounding: {places: 1, mode: half_up}
  grades:
    - {grade: F, when: findings.dangerous > 0}
    - {grade: A, when: score >= 90}
    - {grade: B, when: score >= 75}
    - {grade: C, when: score >= 50}
    - {grade: D}
  grade_order: [A, B, C, D, F]
  verdicts:
    - {verdict: dangerous, when: findings.dangerous > 0}
    - {verdict: fail, when: findings.major > 0}
    - {verdict: pass}
"""
VERDICT_RANK = {"pass": 0, "fail": 1, "dangerous": 2}


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> qualityscore.RuleSet:
    path: Path = tmp_path_factory.mktemp("standard") / "properties.yaml"
    path.write_text(STANDARD, encoding="utf-8")
    return qualityscore.load_standard(path, registry=qualityscore.Registry(bundled=False))


def _reading(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False).map(lambda x: round(x, 2))


defect = st.fixed_dictionaries(
    {
        "code": st.sampled_from(["1.1.1", "5.2.3", "8.2.1", "6.1"]),
        "severity": st.sampled_from(["minor", "major", "dangerous"]),
    },
    optional={"area": st.sampled_from(["brakes", "body"])},
)
records = st.fixed_dictionaries(
    {"defects": st.lists(defect, max_size=6)},
    optional={
        "m": st.fixed_dictionaries(
            {},
            optional={
                "tread_mm": _reading(0, 20),
                "brake_pct": _reading(0, 150),
                "co_pct": _reading(0, 10),
            },
        )
    },
)


complete_records = st.fixed_dictionaries(
    {
        "defects": st.lists(defect, max_size=6),
        "m": st.fixed_dictionaries(
            {"tread_mm": _reading(0, 20), "brake_pct": _reading(0, 150), "co_pct": _reading(0, 10)}
        ),
    }
)


def _summary(rating: qualityscore.Rating) -> tuple[Any, ...]:
    return (
        rating.score,
        rating.grade,
        rating.verdict,
        rating.coverage,
        {name: c.score for name, c in rating.categories.items()},
    )


@given(records)
def test_scores_stay_within_their_bounds(
    rules: qualityscore.RuleSet, record: dict[str, Any]
) -> None:
    rating = rules.score(record)
    for category in rating.categories.values():
        assert category.score is None or 0 <= category.score <= category.max
    assert rating.score is None or 0 <= rating.score <= 100
    assert 0 <= rating.coverage <= 1


@given(records)
def test_scoring_is_deterministic_and_the_fast_path_agrees(
    rules: qualityscore.RuleSet, record: dict[str, Any]
) -> None:
    first = rules.score(record)
    assert rules.score(record) == first
    assert _summary(rules.score(record, findings=False)) == _summary(first)


@given(records, st.randoms(use_true_random=False))
def test_the_order_of_defects_does_not_matter(
    rules: qualityscore.RuleSet, record: dict[str, Any], rng: Any
) -> None:
    shuffled = dict(record, defects=list(record["defects"]))
    rng.shuffle(shuffled["defects"])
    assert _summary(rules.score(shuffled)) == _summary(rules.score(record))


@given(records, defect)
def test_adding_a_defect_never_raises_the_score_nor_improves_the_verdict(
    rules: qualityscore.RuleSet, record: dict[str, Any], extra: dict[str, Any]
) -> None:
    before = rules.score(record)
    after = rules.score(dict(record, defects=[*record["defects"], extra]))
    assert after.score is not None and before.score is not None
    assert after.score <= before.score
    assert VERDICT_RANK[after.verdict or "pass"] >= VERDICT_RANK[before.verdict or "pass"]


@given(
    complete_records,
    st.sampled_from(["tread_mm", "brake_pct", "co_pct"]),
    st.floats(0.01, 50, allow_nan=False),
)
def test_worsening_a_reading_never_raises_the_score_nor_improves_the_verdict(
    rules: qualityscore.RuleSet, record: dict[str, Any], field: str, amount: float
) -> None:
    worse = dict(record["m"])
    limits = {"tread_mm": (0, 20), "brake_pct": (0, 150), "co_pct": (0, 10)}
    lo, hi = limits[field]
    # lower tread and brake efficiency are worse; more CO is worse
    value = worse[field] + amount if field == "co_pct" else worse[field] - amount
    worse[field] = round(min(max(value, lo), hi), 2)
    before = rules.score(record)
    after = rules.score(dict(record, m=worse))
    assert before.score is not None and after.score is not None
    assert after.score <= before.score
    assert VERDICT_RANK[after.verdict or "pass"] >= VERDICT_RANK[before.verdict or "pass"]
