"""The bundled roadworthiness-eu standard: the UK MOT manual's limits, through the library."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qualityscore import RuleSet, load_standard
from qualityscore.cli import main

MANUAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "mot-inspection-manual"
"""The team's transcription of the MOT manual (outside the project; tests skip without it)."""

PETROL_M1 = {"category": "M1", "first_used": "2012-03-01", "fuel": "petrol", "turbo": False}
PETROL_OK = {
    "service_brake_efficiency_pct": 58.3,
    "parking_brake_efficiency_pct": 25.0,
    "brake_imbalance_front_pct": 3.3,
    "brake_imbalance_rear_pct": 9.1,
    "tyre_tread_min_mm": 4.0,
    "co_idle_pct": 0.1,
    "co_fast_idle_pct": 0.05,
    "hc_fast_idle_ppm": 40.0,
    "lambda_ratio": 1.0,
    "headlamp_aim_pct": 1.2,
}
"""A post-2010 petrol car (catalyst limits) with every reading within the limits."""

DIESEL_M1 = {"category": "M1", "first_used": "2015-06-01", "fuel": "diesel", "turbo": True}
DIESEL_OK = {
    "service_brake_efficiency_pct": 62.0,
    "parking_brake_efficiency_pct": 22.0,
    "brake_imbalance_front_pct": 5.0,
    "brake_imbalance_rear_pct": 12.0,
    "tyre_tread_min_mm": 3.0,
    "smoke_opacity_m1": 0.5,
    "headlamp_aim_pct": 1.5,
}


@pytest.fixture(scope="module")
def mot() -> RuleSet:
    return load_standard("roadworthiness-eu")


def petrol(
    vehicle: dict[str, Any] | None = None,
    defects: list[dict[str, Any]] | None = None,
    **readings: float,
) -> dict[str, Any]:
    return {
        "vehicle": {**PETROL_M1, **(vehicle or {})},
        "measurements": {**PETROL_OK, **readings},
        "defects": defects or [],
    }


def diesel(vehicle: dict[str, Any] | None = None, **readings: float) -> dict[str, Any]:
    return {
        "vehicle": {**DIESEL_M1, **(vehicle or {})},
        "measurements": {**DIESEL_OK, **readings},
        "defects": [],
    }


MAJOR, DANGEROUS = "major", "dangerous"

