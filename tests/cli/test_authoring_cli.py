"""check, test, new, schema and explain from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from qualityscore.cli import main

from .test_score_cli import STANDARD, WORN


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_check_exits_0_for_a_clean_standard_and_1_with_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _write(tmp_path / "good.yaml", STANDARD)
    assert main(["check", str(good)]) == 0
    assert capsys.readouterr().err == "checked 1 standard file: 1 ok, 0 with errors\n"
    bad = _write(
        tmp_path / "bad.yaml",
        STANDARD.replace("measurements.tread_mm >= 1.6", "measurements.tread >= 1.6").replace(
            "weight: 0.5}", "weight: 0.6}", 1
        ),
    )
    assert main(["check", str(bad)]) == 1
    out, err = capsys.readouterr()
    assert out == (
        f"{bad}:8:1: weights-sum: the weights sum to 1.1, not 1 (0.6 + 0.5)\n"
        "    8 | categories:\n"
        "      | ^^^^^^^^^^\n"
        "  hint: adjust the weights so that they add up to exactly 1\n"
        "\n"
        f"{bad}:15:14: unknown-field: unknown field 'measurements.tread'\n"
        "   15 |     require: measurements.tread >= 1.6\n"
        "      |              ^^^^^^^^^^^^^^^^^^\n"
        "  hint: did you mean 'measurements.tread_mm'?\n"
        "\n"
    )
    assert err == "checked 1 standard file: 0 ok, 1 with errors (2 problems)\n"


def test_check_json_lists_diagnostics_with_positions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _write(tmp_path / "bad.yaml", STANDARD.replace("severity: dangerous", "severity: deadly"))
    assert main(["check", str(bad), "-f", "json"]) == 1
    (report,) = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    (diagnostic,) = report["diagnostics"]
    assert {k: diagnostic[k] for k in ("code", "line", "column", "end_column")} == {
        "code": "unknown-severity",
        "line": 16,
        "column": 15,
        "end_column": 21,
    }


def test_test_command_passes_and_fails_with_expected_against_actual(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = """
tests:
  - name: worn tyre
    record: {vehicle: {category: N1}, measurements: {tread_mm: 1.2}, defects: []}
    expect: {score: 80, grade: F, verdict: dangerous, findings: [tread]}
  - name: minor defect only
    record: {vehicle: {category: M1}, measurements: {tread_mm: 3}, defects: [{code: x, severity: minor}]}
    expect: {score: 99.5, grade: A, findings: [recorded]}
"""
    standard = _write(tmp_path / "reg" / "cli-test" / "1.0.0.yaml", STANDARD + cases)
    assert main(["test", str(standard), "--coverage-min", "100"]) == 0
    out = capsys.readouterr().out
    assert (
        "  PASS  worn tyre\n  PASS  minor defect only\n  rules: 2 of 2 exercised (100.0%)\n" in out
    )
    assert out.endswith("1 standard, 2 cases: 2 passed, 0 failed, 0 errors\n")

    standard.write_text(STANDARD + cases.replace("score: 99.5", "score: 99"), encoding="utf-8")
    assert main(["test", str(standard)]) == 1
    out = capsys.readouterr().out
    assert "  FAIL  minor defect only\n        score: expected 99.0, got 99.5\n" in out
    assert out.endswith("1 standard, 2 cases: 1 passed, 1 failed, 0 errors; 1 standard not ok\n")


def test_test_command_reports_uncovered_rules_and_empty_standards(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    standard = _write(tmp_path / "cli-test" / "1.0.0.yaml", STANDARD)
    assert main(["test", str(standard)]) == 0
    assert main(["test", str(standard), "--fail-on-empty"]) == 1
    out = capsys.readouterr().out
    assert "  no test cases (--fail-on-empty)\n" in out
    assert "  not exercised: tread, recorded\n" in out


def test_new_scaffolds_a_standard_that_check_and_test_accept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = tmp_path / "standards"
    assert main(["new", "my-standard", "--dir", str(registry)]) == 0
    path = registry / "my-standard" / "1.0.0.yaml"
    assert path.read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=../qualityscore.schema.json\n"
    )
    assert (registry / "qualityscore.schema.json").is_file()
    assert main(["check", str(path)]) == 0
    assert main(["test", str(path), "--coverage-min", "100", "--fail-on-empty"]) == 0
    assert main(["new", "my-standard", "--dir", str(registry)]) == 1
    assert "already exists" in capsys.readouterr().err


def test_the_json_schema_accepts_a_valid_standard_and_rejects_a_misspelled_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["schema", "standard"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    validator = jsonschema.Draft202012Validator(schema)
    document = yaml.safe_load(STANDARD)
    assert list(validator.iter_errors(document)) == []
    document["rules"][0]["categroy"] = document["rules"][0].pop("category")
    best = jsonschema.exceptions.best_match(validator.iter_errors(document))
    assert best is not None
    assert best.message == "Additional properties are not allowed ('categroy' was unexpected)"
    assert list(best.absolute_path) == ["rules", 0]


def test_explain_shows_every_rule_with_the_values_it_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    standard = _write(tmp_path / "cli-test.yaml", STANDARD)
    record = _write(tmp_path / "worn.json", WORN)
    assert main(["explain", str(record), "-s", str(standard)]) == 0
    out = capsys.readouterr().out
    assert "Score 75 · grade F · verdict dangerous · coverage 100%" in out
    assert (
        "  ✗ Tread depth below 1.6 mm — failed -40 [dangerous]; read: measurements.tread_mm = 1.2"
        in out
    )
    assert "Grade F: because «findings.dangerous > 0» held (findings.dangerous = 1)." in out
    assert main(["explain", str(record), "-s", str(standard), "--lang", "ru"]) == 0
    out = capsys.readouterr().out
    assert "Оценка 75 · класс F · заключение dangerous" in out
    assert "Шины — 60 из 100, вес 50%" in out
    assert "Глубина протектора менее 1,6 мм — не выполнено" in out
