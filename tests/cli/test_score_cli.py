"""The `score` command end to end, and every exit code of the CLI contract (DESIGN §7)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from qualityscore.cli import main

STANDARD = """\
standard: cli-test
version: 1.0.0
title: {en: CLI test, ru: Проверка CLI}
inputs:
  vehicle.category: {type: enum, values: [M1, N1]}
  measurements.tread_mm: {type: number, min: 0, max: 30}
  defects: {type: defects}
categories:
  tyres: {title: {en: Tyres, ru: Шины}, weight: 0.5}
  defects: {weight: 0.5}
rules:
  - id: tread
    category: tyres
    title: {en: Tread depth below 1.6 mm, ru: "Глубина протектора менее 1,6 мм"}
    require: measurements.tread_mm >= 1.6
    severity: dangerous
    points: 40
  - {id: recorded, category: defects, defects: {points: {minor: 1, major: 10, dangerous: 40}}}
rating:
  rounding: {places: 1, mode: half_up}
  grades:
    - {grade: F, when: findings.dangerous > 0}
    - {grade: A, when: score >= 90}
    - {grade: B}
  grade_order: [A, B, F]
  verdicts:
    - {verdict: dangerous, when: findings.dangerous > 0}
    - {verdict: fail, when: findings.major > 0}
    - {verdict: pass}