# (record, {rule: severity}, verdict); "6.3" marks the worked limits of domain.md 6.3.
CASES = [
    # service brake, MOT 1.2.2: by category and first-use date; dangerous below half
    pytest.param(petrol(), {}, "pass", id="6.3-M1-2012-58.3pct-passes"),
    pytest.param(
        petrol({"first_used": "2010-09-01"}, service_brake_efficiency_pct=58.0),
        {},
        "pass",
        id="M1-first-used-2010-09-01-58.0pct-passes",
    ),
    pytest.param(
        petrol({"first_used": "2010-09-01"}, service_brake_efficiency_pct=57.9),
        {"service-brake-efficiency": MAJOR},
        "fail",
        id="M1-first-used-2010-09-01-57.9pct-major",
    ),
    pytest.param(
        petrol({"first_used": "2010-08-31"}, service_brake_efficiency_pct=50.0),
        {},
        "pass",
        id="M1-first-used-2010-08-31-needs-only-50pct",
    ),
    pytest.param(
        petrol({"first_used": "2010-08-31"}, service_brake_efficiency_pct=49.9),
        {"service-brake-efficiency": MAJOR},
        "fail",
        id="M1-first-used-2010-08-31-49.9pct-major",
    ),
    pytest.param(
        petrol(service_brake_efficiency_pct=29.0),
        {"service-brake-efficiency": MAJOR},
        "fail",
        id="M1-2012-29pct-exactly-half-major",
    ),
    pytest.param(
        petrol(service_brake_efficiency_pct=28.9),
        {"service-brake-efficiency": DANGEROUS},
        "dangerous",
        id="M1-2012-28.9pct-dangerous",
    ),
    pytest.param(
        petrol({"first_used": "2009-01-01"}, service_brake_efficiency_pct=24.9),
        {"service-brake-efficiency": DANGEROUS},
        "dangerous",
        id="M1-2009-24.9pct-below-half-of-50-dangerous",
    ),
    pytest.param(
        diesel({"category": "N1", "first_used": "2020-01-01"}, service_brake_efficiency_pct=50.0),
        {},
        "pass",
        id="N1-2020-50pct-passes",
    ),
    pytest.param(
        diesel({"category": "N1"}, service_brake_efficiency_pct=49.9),
        {"service-brake-efficiency": MAJOR},
        "fail",
        id="N1-49.9pct-major",
    ),
    pytest.param(
        diesel({"category": "M2", "first_used": "1967-12-31"}, service_brake_efficiency_pct=45.0),
        {},
        "pass",
        id="M2-first-used-1967-needs-45pct",
    ),
    pytest.param(
        diesel({"category": "M2", "first_used": "1968-01-01"}, service_brake_efficiency_pct=45.0),
        {"service-brake-efficiency": MAJOR},
        "fail",
        id="M2-first-used-1968-needs-50pct",
    ),
    # parking brake, MOT 1.4.2: 16 %, dangerous below 8 %
    pytest.param(
        petrol(parking_brake_efficiency_pct=14.6),
        {"parking-brake-efficiency": MAJOR},
        "fail",
        id="6.3-parking-14.6pct-major",
    ),
    pytest.param(petrol(parking_brake_efficiency_pct=16.0), {}, "pass", id="parking-16pct-passes"),
    pytest.param(
        petrol(parking_brake_efficiency_pct=8.0),
        {"parking-brake-efficiency": MAJOR},
        "fail",
        id="parking-8pct-exactly-half-major",
    ),
    pytest.param(
        petrol(parking_brake_efficiency_pct=7.9),
        {"parking-brake-efficiency": DANGEROUS},
        "dangerous",
        id="6.3-parking-below-8pct-dangerous",
    ),
    # imbalance, MOT 1.2.1 (b): > 30 % major; > 50 % dangerous on the steered (front) axle only
    pytest.param(
        petrol(brake_imbalance_front_pct=30.0), {}, "pass", id="front-imbalance-30pct-passes"
    ),
    pytest.param(
        petrol(brake_imbalance_front_pct=30.1),
        {"brake-imbalance-front": MAJOR},
        "fail",
        id="front-imbalance-30.1pct-major",
    ),
    pytest.param(
        petrol(brake_imbalance_front_pct=50.1),
        {"brake-imbalance-front": DANGEROUS},
        "dangerous",
        id="front-steered-imbalance-50.1pct-dangerous",
    ),
    pytest.param(
        petrol(brake_imbalance_rear_pct=30.0), {}, "pass", id="rear-imbalance-30pct-passes"
    ),
    pytest.param(
        petrol(brake_imbalance_rear_pct=80.0),
        {"brake-imbalance-rear": MAJOR},
        "fail",
        id="rear-imbalance-80pct-only-major",
    ),
    # tread, MOT 5.2.3 (e): dangerous in the UK manual
    pytest.param(
        petrol(tyre_tread_min_mm=1.5), {"tyre-tread": DANGEROUS}, "dangerous", id="6.3-tread-1.5mm"
    ),
    pytest.param(petrol(tyre_tread_min_mm=1.6), {}, "pass", id="tread-1.6mm-passes"),
    pytest.param(
        diesel({"category": "N1"}, tyre_tread_min_mm=1.59),
        {"tyre-tread": DANGEROUS},
        "dangerous",
        id="N1-tread-1.59mm-dangerous",
    ),
    pytest.param(
        diesel({"category": "M3"}, tyre_tread_min_mm=1.0),
        {},
        "pass",
        id="M3-bus-tread-1.0mm-passes",
    ),
    pytest.param(
        diesel({"category": "M3"}, tyre_tread_min_mm=0.9),
        {"tyre-tread": DANGEROUS},
        "dangerous",
        id="M3-bus-tread-0.9mm-dangerous",
    ),
    # petrol gaseous emissions, MOT 8.2.1.2
    pytest.param(
        petrol(co_idle_pct=0.3, co_fast_idle_pct=0.2, hc_fast_idle_ppm=200.0, lambda_ratio=1.03),
        {},
        "pass",
        id="catalyst-limits-exactly-met",
    ),
    pytest.param(
        petrol(co_idle_pct=0.31), {"petrol-co-idle": MAJOR}, "fail", id="co-idle-0.31pct-major"
    ),
    pytest.param(
        petrol(co_fast_idle_pct=0.21),
        {"petrol-co-fast-idle": MAJOR},
        "fail",
        id="co-fast-idle-0.21pct-major",
    ),
    pytest.param(
        petrol(hc_fast_idle_ppm=201.0), {"petrol-hc": MAJOR}, "fail", id="hc-201ppm-major"
    ),
    pytest.param(
        petrol(lambda_ratio=0.969), {"petrol-lambda": MAJOR}, "fail", id="lambda-0.969-major"
    ),
    pytest.param(
        petrol({"first_used": "1995-07-31"}, service_brake_efficiency_pct=50.0, co_idle_pct=3.5),
        {},
        "pass",
        id="petrol-1995-07-31-non-catalyst-3.5pct-passes",
    ),
    pytest.param(
        petrol({"first_used": "1995-08-01"}, service_brake_efficiency_pct=50.0, co_idle_pct=0.4),
        {"petrol-co-idle": MAJOR},
        "fail",
        id="petrol-1995-08-01-catalyst-limits",
    ),
    pytest.param(
        petrol({"first_used": "1974-06-01"}, service_brake_efficiency_pct=50.0, co_idle_pct=8.0),
        {},
        "pass",
        id="petrol-before-1975-08-01-no-metered-test",
    ),
    pytest.param(
        petrol({"fuel": "hybrid"}, co_idle_pct=2.0, lambda_ratio=1.2),
        {},
        "pass",
        id="hybrid-no-emissions-test",
    ),
    # diesel smoke opacity, MOT 8.2.2.2 (default limits by first use)
    pytest.param(
        diesel(smoke_opacity_m1=0.9),
        {"diesel-smoke-opacity": MAJOR},
        "fail",
        id="6.3-diesel-2015-0.9-major",
    ),
    pytest.param(
        diesel({"first_used": "2014-01-01"}, smoke_opacity_m1=0.7),
        {},
        "pass",
        id="diesel-2014-01-01-0.7-passes",
    ),
    pytest.param(
        diesel({"first_used": "2013-12-31"}, smoke_opacity_m1=1.51),
        {"diesel-smoke-opacity": MAJOR},
        "fail",
        id="diesel-2013-1.51-major",
    ),
    pytest.param(
        diesel({"first_used": "2008-06-30", "turbo": False}, smoke_opacity_m1=2.6),
        {"diesel-smoke-opacity": MAJOR},
        "fail",
        id="diesel-2008-non-turbo-2.6-major",
    ),
    pytest.param(
        diesel({"first_used": "2008-06-30", "turbo": True}, smoke_opacity_m1=3.0),
        {},
        "pass",
        id="diesel-2008-turbo-3.0-passes",
    ),
    pytest.param(
        diesel({"first_used": "1979-12-31"}, service_brake_efficiency_pct=50.0, smoke_opacity_m1=9),
        {},
        "pass",
        id="diesel-before-1980-no-metered-test",
    ),
    # headlamp aim, MOT 4.1.2
    pytest.param(petrol(headlamp_aim_pct=0.5), {}, "pass", id="headlamp-0.5pct-passes"),
    pytest.param(petrol(headlamp_aim_pct=2.75), {}, "pass", id="headlamp-2.75pct-passes"),
    pytest.param(
        petrol(headlamp_aim_pct=0.49),
        {"headlamp-aim": MAJOR},
        "fail",
        id="headlamp-0.49pct-too-high",
    ),
    pytest.param(
        petrol(headlamp_aim_pct=2.76),
        {"headlamp-aim": MAJOR},
        "fail",
        id="headlamp-2.76pct-too-low",
    ),
    pytest.param(
        diesel({"category": "N3"}, headlamp_aim_pct=1.2),
        {"headlamp-aim": MAJOR},
        "fail",
        id="truck-lamp-taken-above-850mm-needs-1.25pct",
    ),
    pytest.param(
        diesel({"category": "N3"}, headlamp_aim_pct=1.2, headlamp_centre_height_mm=850.0),
        {},
        "pass",
        id="truck-lamp-measured-at-850mm-needs-0.5pct",
    ),
    # recorded deficiencies, scored by their severity in their manual section
    pytest.param(
        petrol(defects=[{"code": "4.1.1 (b) (i)", "severity": "minor"}]),
        {"defects-lamps": "minor"},
        "pass",
        id="recorded-minor-passes",
    ),
    pytest.param(
        petrol(defects=[{"code": "4.3.1 (a) (ii)", "severity": "major"}]),
        {"defects-lamps": MAJOR},
        "fail",
        id="recorded-major-fails",
    ),
    pytest.param(
        petrol(defects=[{"code": "5.2.3 (e)", "severity": "dangerous"}]),
        {"defects-axles": DANGEROUS},
        "dangerous",
        id="recorded-dangerous-tread",
    ),
    pytest.param(
        petrol(defects=[{"code": "0.1", "severity": "major"}]),
        {"defects-other": MAJOR},
        "fail",
        id="recorded-identification-section-0",
    ),
]


