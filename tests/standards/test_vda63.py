"""The bundled vda-6.3 standard: element results, classification A/B/C and the downgrade rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qualityscore import RecordError, RuleSet, load_standard
from qualityscore.cli import main

STANDARD = Path(__file__).resolve().parents[2] / "standards" / "vda-6.3"


@pytest.fixture(scope="module")
def vda() -> RuleSet:
    return load_standard("vda-6.3")


def q(code: str, points: int, *, star: bool = False, step: str | None = None) -> dict[str, Any]:
    """A question result; the element is the first digit of the code (6.2.1 -> P6)."""
    question = {
        "code": code,
        "severity": "star-question" if star else "question",
        "element": f"P{code[0]}",
        "points": points,
    }
    return question | ({"step": step} if step else {})


def audit(*questions: dict[str, Any]) -> dict[str, Any]:
    return {"audit": {"questions": list(questions)}}


CAPABLE = [
    *(q(f"5.{i}", 10, star=i == 2) for i in range(1, 6)),
    q("6.1.1", 10, step="U1"),
    q("6.2.1", 10, star=True, step="U1"),
    q("6.4.1", 10, step="U1"),
    q("6.5.1", 10, step="U1"),
    *(q(f"7.{i}", 10) for i in range(1, 5)),
    q("7.5", 8),
]
"""P5 50/50 = 100 %, P6 40/40 = 100 %, P7 48/50 = 96 %: E_G 98.7 -> 99, class A."""


def changed(points: dict[str, int]) -> list[dict[str, Any]]:
    """CAPABLE with some questions' points changed (by question code)."""
    return [x | {"points": points[x["code"]]} if x["code"] in points else x for x in CAPABLE]


def test_a_capable_process_is_a(vda: RuleSet) -> None:
    rating = vda.score(audit(*CAPABLE))
    assert (rating.score, rating.grade, rating.verdict) == (99.0, "A", "quality-capable")
    assert [f.rule for f in rating.findings] == ["overall-result"]


@pytest.mark.parametrize(
    ("points", "grade", "verdict", "downgrades"),
    [
        # P7 10 + 10 + 10 + 6 + 4 = 40 / 50 = 80 %: "below 80" is strict
        pytest.param({"7.4": 6, "7.5": 4}, "A", "quality-capable", set(), id="P7-exactly-80"),
        # P7 10 + 10 + 6 + 6 + 4 = 36 / 50 = 72 %
        pytest.param(
            {"7.3": 6, "7.4": 6, "7.5": 4},
            "B",
            "conditionally-capable",
            {"element-below-80"},
            id="P7-72",
        ),
        # P7 10 + 10 + 6 + 4 + 4 = 34 / 50 = 68 %
        pytest.param(
            {"7.3": 6, "7.4": 4, "7.5": 4},
            "C",
            "not-capable",
            {"element-below-80", "element-below-70"},
            id="P7-68",
        ),
        # P5 44 / 50 = 88 %: only the *-question downgrades
        pytest.param(
            {"5.2": 4}, "B", "conditionally-capable", {"star-question-4-points"}, id="star-4"
        ),
        # P5 40 / 50 = 80 %: only the *-question downgrades, to C
        pytest.param({"5.2": 0}, "C", "not-capable", {"star-question-0-points"}, id="star-0"),
        # P5 40 / 50 = 80 %: a 0 on a plain question downgrades to B
        pytest.param({"5.1": 0}, "B", "conditionally-capable", {"question-0-points"}, id="zero"),
        # 4 points on a plain question is no veto: P5 44 / 50 = 88 %
        pytest.param({"5.1": 4}, "A", "quality-capable", set(), id="four-on-plain-question"),
    ],
)
def test_downgrade_rules(
    vda: RuleSet, points: dict[str, int], grade: str, verdict: str, downgrades: set[str]
) -> None:
    rating = vda.score(audit(*changed(points)))
    assert rating.score is not None and rating.score >= 89  # A or B by E_G: the veto decides
    assert (rating.grade, rating.verdict) == (grade, verdict)
    assert {f.rule for f in rating.findings} == {"overall-result", *downgrades}


