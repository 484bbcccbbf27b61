"""The benchmarks' workload translation stays correct: run.py's check on a few hundred records.

Speed is never asserted here; `python benchmarks/run.py` measures it.
"""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from qualityscore import RecordError, RuleSet, load_standard, read_records

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
SHARED_BENCH = ROOT.parent / "shared" / "bench"


@pytest.fixture(scope="module")
def bench() -> SimpleNamespace:
    """benchmarks/run.py, workload.py and memory.py, imported from their folder."""
    sys.path.insert(0, str(BENCH))
    try:
        import memory
        import run
        import workload
    finally:
        sys.path.remove(str(BENCH))
    return SimpleNamespace(run=run, workload=workload, memory=memory)


@pytest.fixture(scope="module")
def work(bench: SimpleNamespace, tmp_path_factory: pytest.TempPathFactory) -> Any:
    if not (SHARED_BENCH / "gen_records.py").is_file():
        pytest.skip(f"the shared workload generators are not at {SHARED_BENCH}")
    # 400 records: record 381 sits exactly on a rounding midpoint (72.245)
    return bench.run.make_workload(400, data=tmp_path_factory.mktemp("bench"))


@pytest.fixture(scope="module")
def rules(work: Any) -> RuleSet:
    return load_standard(work.standard_path)


def test_qualityscore_agrees_with_the_handwritten_function(
    bench: SimpleNamespace, work: Any, rules: RuleSet
) -> None:
    checks = bench.run.correctness(work, rules)
    summary = {name: (c.equal, c.tie, c.other, c.examples) for name, c in checks.items()}
    assert summary == {
        "peer": (400, 0, 0, []),
        "fast": (399, 1, 0, []),
        "full": (399, 1, 0, []),
    }


def test_the_midpoint_record_is_rounded_half_even(
    bench: SimpleNamespace, work: Any, rules: RuleSet
) -> None:
    record = work.records[380]
    assert bench.workload.exact_overall(work.neutral, work.exact[380]) == Fraction("72.245")
    # the binary sum lies just above the midpoint, and round() rounds it up
    assert bench.workload.handwritten(work.neutral)(record) == (72.25, "C")
    rating = rules.score(record)
    assert (rating.score, rating.grade) == (72.24, "C")


NEUTRAL = {
    "rounding": {"decimals": 2, "mode": "half_even"},
    "grades": [["A", 90], ["B", 80], ["C", 70], ["D", 60]],
    "fallback_grade": "E",
    "knockout": {"severity": "dangerous", "grade": "F"},
}
RECORD: dict[str, Any] = {"measurements": {}, "defects": []}


@pytest.mark.parametrize(
    ("exact", "baseline", "found", "kind"),
    [
        ("78.095", (78.09, "C"), (78.09, "C"), "equal"),
        ("78.095", (78.09, "C"), (78.1, "C"), "tie"),  # half_even: 78.10
        ("78.085", (78.09, "C"), (78.08, "C"), "tie"),  # half_even: 78.08
        ("78.085", (78.08, "C"), (78.09, "C"), "other"),  # the wrong neighbour
        ("78.0951", (78.1, "C"), (78.09, "C"), "other"),  # no midpoint
        ("78.095", (78.09, "C"), (78.11, "C"), "other"),  # not a neighbour
        ("89.995", (89.99, "B"), (90.0, "A"), "tie"),
        ("89.995", (89.99, "B"), (90.0, "B"), "other"),  # the grade must follow the score
        ("78.095", (78.09, "C"), (None, "insufficient-data"), "other"),
    ],
)
def test_classify(
    bench: SimpleNamespace,
    exact: str,
    baseline: tuple[float, str],
    found: tuple[float | None, str],
    kind: str,
) -> None:
    assert bench.run.classify(NEUTRAL, RECORD, Fraction(exact), baseline, found) == kind


def test_the_broken_lines_of_memory_py_are_each_rejected(
    bench: SimpleNamespace, work: Any, rules: RuleSet, tmp_path: Path
) -> None:
    kinds = bench.memory.broken_lines(work.records[0])
    path = tmp_path / "broken.jsonl"
    path.write_text("".join(line + "\n" for _, line in kinds), encoding="utf-8")
    outcomes = list(rules.score_many(read_records([path])))
    assert all(isinstance(o, RecordError) for o in outcomes)
    found = {kind: (o.code, o.field) for (kind, _), o in zip(kinds, outcomes, strict=True)}
    assert found == {
        "broken JSON: cut short": ("record-invalid-json", None),
        "broken JSON: trailing text": ("record-invalid-json", None),
        "broken JSON: single quotes": ("record-invalid-json", None),
        "broken JSON: NaN": ("record-invalid-json", None),
        "broken JSON: Infinity": ("record-invalid-json", None),
        "not an object: list": ("record-not-object", None),
        "not an object: text": ("record-not-object", None),
        "not an object: number": ("record-not-object", None),
        "not an object: null": ("record-not-object", None),
        "wrong type: reading as text": ("record-wrong-type", "measurements.m07"),
        "wrong type: reading as boolean": ("record-wrong-type", "measurements.m08"),
        "wrong type: measurements as list": ("record-wrong-type", "measurements"),
        "wrong type: defects as text": ("record-wrong-type", "defects"),
        "wrong type: defect code as number": ("record-wrong-type", "defects[0].code"),
        "wrong type: defect as number": ("record-wrong-type", "defects[0]"),
        "missing: defect code": ("record-missing-field", "defects[0].code"),
        "unknown enum value: zone": ("record-unknown-value", "defects[0].zone"),
        "unknown severity": ("record-unknown-value", "defects[0].severity"),
        "out of range: above max": ("record-out-of-range", "measurements.m11"),
        "out of range: below min": ("record-out-of-range", "measurements.m12"),
    }
    zone = outcomes[[k for k, _ in kinds].index("unknown enum value: zone")]
    assert zone.message == (
        "defects[0].zone is 'roof', which is not a known value; "
        "expected body, chassis, brakes, lighting, emissions or interior"
    )


def test_the_generated_standard_reads_back_as_the_neutral_rules(work: Any, rules: RuleSet) -> None:
    plan = rules.standards[0].plan
    assert [r.id for r in plan.rules] == [r["id"] for r in work.neutral["rules"]]
    assert {c.name: c.weight for c in plan.categories} == {
        "safety": 0.3,
        "body": 0.2,
        "powertrain": 0.25,
        "comfort": 0.1,
        "emissions": 0.15,
    }
