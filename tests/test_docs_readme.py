"""The README's Quick start is what CI runs; its usage lines run here, from a copy of the tree."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from qualityscore.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _usage_lines() -> list[str]:
    block = re.search(r"## Using it\n.*?```bash\n(.*?)```", README, re.S)
    assert block is not None
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_the_quick_start_has_exactly_two_commands() -> None:
    section = re.search(r"^## Quick start\n(.*?)^## ", README, re.S | re.M)
    assert section is not None
    block = re.search(r"```bash\n(.*?)```", section.group(1), re.S)
    assert block is not None
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert len(commands) == 2
    assert "qualityscore score examples/inspections" in commands[0]
    assert "pytest" in commands[1]


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("examples", "standards"):
        shutil.copytree(ROOT / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_usage_line_runs(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = _usage_lines()
    assert len(lines) >= 10
    for line in lines:
        args = shlex.split(line)
        assert args[0] == "qualityscore"
        code = main(args[1:])
        out, err = capsys.readouterr()
        # the --fail-under line shows the exit code of a batch with grades below the bar
        expected = 1 if "--fail-under" in args else 0
        assert code == expected, f"{line}\n{out}\n{err}"
    assert (tree / "ratings.json").is_file()
    assert (tree / "my-standards" / "brake-check" / "1.0.0.yaml").is_file()
    assert (tree / "qualityscore.lock").is_file()