@pytest.mark.parametrize(("record", "findings", "verdict"), CASES)
def test_mot_manual_limits(
    mot: RuleSet, record: dict[str, Any], findings: dict[str, str], verdict: str
) -> None:
    rating = mot.score(record)
    assert {f.rule: f.severity for f in rating.findings} == findings
    assert rating.verdict == verdict
    assert rating.coverage == 1.0


@pytest.mark.parametrize(
    ("record", "score", "grade"),
    [
        pytest.param(petrol(), 100.0, "A", id="clean"),
        pytest.param(
            petrol(defects=[{"code": "6.1.1", "severity": "minor", "count": 3}]),
            97.0,
            "B",
            id="three-minor-in-one-area",
        ),
        pytest.param(
            petrol(
                defects=[
                    {"code": "6.1.1", "severity": "minor", "count": 3},
                    {"code": "7.1.2", "severity": "minor", "count": 3},
                ]
            ),
            97.0,
            "B",
            id="minors-spread-over-areas-count-per-area",
        ),
        pytest.param(
            petrol(defects=[{"code": "6.1.1", "severity": "minor", "count": 4}]),
            96.0,
            "C",
            id="four-minor-in-one-area",
        ),
        pytest.param(petrol(parking_brake_efficiency_pct=10.0), 90.0, "D", id="one-major"),
        pytest.param(
            petrol(brake_imbalance_front_pct=35.0, brake_imbalance_rear_pct=35.0),
            80.0,
            "D",
            id="two-majors-in-brakes-add-up",
        ),
        pytest.param(petrol(tyre_tread_min_mm=1.0), 60.0, "E", id="one-dangerous"),
    ],
)
def test_the_weakest_area_decides_the_score(
    mot: RuleSet, record: dict[str, Any], score: float, grade: str
) -> None:
    rating = mot.score(record)
    assert (rating.score, rating.grade) == (score, grade)