def test_element_exactly_70_is_not_below_70(vda: RuleSet) -> None:
    # P7 with four questions: 10 + 6 + 6 + 6 = 28 / 40 = 70 %
    questions = [x for x in CAPABLE if x["element"] != "P7"]
    questions += [q("7.1", 10), q("7.2", 6), q("7.3", 6), q("7.4", 6)]
    rating = vda.score(audit(*questions))
    assert rating.grade == "B"
    assert {f.rule for f in rating.findings} == {"overall-result", "element-below-80"}


def test_a_process_step_below_70_makes_c_though_e_g_is_high(vda: RuleSet) -> None:
    # U2: 6 + 6 + 8 = 20 / 30 = 66.7 -> 67 %; P6: 60 / 70 = 85.7 -> 86 %;
    # sub-elements 6.1 and 6.2 (10 + 6) / 20 = 80 %, 6.3 80 %: no sub-element downgrade
    questions = [
        *CAPABLE,
        q("6.1.1", 6, step="U2"),
        q("6.2.1", 6, star=True, step="U2"),
        q("6.3.1", 8, step="U2"),
    ]
    rating = vda.score(audit(*questions))
    assert (rating.score, rating.grade) == (94.0, "C")
    assert {f.rule for f in rating.findings} == {
        "overall-result",
        "process-step-below-80",
        "process-step-below-70",
    }


def test_p6_rules_do_not_apply_without_p6(vda: RuleSet) -> None:
    record = audit(q("5.1", 10), q("7.1", 8))
    rating = vda.score(record)
    assert (rating.score, rating.grade, rating.coverage) == (90.0, "A", 1.0)
    outcomes = {r.rule: r.outcome for r in vda.explain(record).rules}
    assert [outcomes[r] for r in ("p6-sub-element-below-80", "process-step-below-80")] == [
        "not_applicable",
        "not_applicable",
    ]


def test_e_g_is_the_mean_of_the_elements_rounded_half_up(vda: RuleSet) -> None:
    # P5 18 / 20 = 90 %; P7 (4 x 10 + 5 x 8) / 90 = 88.9 -> 89 %; E_G = 89.5 -> 90: A
    questions = [q("5.1", 10), q("5.2", 8)]
    questions += [q(f"7.{i}", 10) for i in range(1, 5)] + [q(f"7.{i}", 8) for i in range(5, 10)]
    rating = vda.score(audit(*questions))
    assert (rating.score, rating.grade) == (90.0, "A")


def test_points_off_the_scale_ask_for_the_form(vda: RuleSet) -> None:
    rating = vda.score(audit(*CAPABLE, q("7.3", 7)))
    assert rating.verdict == "correct-form"
    assert "points-off-scale" in {f.rule for f in rating.findings}


def test_no_questions_is_not_audited(vda: RuleSet) -> None:
    rating = vda.score({"audit": {"questions": []}})
    assert (rating.grade, rating.verdict) == ("insufficient-data", "not-audited")


def test_p1_is_rejected(vda: RuleSet) -> None:
    with pytest.raises(RecordError) as caught:
        vda.score(audit(q("1.1", 10)))
    assert (caught.value.code, caught.value.field) == (
        "record-unknown-value",
        "audit.questions[0].element",
    )


def test_cli_scores_an_audit_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "audit.json"
    file.write_text(json.dumps({"id": "VDA-1", **audit(*CAPABLE, q("7.6", 0))}), encoding="utf-8")
    assert main(["score", str(file), "-s", "vda-6.3", "-f", "json"]) == 0
    (rating,) = json.loads(capsys.readouterr().out)
    # P7 48 / 60 = 80 %; E_G = (100 + 100 + 80) / 3 = 93.3 -> 93; the 0 downgrades A to B
    assert (rating["score"], rating["grade"], rating["verdict"]) == (
        93.0,
        "B",
        "conditionally-capable",
    )
    assert [(f["rule"], f["severity"], f["message"]) for f in rating["findings"]] == [
        ("overall-result", None, "Overall result E_G (mean of the element results)"),
        ("question-0-points", "question", "Question scored 0: 7.6"),
    ]


def test_own_test_cases_pass_with_full_rule_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(STANDARD), "--coverage-min", "90"]) == 0
    out = capsys.readouterr().out
    assert "  rules: 10 of 10 exercised (100.0%)\n" in out
    assert out.endswith(" 0 failed, 0 errors\n")


def test_check_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(STANDARD)]) == 0
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "checked 1 standard file: 1 ok, 0 with errors\n")
