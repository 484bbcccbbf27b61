"""The bundled unified-vehicle-quality standard (the default), its examples and their README."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from qualityscore import DEFAULT_STANDARD, Rating, RecordError, RuleSet, load_standard, read_records
from qualityscore.cli import main

ROOT = Path(__file__).resolve().parents[2]
STANDARD = ROOT / "standards" / "unified-vehicle-quality"
EXAMPLES = ROOT / "examples" / "inspections"
README = ROOT / "examples" / "README.md"

CLEAN: dict[str, Any] = {
    "vehicle": {"category": "M1"},
    "measurements": {
        "tyre_tread_min_mm": 8.0,
        "steering_play_deg": 2.0,
        "windscreen_light_transmission_pct": 80.0,
        "front_side_windows_light_transmission_pct": 75.0,
    },
    "defects": [],
    "audit": {"discrepancies": []},
    "consumer": {
        "noise_90_kmh_dba": 64.0,
        "fuel": {"declared_l_100km": 7.0, "measured_l_100km": 7.0},
        "climate": {"heating_min": 9.0, "cooling_min": 7.0},
        "ergonomics": {"seating": 9.0, "controls": 8.0, "visibility": 8.5},
    },
}
"""A vehicle with nothing to find: every rule assessed, nothing deducted."""


def clean(**changes: Any) -> dict[str, Any]:
    """CLEAN with some top-level sections replaced (or added)."""
    record = copy.deepcopy(CLEAN)
    record.update(changes)
    return record


@pytest.fixture(scope="module")
def unified() -> RuleSet:
    return load_standard()


def test_the_default_standard_is_the_unified_rating(unified: RuleSet) -> None:
    assert DEFAULT_STANDARD == "unified-vehicle-quality"
    assert (unified.id, unified.version) == ("unified-vehicle-quality", "1.0.0")
    assert unified.title("ru") == "Единый рейтинг качества автомобиля (совместная система оценки)"


def test_components_are_the_gost_inspection_and_the_product_audit(unified: RuleSet) -> None:
    rating = unified.score(CLEAN)
    assert {name: (c.standard.id, c.standard.version) for name, c in rating.components.items()} == {
        "roadworthiness": ("gost-33997", "2016.0.0"),
        "production": ("product-audit", "1.0.0"),
    }
    assert {name: c.weight for name, c in rating.components.items()} == {
        "roadworthiness": 0.2,
        "production": 0.35,
    }
    assert {name: c.weight for name, c in rating.categories.items()} == {
        "consumer": 0.35,
        "crash-safety": 0.1,
    }


def test_a_clean_vehicle_earns_the_quality_mark(unified: RuleSet) -> None:
    rating = unified.score(CLEAN)
    assert (rating.score, rating.grade, rating.verdict, rating.coverage) == (
        100.0,
        "A",
        "quality-mark",
        1.0,
    )
    assert rating.findings == ()
    assert rating.categories["crash-safety"].score is None  # no stars: left out, not zero


def test_the_score_is_the_weighted_mean_of_what_was_assessed(unified: RuleSet) -> None:
    # production 100 - 20 (a V1) = 80; consumer 100 - 12.5 (70 dB(A)) = 87.5; 3 stars = 60:
    # 0.20 x 100 + 0.35 x 80 + 0.35 x 87.5 + 0.10 x 60 = 84.625 -> 84.6
    record = clean(
        audit={"discrepancies": [{"code": "ELE-1", "severity": "V1", "area": "electrical"}]},
        consumer={**CLEAN["consumer"], "noise_90_kmh_dba": 70.0},
        safety={"euro_ncap_stars": 3},
    )
    rating = unified.score(record)
    assert rating.score == 84.6
    assert rating.components["production"].score == 80.0
    assert rating.categories["consumer"].score == 87.5
    assert rating.categories["crash-safety"].score == 60.0
    assert (rating.grade, rating.verdict) == ("B", "no-quality-mark")


def test_a_dangerous_roadworthiness_finding_knocks_the_grade_out(unified: RuleSet) -> None:
    leak = {"code": "4.1.1", "severity": "dangerous", "area": "brakes"}
    rating = unified.score(clean(defects=[leak]))
    assert rating.score == 91.1  # (0.20 x 60 + 35 + 35) / 0.90: high, but it does not count
    assert (rating.grade, rating.verdict) == ("E", "no-quality-mark")
    assert [(f.rule, f.severity) for f in rating.findings] == [
        ("roadworthiness/recorded-defects", "dangerous")
    ]


@pytest.mark.parametrize(
    ("changes", "finding"),
    [
        pytest.param(
            {"measurements": {**CLEAN["measurements"], "tyre_tread_min_mm": 1.6}},
            "roadworthiness/tyre-tread",
            id="gost-major",
        ),
        pytest.param(
            {
                "audit": {
                    "discrepancies": [{"code": "RT-1", "severity": "V1+", "area": "road-test"}]
                }
            },
            "production/road-test",
            id="audit-v1-plus",
        ),
    ],
)
def test_a_major_or_v1_plus_finding_caps_the_grade_at_c(
    unified: RuleSet, changes: dict[str, Any], finding: str
) -> None:
    rating = unified.score(clean(**changes))
    assert rating.score is not None and rating.score >= 80  # would be A or B without the cap
    assert (rating.grade, rating.verdict) == ("C", "no-quality-mark")
    assert [f.rule for f in rating.findings] == [finding]


@pytest.mark.parametrize(
    ("changes", "verdict"),
    [
        pytest.param({}, "quality-mark", id="clean"),
        pytest.param(
            {"defects": [{"code": "7.1", "severity": "minor"}]}, "quality-mark", id="gost-minor"
        ),
        pytest.param(
            {"audit": {"discrepancies": [{"code": "P-1", "severity": "V3", "area": "paint"}]}},
            "quality-mark",
            id="audit-v3",
        ),
        pytest.param(
            {"audit": {"discrepancies": [{"code": "E-1", "severity": "V1", "area": "electrical"}]}},
            "no-quality-mark",
            id="audit-v1-needs-repair",
        ),
        pytest.param(
            {
                "consumer": {
                    **CLEAN["consumer"],
                    "fuel": {"declared_l_100km": 7.0, "measured_l_100km": 8.5},
                }
            },
            "no-quality-mark",
            id="fuel-21pct-over-declared-major",
        ),
        pytest.param({"safety": {"euro_ncap_stars": 2}}, "no-quality-mark", id="ncap-2-stars"),
        pytest.param(
            {"measurements": {"tyre_tread_min_mm": 8.0}},
            "no-quality-mark",
            id="gost-inspection-incomplete",
        ),
    ],
)
def test_the_quality_mark_needs_grade_a_and_no_major_finding(
    unified: RuleSet, changes: dict[str, Any], verdict: str
) -> None:
    rating = unified.score(clean(**changes))
    assert rating.grade == "A"
    assert rating.verdict == verdict


def test_without_the_production_audit_the_vehicle_is_not_rated(unified: RuleSet) -> None:
    record = clean()
    del record["audit"]
    rating = unified.score(record)
    assert (rating.grade, rating.verdict, rating.coverage) == (
        "insufficient-data",
        "not-rated",
        0.65,
    )
    assert sorted(rating.not_assessed) == sorted(
        f"production/{zone}"
        for zone in ("paint", "body", "interior", "electrical", "powertrain", "road-test", "other")
    )


def test_audit_and_inspection_defects_keep_their_own_severities(unified: RuleSet) -> None:
    """The audit's AVES levels and the GOST inspection's severities never mix."""
    with pytest.raises(RecordError) as caught:
        unified.score(clean(defects=[{"code": "4.1.1", "severity": "V1+"}]))
    assert (caught.value.code, caught.value.field) == (
        "record-unknown-value",
        "defects[0].severity",
    )
    with pytest.raises(RecordError) as caught:
        unified.score(clean(audit={"discrepancies": [{"code": "P-1", "severity": "major"}]}))
    assert (caught.value.code, caught.value.field) == (
        "record-unknown-value",
        "audit.discrepancies[0].severity",
    )


def test_own_test_cases_pass_with_full_rule_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(STANDARD), "--coverage-min", "90"]) == 0
    out = capsys.readouterr().out
    assert "  rules: 10 of 10 exercised (100.0%)\n" in out
    assert out.endswith(" 0 failed, 0 errors\n")


def test_check_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(STANDARD / "1.0.0.yaml")]) == 0
    captured = capsys.readouterr()
    assert captured.err == "checked 1 standard file: 1 ok, 0 with errors\n"
    assert "warning" not in captured.out + captured.err


# -- the examples ---------------------------------------------------------------------------------


def example_files() -> list[Path]:
    return sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".json"))


@pytest.fixture(scope="module")
def example_ratings(unified: RuleSet) -> dict[str, Rating]:
    """file name -> the rating the default standard gives it (read as the CLI reads it)."""
    out: dict[str, Rating] = {}
    for path in example_files():
        (outcome,) = unified.score_many(read_records([path]))
        assert isinstance(outcome, Rating), f"{path.name} was rejected: {outcome}"
        out[path.name] = outcome
    return out


def test_every_example_scores_with_the_default_standard(
    example_ratings: dict[str, Rating],
) -> None:
    assert len(example_ratings) >= 6
    assert all(r.standard.id == "unified-vehicle-quality" for r in example_ratings.values())
    assert all(r.warnings == () for r in example_ratings.values())


def test_the_examples_do_not_all_get_the_same_verdict(example_ratings: dict[str, Rating]) -> None:
    verdicts = {r.verdict for r in example_ratings.values()}
    assert verdicts == {"quality-mark", "no-quality-mark", "not-rated"}


def test_the_examples_cover_the_cases_they_are_there_for(
    example_ratings: dict[str, Rating],
) -> None:
    ratings = example_ratings.values()
    assert any(
        r.components["roadworthiness"].verdict == "fail" and r.grade == "E" for r in ratings
    ), "one example with a dangerous finding"
    assert any(r.grade == "D" for r in ratings), "one failing example"
    assert any(r.grade == "insufficient-data" for r in ratings), "one example with too little data"
    assert any(r.verdict == "quality-mark" for r in ratings), "one example earning the mark"


def test_the_examples_are_plausible_records() -> None:
    vin = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")  # 17 characters, never I, O or Q
    stations = set()
    for item in read_records(example_files()):
        record = item.record
        assert vin.match(record["vehicle"]["vin"]), item.id
        assert record["inspection"]["date"].year == 2026, item.id
        assert record["inspection"]["mileage_km"] > 0, item.id
        stations.add(record["inspection"]["station"].split("-")[0])
    assert stations == {"Krasnodar", "Samara", "Moscow"}


def test_the_cli_scores_the_examples_with_exit_code_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(EXAMPLES), "-f", "json"]) == 0
    captured = capsys.readouterr()
    count = len(example_files())
    assert captured.err == f"{count} read, {count} scored, 0 rejected\n"
    ratings = json.loads(captured.out)
    assert {r["standard"]["id"] for r in ratings} == {"unified-vehicle-quality"}


def readme_table() -> dict[str, tuple[float, str, str]]:
    """file -> (score, grade, verdict), from the README's table rows that start with a file name."""
    rows: dict[str, tuple[float, str, str]] = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and re.fullmatch(r"`[^`]+\.(yaml|json)`", cells[0]):
            rows[cells[0].strip("`")] = (float(cells[3]), cells[4], cells[5])
    return rows


def test_the_readme_states_what_the_engine_gives(example_ratings: dict[str, Rating]) -> None:
    documented = readme_table()
    assert sorted(documented) == sorted(example_ratings)
    actual = {name: (r.score, r.grade, r.verdict) for name, r in example_ratings.items()}
    assert documented == actual


def test_the_readme_explains_every_example() -> None:
    text = README.read_text(encoding="utf-8")
    assert "qualityscore score examples/inspections\n" in text
    for path in example_files():
        assert f"### {example_heading(path)}" in text, path.name


def example_heading(path: Path) -> str:
    """The README's heading for an example: '<make> <model>, <city>: ...' up to the colon."""
    (item,) = read_records([path])
    vehicle = item.record["vehicle"]
    city = item.record["inspection"]["station"].split("-")[0]
    return f"{vehicle['make']} {vehicle['model']}, {city}:"
