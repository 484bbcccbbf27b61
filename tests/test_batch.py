"""Batches lose nothing: one outcome per record, in input order, with or without worker processes."""

from __future__ import annotations

from pathlib import Path

import pytest

import qualityscore
from qualityscore.batch import CHUNK

STANDARD = """\
standard: batch-test
version: 1.0.0
title: Batch test
inputs:
  vehicle.category: {type: enum, values: [M1, N1]}
  measurements.tread_mm: {type: number, min: 0, max: 30}
  defects: {type: defects}
categories:
  tyres: {weight: 1.0}
rules:
  - {id: tread, category: tyres, require: measurements.tread_mm >= 1.6, severity: major, points: 40}
rating:
  grades: [{grade: A, when: score >= 90}, {grade: B}]
"""


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> qualityscore.RuleSet:
    path = tmp_path_factory.mktemp("std") / "batch-test.yaml"
    path.write_text(STANDARD, encoding="utf-8")
    return qualityscore.load_standard(path, registry=qualityscore.Registry(bundled=False))


def _records(n: int) -> list[object]:
    out: list[object] = []
    for i in range(n):
        if i % 97 == 5:
            out.append({"id": f"bad-{i}", "measurements": {"tread_mm": -1}})
        elif i % 89 == 7:
            out.append(["not", "a", "record"])
        else:
            out.append(
                {
                    "id": f"r{i}",
                    "vehicle": {"category": "M1"},
                    "measurements": {"tread_mm": (i % 40) / 10},
                    "defects": [],
                }
            )
    return out


def _key(outcome: object) -> tuple[object, ...]:
    if isinstance(outcome, qualityscore.Rating):
        return ("rating", outcome.record, outcome.score, outcome.grade)
    assert isinstance(outcome, qualityscore.RecordError)
    return ("error", outcome.record, outcome.code)


def test_every_record_gives_one_outcome_in_order(rules: qualityscore.RuleSet) -> None:
    records = _records(3 * CHUNK + 17)
    outcomes = list(rules.score_many(records))
    assert len(outcomes) == len(records)
    assert [_key(o)[1] for o in outcomes[:8]] == [
        "r0",
        "r1",
        "r2",
        "r3",
        "r4",
        "bad-5",
        "r6",
        "record 8",
    ]
    assert _key(outcomes[5]) == ("error", "bad-5", "record-out-of-range")
    assert _key(outcomes[7]) == ("error", "record 8", "record-not-object")


def test_workers_give_the_same_outcomes_in_the_same_order(rules: qualityscore.RuleSet) -> None:
    records = _records(5 * CHUNK + 3)
    sequential = [_key(o) for o in rules.score_many(records)]
    parallel = [_key(o) for o in rules.score_many(iter(records), workers=2)]
    assert parallel == sequential


def test_ratings_and_errors_survive_pickling(rules: qualityscore.RuleSet, tmp_path: Path) -> None:
    import pickle

    rating = rules.score(
        {"vehicle": {"category": "M1"}, "measurements": {"tread_mm": 1.0}, "defects": []}
    )
    assert pickle.loads(pickle.dumps(rating)) == rating
    error = qualityscore.RecordError("record-invalid", "x", record="r", field="f", hint="h")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.message, copy.record, copy.field, copy.hint) == (
        "record-invalid",
        "x",
        "r",
        "f",
        "h",
    )
