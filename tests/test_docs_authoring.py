"""docs/authoring.md runs: its standards pass check and test, and its sample output is real."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qualityscore.cli import main

DOC = Path(__file__).resolve().parents[1] / "docs" / "authoring.md"
FILES = re.findall(r"```yaml file=(\S+)\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in FILES:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_tutorial_has_both_versions() -> None:
    assert [name for name, _ in FILES] == [
        "standards/brake-check/1.0.0.yaml",
        "standards/brake-check/1.1.0.yaml",
    ]


def test_the_tutorial_standards_check_and_pass_their_tests(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "standards"]) == 0
    assert main(["test", "standards", "--coverage-min", "100", "--fail-on-empty"]) == 0
    out = capsys.readouterr().out
    assert out.endswith("2 standards, 6 cases: 6 passed, 0 failed, 0 errors\n")


def test_the_check_output_shown_in_the_tutorial_is_what_check_prints(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = re.search(r"## 3\. Check it.*?```text\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert shown is not None
    path = registry / "standards" / "brake-check" / "1.0.0.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "require: measurements.parking_brake_pct", "require: measurements.parking_brak_pct"
        ),
        encoding="utf-8",
    )
    assert main(["check", "standards/brake-check/1.0.0.yaml"]) == 1
    assert capsys.readouterr().out == shown.group(1) + "\n"


def test_versions_are_chosen_by_inspection_date(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = registry / "records.jsonl"
    record = (
        '{"id": "%s", "inspection": {"date": "%s"}, "vehicle": {"category": "M1", '
        '"first_used": "2021-03-01"}, "measurements": {"service_brake_pct": 64, '
        '"parking_brake_pct": 6}, "defects": []}'
    )
    records.write_text(
        record % ("old", "2025-06-01") + "\n" + record % ("new", "2026-02-01") + "\n"
    )
    code = main(
        ["score", str(records), "-s", "brake-check", "--standards-dir", "standards", "-f", "csv"]
    )
    assert code == 0
    rows = [line.split(",")[:6] for line in capsys.readouterr().out.splitlines()[1:]]
    assert rows == [
        ["old", "brake-check", "1.0.0", "86", "B", "fail"],
        ["new", "brake-check", "1.1.0", "72", "F", "dangerous"],
    ]
