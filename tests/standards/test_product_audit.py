"""The bundled product-audit standard: AVES levels weighted by GCA factors, per audit zone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qualityscore import RecordError, RuleSet, load_standard
from qualityscore.cli import main

STANDARD = Path(__file__).resolve().parents[2] / "standards" / "product-audit"
ZONES = ("paint", "body", "interior", "electrical", "powertrain", "road-test")


@pytest.fixture(scope="module")
def audit() -> RuleSet:
    return load_standard("product-audit")


def audited(*discrepancies: dict[str, Any]) -> dict[str, Any]:
    return {"audit": {"discrepancies": list(discrepancies)}}


def item(severity: str, area: str = "paint", **more: Any) -> dict[str, Any]:
    return {"code": f"{area.upper()}-1", "severity": severity, "area": area, **more}


@pytest.mark.parametrize(
    ("discrepancy", "weight"),
    [
        pytest.param(item("V3", minor_item=True), 1, id="V3-minor-item"),
        pytest.param(item("V3"), 5, id="V3"),
        pytest.param(item("V2"), 10, id="V2"),
        pytest.param(item("V1"), 20, id="V1"),
        pytest.param(item("V1+"), 50, id="V1-plus"),
        pytest.param(item("V1", minor_item=True), 20, id="minor-item-only-lowers-a-V3"),
        pytest.param(item("V2", count=3), 30, id="count-multiplies"),
    ],
)
def test_each_level_weighs_its_gca_factor(
    audit: RuleSet, discrepancy: dict[str, Any], weight: int
) -> None:
    rating = audit.score(audited(discrepancy))
    assert rating.score == 100 - weight
    (finding,) = rating.findings
    assert (finding.outcome, finding.severity, finding.points) == (
        "defect",
        discrepancy["severity"],
        -weight,
    )


@pytest.mark.parametrize("zone", ZONES)
def test_each_zone_has_its_rule(audit: RuleSet, zone: str) -> None:
    rating = audit.score(audited(item("V2", area=zone)))
    assert [f.rule for f in rating.findings] == [zone]


@pytest.mark.parametrize("area", [None, "logistics", "Paint"])
def test_a_discrepancy_outside_the_zones_is_still_counted(audit: RuleSet, area: str | None) -> None:
    discrepancy = {"code": "X-1", "severity": "V2"} | ({"area": area} if area else {})
    rating = audit.score(audited(discrepancy))
    assert (rating.score, [f.rule for f in rating.findings]) == (90.0, ["other"])


@pytest.mark.parametrize(
    ("levels", "grade"),
    [
        pytest.param([], "A", id="wdpv-0"),
        pytest.param(["V3"], "A", id="wdpv-5"),
        pytest.param(["V3", "V3-minor"], "B", id="wdpv-6"),
        pytest.param(["V2", "V3"], "B", id="wdpv-15"),
        pytest.param(["V2", "V3", "V3-minor"], "C", id="wdpv-16"),
        pytest.param(["V1", "V2"], "C", id="wdpv-30"),
        pytest.param(["V1", "V2", "V3-minor"], "D", id="wdpv-31"),
        pytest.param(["V1+"], "D", id="any-V1-plus"),
    ],
)
def test_grade_bands(audit: RuleSet, levels: list[str], grade: str) -> None:
    discrepancies = [
        item("V3", minor_item=True) if level == "V3-minor" else item(level) for level in levels
    ]
    assert audit.score(audited(*discrepancies)).grade == grade


@pytest.mark.parametrize(
    ("levels", "verdict"),
    [
        pytest.param(["V3", "V2", "V2"], "ship", id="V2-V3-are-not-repaired"),
        pytest.param(["V1", "V3"], "repair", id="V1-is-repaired"),
        pytest.param(["V1", "V1+"], "hold", id="V1-plus-holds"),
    ],
)
def test_verdicts_follow_the_aves_levels(audit: RuleSet, levels: list[str], verdict: str) -> None:
    assert audit.score(audited(*(item(level) for level in levels))).verdict == verdict


def test_no_audit_is_insufficient_data_not_a_clean_vehicle(audit: RuleSet) -> None:
    rating = audit.score({"vehicle": {"vin": "XTAGFK330SY512874"}})
    assert (rating.score, rating.grade, rating.verdict, rating.coverage) == (
        None,
        "insufficient-data",
        "not-audited",
        0.0,
    )
    assert sorted(rating.not_assessed) == sorted((*ZONES, "other"))


def test_an_unknown_level_is_rejected(audit: RuleSet) -> None:
    with pytest.raises(RecordError) as caught:
        audit.score(audited(item("V4")))
    assert (caught.value.code, caught.value.field) == (
        "record-unknown-value",
        "audit.discrepancies[0].severity",
    )


def test_cli_scores_an_audit_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "audit.json"
    record = {
        "id": "EOL-2026-0042",
        **audited(
            {"code": "RT-044", "severity": "V1", "area": "road-test", "description": "Rattle"},
            {"code": "PNT-012", "severity": "V3", "area": "paint"},
        ),
    }
    file.write_text(json.dumps(record), encoding="utf-8")
    assert main(["score", str(file), "-s", "product-audit", "-f", "json"]) == 0
    out, err = capsys.readouterr()
    assert err == "1 read, 1 scored, 0 rejected\n"
    (rating,) = json.loads(out)
    assert (rating["score"], rating["grade"], rating["verdict"]) == (75.0, "C", "repair")
    assert [(f["rule"], f["severity"], f["points"], f["message"]) for f in rating["findings"]] == [
        ("paint", "V3", -5.0, "Paint discrepancy: PNT-012"),
        ("road-test", "V1", -20.0, "Road-test discrepancy: RT-044 Rattle"),
    ]


def test_own_test_cases_pass_with_full_rule_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(STANDARD), "--coverage-min", "90"]) == 0
    out = capsys.readouterr().out
    assert "  rules: 7 of 7 exercised (100.0%)\n" in out
    assert out.endswith(" 0 failed, 0 errors\n")


def test_check_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(STANDARD)]) == 0
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "checked 1 standard file: 1 ok, 0 with errors\n")
