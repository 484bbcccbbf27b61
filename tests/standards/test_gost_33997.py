"""The bundled gost-33997 standard: its confirmed limits across vehicle categories."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qualityscore import RecordError, RuleSet, load_standard
from qualityscore.cli import main

GOOD = {
    "tyre_tread_min_mm": 6.0,
    "steering_play_deg": 5.0,
    "windscreen_light_transmission_pct": 85.0,
    "front_side_windows_light_transmission_pct": 80.0,
}
"""Readings within every limit, for any category."""


@pytest.fixture(scope="module")
def gost() -> RuleSet:
    return load_standard("gost-33997")


def record(
    category: str, defects: list[dict[str, Any]] | None = None, **readings: float
) -> dict[str, Any]:
    return {
        "vehicle": {"category": category},
        "measurements": {**GOOD, **readings},
        "defects": defects or [],
    }


# (category, readings, the rules that fail) - tread "не более" the limit fails (Perechen 5.4),
# steering play and light transmission pass exactly on the limit.
CASES = [
    pytest.param("M1", {"tyre_tread_min_mm": 1.61}, [], id="M1-tread-1.61-passes"),
    pytest.param(
        "M1", {"tyre_tread_min_mm": 1.6}, ["tyre-tread"], id="M1-tread-1.6-on-limit-fails"
    ),
    pytest.param("N1", {"tyre_tread_min_mm": 1.6}, ["tyre-tread"], id="N1-tread-1.6-fails"),
    pytest.param("O2", {"tyre_tread_min_mm": 1.6}, ["tyre-tread"], id="O2-trailer-tread-1.6-fails"),
    pytest.param("M2", {"tyre_tread_min_mm": 2.0}, ["tyre-tread"], id="M2-tread-2.0-fails"),
    pytest.param("M3", {"tyre_tread_min_mm": 2.1}, [], id="M3-tread-2.1-passes"),
    pytest.param("N2", {"tyre_tread_min_mm": 1.1}, [], id="N2-tread-1.1-passes"),
    pytest.param("O3", {"tyre_tread_min_mm": 1.0}, ["tyre-tread"], id="O3-trailer-tread-1.0-fails"),
    pytest.param("L", {"tyre_tread_min_mm": 0.85}, [], id="L-tread-0.85-passes"),
    pytest.param("L", {"tyre_tread_min_mm": 0.8}, ["tyre-tread"], id="L-tread-0.8-fails"),
    pytest.param("M1", {"steering_play_deg": 10.0}, [], id="M1-play-10-on-limit-passes"),
    pytest.param("N1", {"steering_play_deg": 10.1}, ["steering-play"], id="N1-play-10.1-fails"),
    pytest.param("M2", {"steering_play_deg": 20.0}, [], id="M2-bus-play-20-passes"),
    pytest.param("M3", {"steering_play_deg": 20.5}, ["steering-play"], id="M3-bus-play-20.5-fails"),
    pytest.param("N3", {"steering_play_deg": 25.0}, [], id="N3-truck-play-25-passes"),
    pytest.param(
        "N2", {"steering_play_deg": 25.5}, ["steering-play"], id="N2-truck-play-25.5-fails"
    ),
    pytest.param(
        "M1", {"windscreen_light_transmission_pct": 70.0}, [], id="M1-windscreen-70-passes"
    ),
    pytest.param(
        "N3",
        {"windscreen_light_transmission_pct": 69.5},
        ["windscreen-light-transmission"],
        id="N3-windscreen-69.5-fails",
    ),
    pytest.param(
        "M1",
        {"front_side_windows_light_transmission_pct": 35.0},
        ["front-side-windows-light-transmission"],
        id="M1-tinted-front-side-windows-35-fail",
    ),
]


@pytest.mark.parametrize(("category", "readings", "failed"), CASES)
def test_confirmed_limits_by_category(
    gost: RuleSet, category: str, readings: dict[str, float], failed: list[str]
) -> None:
    rating = gost.score(record(category, **readings))
    assert {f.rule: f.severity for f in rating.findings} == dict.fromkeys(failed, "major")
    assert rating.verdict == ("fail" if failed else "pass")
    assert rating.grade == ("D" if failed else "A")
    assert rating.score == (90.0 if failed else 100.0)
    assert rating.coverage == 1.0


@pytest.mark.parametrize(
    ("category", "assessed"),
    [
        pytest.param(
            "L",
            [
                "tyre-tread",
                "windscreen-light-transmission",
                "front-side-windows-light-transmission",
                "recorded-defects",
            ],
            id="L-no-steering-rule-glazing-when-measured",
        ),
        pytest.param("O4", ["tyre-tread", "recorded-defects"], id="O4-trailer-tread-only"),
        pytest.param(
            "M3",
            [
                "tyre-tread",
                "steering-play",
                "windscreen-light-transmission",
                "front-side-windows-light-transmission",
                "recorded-defects",
            ],
            id="M3-every-rule",
        ),
    ],
)
def test_which_rules_apply_by_category(gost: RuleSet, category: str, assessed: list[str]) -> None:
    # readings that would fail every rule: only the applicable rules may fire (no steering
    # limit for L or trailers, no glazing on trailers)
    bad = {
        "tyre_tread_min_mm": 0.5,
        "steering_play_deg": 40.0,
        "windscreen_light_transmission_pct": 50.0,
        "front_side_windows_light_transmission_pct": 50.0,
    }
    rating = gost.score(record(category, [{"code": "x", "severity": "minor"}], **bad))
    assert sorted(f.rule for f in rating.findings) == sorted(assessed)
    assert rating.coverage == 1.0


def test_an_l_vehicle_has_its_windscreen_checked_only_when_it_is_measured(gost: RuleSet) -> None:
    # closed-body L6/L7 have a windscreen (TR TS 018/2011 Annex 8 4.3); a motorcycle has none
    closed = {"tyre_tread_min_mm": 2.0, "windscreen_light_transmission_pct": 60.0}
    rating = gost.score({"vehicle": {"category": "L"}, "measurements": closed, "defects": []})
    assert [f.rule for f in rating.findings] == ["windscreen-light-transmission"]
    motorcycle = {"tyre_tread_min_mm": 2.0}
    rating = gost.score({"vehicle": {"category": "L"}, "measurements": motorcycle, "defects": []})
    assert (list(rating.findings), rating.not_assessed, rating.coverage) == ([], (), 1.0)


@pytest.mark.parametrize(
    ("defects", "verdict", "grade", "score"),
    [
        pytest.param(
            [{"code": "1", "severity": "minor"}], "pass", "B", 99.0, id="one-minor-remark"
        ),
        pytest.param(
            [{"code": "1", "severity": "minor", "count": 4}], "pass", "C", 96.0, id="four-minor"
        ),
        pytest.param([{"code": "1", "severity": "major"}], "fail", "D", 90.0, id="major-defect"),
        pytest.param(
            [{"code": "1", "severity": "dangerous"}], "fail", "E", 60.0, id="dangerous-defect"
        ),
    ],
)
def test_recorded_defects_cost_eu_risk_weights(
    gost: RuleSet, defects: list[dict[str, Any]], verdict: str, grade: str, score: float
) -> None:
    rating = gost.score(record("M1", defects))
    assert (rating.verdict, rating.grade, rating.score) == (verdict, grade, score)
    assert rating.categories["recorded"].score == score


def test_missing_readings_are_not_assessed_and_never_pass(gost: RuleSet) -> None:
    rating = gost.score({"vehicle": {"category": "N2"}, "defects": []})
    assert rating.not_assessed == (
        "tyre-tread",
        "steering-play",
        "windscreen-light-transmission",
        "front-side-windows-light-transmission",
    )
    assert (rating.grade, rating.verdict, rating.coverage) == (
        "insufficient-data",
        "incomplete",
        0.2,
    )


def test_a_failure_is_a_failure_even_with_readings_missing(gost: RuleSet) -> None:
    rating = gost.score(
        {"vehicle": {"category": "M1"}, "measurements": {"steering_play_deg": 15.0}}
    )
    assert rating.verdict == "fail"
    assert rating.grade == "insufficient-data"


def test_an_unknown_category_is_rejected_with_the_allowed_values(gost: RuleSet) -> None:
    with pytest.raises(RecordError) as caught:
        gost.score({"vehicle": {"category": "M4"}}, record_id="RU-1")
    assert caught.value.code == "record-unknown-value"
    assert caught.value.message == (
        "vehicle.category is 'M4', which is not a known value; "
        "expected L, M1, M2, M3, N1, N2, N3, O1, O2, O3 or O4"
    )


def test_the_cli_scores_a_truck_with_russian_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "truck.json"
    truck = record("N3", tyre_tread_min_mm=0.9, steering_play_deg=25.0)
    file.write_text(json.dumps({"id": "RU-TRUCK-1", **truck}), encoding="utf-8")
    assert main(["score", str(file), "-s", "gost-33997", "-f", "json", "--lang", "ru"]) == 0
    out, err = capsys.readouterr()
    (rating,) = json.loads(out)
    assert rating["record"] == "RU-TRUCK-1"
    assert (rating["standard"]["id"], rating["standard"]["version"]) == ("gost-33997", "2016.0.0")
    assert (rating["score"], rating["grade"], rating["verdict"]) == (90.0, "D", "fail")
    assert rating["findings"] == [
        {
            "rule": "tyre-tread",
            "category": "tyres",
            "outcome": "fail",
            "severity": "major",
            "points": -10.0,
            "message": "Остаточная глубина протектора не более допустимой для категории",
            "values": {"measurements.tyre_tread_min_mm": 0.9, "derived.tread_limit_mm": 1.0},
        }
    ]
    assert err == "1 read, 1 scored, 0 rejected\n"