"""
GOOD = '{"id": "good", "vehicle": {"category": "M1"}, "measurements": {"tread_mm": 4.0}, "defects": []}'
WORN = (
    '{"id": "worn", "vehicle": {"category": "N1"}, "measurements": {"tread_mm": 1.2}, '
    '"defects": [{"code": "1.1", "severity": "major"}]}'
)
BAD_LINES = [
    '{"id": "wrong-type", "measurements": {"tread_mm": "4.0"}}',
    '{"id": "broken',
    '{"id": "bad-enum", "vehicle": {"category": "M7"}}',
    '{"id": "nan", "measurements": {"tread_mm": NaN}}',
    "[1, 2]",
]


@pytest.fixture
def standard(tmp_path: Path) -> Path:
    path = tmp_path / "cli-test.yaml"
    path.write_text(STANDARD, encoding="utf-8")
    return path


def _records(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_good_batch_exits_0_with_one_rating_per_record(
    tmp_path: Path, standard: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = _records(tmp_path, GOOD, WORN)
    assert main(["score", str(records), "-s", str(standard), "-f", "jsonl"]) == 0
    out, err = capsys.readouterr()
    ratings = [json.loads(line) for line in out.splitlines()]
    assert [(r["record"], r["score"], r["grade"], r["verdict"]) for r in ratings] == [
        ("good", 100.0, "A", "pass"),
        ("worn", 75.0, "F", "dangerous"),
    ]
    assert ratings[1]["findings"][0]["values"] == {"measurements.tread_mm": 1.2}
    assert err == "2 read, 2 scored, 0 rejected\n"


def test_rejected_records_exit_1_with_one_error_line_each_and_the_summary(
    tmp_path: Path, standard: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = _records(tmp_path, GOOD, *BAD_LINES, WORN)
    errors = tmp_path / "errors.jsonl"
    code = main(["score", str(records), "-s", str(standard), "-f", "json", "--errors", str(errors)])
    assert code == 1
    out, err = capsys.readouterr()
    assert [r["record"] for r in json.loads(out)] == ["good", "worn"]
    name = str(records)
    assert err.splitlines() == [
        "rejected wrong-type: record-wrong-type: measurements.tread_mm "
        "should be a number, but is the text '4.0' (write the number without quotes)",
        f"rejected {name}:3: record-invalid-json: invalid JSON: unterminated string starting at "
        "column 8",
        "rejected bad-enum: record-unknown-value: vehicle.category is 'M7', "
        "which is not a known value; expected M1 or N1",
        f"rejected {name}:5: record-invalid-json: invalid JSON: NaN is not a number JSON allows",
        f"rejected {name}:6: record-not-object: a record is a mapping of fields, but this is a list",
        "7 read, 2 scored, 5 rejected",
    ]
    lines = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert [(e["record"], e["field"], e["code"]) for e in lines] == [
        ("wrong-type", "measurements.tread_mm", "record-wrong-type"),
        (f"{name}:3", None, "record-invalid-json"),
        ("bad-enum", "vehicle.category", "record-unknown-value"),
        (f"{name}:5", None, "record-invalid-json"),
        (f"{name}:6", None, "record-not-object"),
    ]


def test_an_invalid_standard_exits_1_with_its_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        STANDARD.replace("    category: tyres\n", "    categroy: tyres\n", 1), encoding="utf-8"
    )
    records = _records(tmp_path, GOOD)
    assert main(["score", str(records), "-s", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"{bad}:13:5: unknown-key: unknown key 'categroy' in a rule\n"
        "   13 |     categroy: tyres\n"
        "      |     ^^^^^^^^\n"
        "  hint: did you mean 'category'?\n"
    )


def test_fail_under_exits_1_when_a_grade_is_worse(
    tmp_path: Path, standard: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = _records(tmp_path, GOOD, WORN)
    assert main(["score", str(records), "-s", str(standard), "--fail-under", "A"]) == 1
    assert capsys.readouterr().err.endswith("2 read, 2 scored, 0 rejected; 1 below grade A\n")
    assert main(["score", str(records), "-s", str(standard), "--fail-under", "F"]) == 0


@pytest.mark.parametrize(
    "args",
    [
        ["score"],
        ["score", "x.jsonl", "--no-such-option"],
        ["score", "x.jsonl", "-f", "xml"],
        ["no-such-command"],
    ],
    ids=["missing-argument", "unknown-option", "bad-format", "unknown-command"],
)
def test_usage_errors_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    assert "Usage:" in capsys.readouterr().err


def test_an_unknown_fail_under_grade_is_a_usage_error(
    tmp_path: Path, standard: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = _records(tmp_path, GOOD)
    assert main(["score", str(records), "-s", str(standard), "--fail-under", "Z"]) == 2
    assert "'Z' is not a grade of cli-test; its grades are A, B, F" in capsys.readouterr().err


def test_an_internal_error_exits_3_and_shows_the_traceback_only_with_debug(
    tmp_path: Path,
    standard: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr("qualityscore.api.load_standard", broken)
    records = _records(tmp_path, GOOD)
    assert main(["score", str(records), "-s", str(standard)]) == 3
    err = capsys.readouterr().err
    assert err == (
        "internal error: RuntimeError: simulated bug\n"
        "this is a bug in qualityscore; run again with --debug for the traceback and report it\n"
    )
    assert main(["score", str(records), "-s", str(standard), "--debug"]) == 3
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_records_can_come_from_stdin(
    standard: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((GOOD + "\n" + WORN).encode())))
    assert main(["score", "-", "-s", str(standard), "-f", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "record,standard,version,score,grade,verdict,coverage,findings,fingerprint,"
        "category.tyres,category.defects"
    )
    assert out[1].startswith("good,cli-test,1.0.0,100,A,pass,1,0,sha256:")
    assert out[2].endswith(",60,90")


def test_output_is_written_atomically(
    tmp_path: Path, standard: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = _records(tmp_path, GOOD)
    target = tmp_path / "out"
    target.mkdir()
    output = target / "ratings.json"
    assert main(["score", str(records), "-s", str(standard), "-f", "json", "-o", str(output)]) == 0
    assert [r["record"] for r in json.loads(output.read_text(encoding="utf-8"))] == ["good"]
    assert sorted(p.name for p in target.iterdir()) == ["ratings.json"]
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("fmt", ["table", "md", "html", "csv", "json", "jsonl"])
def test_every_format_renders_a_folder_of_records(
    tmp_path: Path, standard: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "inspections"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.json").write_text(GOOD, encoding="utf-8")
    (folder / "sub" / "b.yaml").write_text(
        "id: yaml-record\nvehicle: {category: M1}\nmeasurements: {tread_mm: 2.0}\n",
        encoding="utf-8",
    )
    (folder / "c.csv").write_text(
        "id,vehicle.category,measurements.tread_mm\ncsv-record,N1,1.0\n", encoding="utf-8"
    )
    assert main(["score", str(folder), "-s", str(standard), "-f", fmt]) == 0
    out = capsys.readouterr().out
    for rid in ("good", "csv-record", "yaml-record"):
        assert rid in out
