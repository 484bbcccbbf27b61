"""The bundled Euro NCAP standard: published 2018-2025 ratings, version choice by date, 2026 scheme."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from qualityscore import Rating, load_standard
from qualityscore.cli import main

ROOT = Path(__file__).resolve().parents[2]
STANDARD = ROOT / "standards" / "euro-ncap"
CHECK_CASES = (
    ROOT.parent / "shared" / "data" / "euroncap-results" / "euroncap_2018_2025_check_cases.csv"
)
STAGES = (
    "safe_driving_points",
    "crash_avoidance_points",
    "crash_protection_points",
    "post_crash_points",
)


def _check_cases() -> list[dict[str, str]]:
    if not CHECK_CASES.is_file():
        pytest.skip(f"the published Euro NCAP results are not here: {CHECK_CASES}")
    with CHECK_CASES.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _box_record(
    rid: str, date: str, aop: float, cop: float, vru: float, sa: float
) -> dict[str, Any]:
    return {
        "id": rid,
        "inspection": {"date": date},
        "measurements": {
            "adult_occupant_pct": aop,
            "child_occupant_pct": cop,
            "vulnerable_road_users_pct": vru,
            "safety_assist_pct": sa,
        },
    }


@pytest.mark.parametrize("day", ["01-01", "12-31"])
def test_every_published_2018_2025_rating_is_reproduced(day: str) -> None:
    rows = _check_cases()
    assert len(rows) == 256
    records = [
        _box_record(
            f"{row['make'].strip()} {row['model']} {row['rating_year']}",
            f"{row['rating_year']}-{day}",
            float(row["aop_pct"]),
            float(row["cop_pct"]),
            float(row["vru_pct"]),
            float(row["sa_pct"]),
        )
        for row in rows
    ]
    ruleset = load_standard("euro-ncap")  # no version: each record's date picks one
    ratings = list(ruleset.score_many(records, findings=False))
    got = [
        (r.record, r.standard.version, r.grade) if isinstance(r, Rating) else (r, None, None)
        for r in ratings
    ]
    expected = [
        (
            record["id"],
            "2023.0.0" if row["protocol_period"] == "2023-2025" else "2018.0.0",
            row["published_stars"],
        )
        for record, row in zip(records, rows, strict=True)
    ]
    assert got == expected
    stars = sorted(int(grade) for _, _, grade in got)
    assert [stars.count(n) for n in range(6)] == [2, 3, 2, 11, 45, 193]


def test_a_batch_from_different_years_is_scored_with_the_version_of_each_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def stage_record(rid: str, date: str) -> dict[str, Any]:
        points = dict(zip(STAGES, (66, 74, 79, 87), strict=True))
        return {"id": rid, "inspection": {"date": date}, "measurements": points}

    records = [
        _box_record("wrangler-2018", "2018-01-01", 50, 69, 49, 32),
        _box_record("vru69-2022", "2022-12-31", 90, 90, 69, 90),
        _box_record("vru69-2023", "2023-01-01", 90, 90, 69, 90),
        _box_record("firefly-2025", "2025-12-31", 96, 87, 82, 86),
        stage_record("stages-2026", "2026-01-01"),
        stage_record("stages-2027", "2027-06-30"),
        stage_record("stages-2028", "2028-06-30"),
    ]
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    code = main(["score", str(batch), "-s", "euro-ncap", "-f", "jsonl"])

    out, err = capsys.readouterr()
    assert code == 0
    assert err == "7 read, 7 scored, 0 rejected\n"
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(r["record"], r["standard"]["version"], r["grade"], r["verdict"]) for r in lines] == [
        ("wrangler-2018", "2018.0.0", "1", "rated"),
        ("vru69-2022", "2018.0.0", "5", "rated"),
        ("vru69-2023", "2023.0.0", "4", "rated"),
        ("firefly-2025", "2023.0.0", "5", "rated"),
        ("stages-2026", "2026.0.0", "5", "rated"),
        ("stages-2027", "2026.0.0", "4", "rated"),
        ("stages-2028", "2026.0.0", "4", "rated"),
    ]


def test_fail_under_uses_the_star_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = [
        _box_record("polo-2022", "2022-07-01", 94, 80, 70, 70),
        _box_record("kona-2023", "2023-07-01", 80, 83, 64, 60),
    ]
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    code = main(["score", str(batch), "-s", "euro-ncap", "-f", "jsonl", "--fail-under", "5"])

    _, err = capsys.readouterr()
    assert code == 1
    assert err == "2 read, 2 scored, 0 rejected; 1 below grade 5\n"


def test_a_record_with_a_missing_box_is_not_ratable() -> None:
    rating = load_standard("euro-ncap").score(
        {
            "inspection": {"date": "2021-07-01"},
            "measurements": {"adult_occupant_pct": 90, "child_occupant_pct": 85},
        }
    )
    assert (rating.grade, rating.verdict) == ("insufficient-data", "not-ratable")
    assert sorted(rating.not_assessed) == sorted(
        f"{box}-{n}-star" for box in ("vru", "sa") for n in range(1, 6)
    )


def _calculator_stars(
    sd: int, ca: int, cp: int, pc: int, year: int, blue_zero: bool
) -> tuple[int, tuple[int, int, int, int]]:
    """compute_star_rating of euroncap-rating-2026 v5.4.9, written again from its description.

    Returns the overall stars and the stars of each stage (after the 4-star cap, which lands on
    Crash Protection in the standard).
    """
    sd_offset = {2026: 20, 2027: 10}.get(year, 0)
    ca_offset = 10 if year == 2026 else 0
    sd_a, ca_a = sd + sd_offset, ca + ca_offset
    mean = (sd_a + ca_a + cp) / 3
    best: tuple[float, int, int] | None = None
    for to_ca in range(-5, 6):
        low, high = (-5 - to_ca, 0) if to_ca < 0 else (0, 5 - to_ca) if to_ca > 0 else (-5, 5)
        for to_cp in range(low, high + 1):
            deviations = (sd_a + to_ca - mean, ca_a - to_ca - to_cp - mean, cp + to_cp - mean)
            error = sum(d * d for d in deviations)
            if best is None or error < best[0]:
                best = (error, to_ca, to_cp)
    assert best is not None
    _, to_ca, to_cp = best

    def level(points: int, lowered: int) -> int:
        return sum(points >= t - lowered for t in (80, 70, 60, 50, 40))

    stages = [
        level(sd + to_ca, sd_offset),
        level(ca - to_ca - to_cp, ca_offset),
        level(cp + to_cp, 0),
        level(pc, 0),
    ]
    if blue_zero and min(stages) == 5:
        stages[2] = 4
    return min(stages), (stages[0], stages[1], stages[2], stages[3])


def test_2026_agrees_with_the_calculator_on_a_grid_of_stage_points() -> None:
    ruleset = load_standard("euro-ncap@2026.0.0")
    grid = range(28, 100, 9)
    mismatches = []
    for year, (sd, ca, cp) in itertools.product(
        (2026, 2027, 2028, 2029), itertools.product(grid, grid, grid)
    ):
        pc = 100 - (sd + ca + cp) % 50
        blue_zero = (sd + ca) % 3 == 0
        record = {
            "inspection": {"date": f"{year}-05-01"},
            "measurements": {
                **dict(zip(STAGES, (sd, ca, cp, pc), strict=True)),
                "blue_body_region_zero": blue_zero,
            },
        }
        rating = ruleset.score(record, findings=False)
        got = (
            int(rating.grade),
            tuple(int(rating.categories[c].score or 0) for c in rating.categories),
        )
        expected = _calculator_stars(sd, ca, cp, pc, year, blue_zero)
        if got != expected:
            mismatches.append((year, sd, ca, cp, pc, blue_zero, got, expected))
    assert mismatches == []


def test_the_standards_own_cases_pass_with_full_rule_coverage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["test", str(STANDARD), "--coverage-min", "90"])

    out, _ = capsys.readouterr()
    assert code == 0, out
    coverage = [line.strip() for line in out.splitlines() if line.startswith("  rules:")]
    assert coverage == [
        "rules: 20 of 20 exercised (100.0%)",
        "rules: 20 of 20 exercised (100.0%)",
        "rules: 25 of 25 exercised (100.0%)",
    ]


def test_check_finds_no_problem(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(STANDARD)])

    out, err = capsys.readouterr()
    assert code == 0
    assert out + err == "checked 3 standard files: 3 ok, 0 with errors\n"


def test_the_example_results_rate_as_published() -> None:
    """examples/euro-ncap: every car gets its published stars, with the version of its date."""
    path = (
        Path(__file__).resolve().parents[2] / "examples" / "euro-ncap" / "published-results.jsonl"
    )
    published = {
        "Hyundai KONA 2023": "4",
        "BYD Dolphin 2023": "5",
        "Dacia Duster 2024": "3",
        "Jeep Avenger 2024": "3",
        "Honda CR-V 2024": "4",
        "Mercedes-Benz E-Class 2024": "5",
        "Suzuki e-Vitara 2025": "4",
        "Tesla Model 3 2019": "5",
        "Citroen C5 Aircross 2019": "4",
        "Volkswagen up! 2019": "3",
        "MG Marvel R 2021": "4",
        "Volkswagen Polo 2022": "5",
    }
    rules = load_standard("euro-ncap")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert {r["id"]: rules.score(r).grade for r in records} == published