def test_a_finding_says_what_was_wrong_and_shows_the_values_read(mot: RuleSet) -> None:
    rating = mot.score(petrol(service_brake_efficiency_pct=51.0))
    (finding,) = rating.findings
    assert finding.to_dict() == {
        "rule": "service-brake-efficiency",
        "category": "brakes",
        "outcome": "fail",
        "severity": "major",
        "points": -10.0,
        "message": "Service brake efficiency is below the minimum requirement",
        "values": {
            "measurements.service_brake_efficiency_pct": 51.0,
            "derived.service_brake_required_pct": 58,
        },
    }


def test_missing_readings_are_not_assessed_and_never_pass(mot: RuleSet) -> None:
    rating = mot.score({"vehicle": PETROL_M1, "defects": []})
    assert set(rating.not_assessed) == {
        "service-brake-efficiency",
        "parking-brake-efficiency",
        "brake-imbalance-front",
        "brake-imbalance-rear",
        "headlamp-aim",
        "tyre-tread",
        "petrol-co-idle",
        "petrol-co-fast-idle",
        "petrol-hc",
        "petrol-lambda",
    }
    assert (rating.grade, rating.verdict) == ("insufficient-data", "incomplete")


def test_without_the_first_use_date_the_date_dependent_rules_are_not_assessed(
    mot: RuleSet,
) -> None:
    rating = mot.score(
        {"vehicle": {"category": "M1", "fuel": "diesel"}, "measurements": DIESEL_OK, "defects": []}
    )
    assert set(rating.not_assessed) == {"service-brake-efficiency", "diesel-smoke-opacity"}
    assert rating.verdict == "pass"  # 14 of 16 applicable rules assessed: above min_coverage


def test_an_electric_car_has_no_emission_rules(mot: RuleSet) -> None:
    readings = {k: v for k, v in DIESEL_OK.items() if k != "smoke_opacity_m1"}
    rating = mot.score(
        {"vehicle": {**DIESEL_M1, "fuel": "electric"}, "measurements": readings, "defects": []}
    )
    assert (rating.score, rating.grade, rating.verdict, rating.coverage) == (
        100.0,
        "A",
        "pass",
        1.0,
    )
    assert rating.categories["nuisance"].score == 100.0  # assessed through its recorded defects


def test_every_manual_deficiency_lands_in_its_section_with_its_category(mot: RuleSet) -> None:
    manual = MANUAL / "mot_manual.json"
    if not manual.is_file():
        pytest.skip(f"the shared MOT manual data is not here ({manual})")
    rules = {
        "1": "defects-brakes",
        "2": "defects-steering",
        "3": "defects-visibility",
        "4": "defects-lamps",
        "5": "defects-axles",
        "6": "defects-body",
        "7": "defects-equipment",
        "8": "defects-nuisance",
    }

    def items(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [x for node in nodes for x in [node, *items(node.get("items", []))]]

    checked = 0
    for section in json.loads(manual.read_text(encoding="utf-8"))["sections"]:
        for item in items([i for sub in section["subsections"] for i in sub.get("items", [])]):
            for deficiency in item.get("defects", []):
                if not deficiency.get("category"):
                    continue  # a few transcribed rows have no category
                severity = deficiency["category"].lower()
                rating = mot.score(petrol(defects=[{"code": item["id"], "severity": severity}]))
                (finding,) = rating.findings
                assert (finding.rule, finding.severity) == (rules[section["id"]], severity)
                expected = {"minor": "pass", "major": "fail", "dangerous": "dangerous"}[severity]
                assert rating.verdict == expected
                checked += 1
    assert checked >= 450  # 465 categorised rows in the transcription of Aug 2025


def test_the_cli_scores_the_worked_example_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # domain.md 6.3: 1,400 kg post-2010 M1, 8,000 N service effort (58.3 %), 2,000 N parking
    # effort (14.6 %), front 3,000 N + 2,900 N (3.3 % imbalance)
    file = tmp_path / "mot.json"
    record = petrol(parking_brake_efficiency_pct=14.6)
    file.write_text(json.dumps({"id": "MOT-63", **record}), encoding="utf-8")
    assert main(["score", str(file), "-s", "roadworthiness-eu", "-f", "json"]) == 0
    out, err = capsys.readouterr()
    (rating,) = json.loads(out)
    assert (rating["record"], rating["standard"]["id"]) == ("MOT-63", "roadworthiness-eu")
    assert (rating["score"], rating["grade"], rating["verdict"]) == (90.0, "D", "fail")
    assert rating["findings"] == [
        {
            "rule": "parking-brake-efficiency",
            "category": "brakes",
            "outcome": "fail",
            "severity": "major",
            "points": -10.0,
            "message": "Parking brake efficiency is below the minimum 16 %",
            "values": {"measurements.parking_brake_efficiency_pct": 14.6},
        }
    ]
    assert err == "1 read, 1 scored, 0 rejected\n"
