"""Lock files: `qualityscore lock` writes fingerprints; `score --locked` refuses rules that changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qualityscore import LockError, Registry, load_standard
from qualityscore.cli import main
from qualityscore.lock import verify_lock

from .helpers import demo, write_registry

ROAD = """\
standard: road
version: 1.0.0
title: Roadworthiness
inputs:
  measurements.tread_mm: {type: number}
categories:
  tyres: {weight: 1.0}
rules:
  - {id: tread, category: tyres, require: measurements.tread_mm >= 1.6, points: 60}
rating:
  grades: [{grade: ok}]
"""
UNIFIED = """\
standard: unified
version: 1.0.0
title: Unified
inputs:
  comfort.noise_db: {type: number}
categories:
  comfort: {weight: 0.5}
components:
  road: {standard: road@^1, weight: 0.5}
rules:
  - {id: noise, category: comfort, scale: {of: comfort.noise_db, points: [[60, 0], [80, 100]]}}
rating:
  grades: [{grade: ok}]
"""
MISMATCH_HINT = (
    "  hint: score with the locked rules, or review the change (qualityscore diff) and write a "
    "new lock\n"
)


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    return write_registry(
        tmp_path / "reg",
        {
            "demo@1.0.0": demo(),
            "demo@1.1.0": demo("1.1.0"),
            "other@1.0.0": demo(ident="other"),
            "road@1.0.0": ROAD,
            "unified@1.0.0": UNIFIED,
        },
    )


@pytest.fixture
def record(tmp_path: Path) -> Path:
    path = tmp_path / "record.json"
    path.write_text(
        json.dumps({"measurements": {"brake_pct": 70, "tread_mm": 5}, "comfort": {"noise_db": 70}}),
        encoding="utf-8",
    )
    return path


def fingerprint(registry: Path, spec: str) -> str:
    return load_standard(spec, registry=Registry([registry])).fingerprint


def lock(capsys: pytest.CaptureFixture[str], registry: Path, path: Path, *specs: str) -> None:
    code = main(["lock", *specs, "-o", str(path), "--standards-dir", str(registry)])
    assert code == 0
    capsys.readouterr()


def score(
    capsys: pytest.CaptureFixture[str], registry: Path, record: Path, spec: str, lock: Path
) -> tuple[int, str, str]:
    code = main(
        [
            "score",
            str(record),
            "-s",
            spec,
            "-f",
            "json",
            "--locked",
            str(lock),
            "--standards-dir",
            str(registry),
        ]
    )
    out, err = capsys.readouterr()
    return code, out, err


def test_lock_writes_the_fingerprints(
    capsys: pytest.CaptureFixture[str], registry: Path, tmp_path: Path
) -> None:
    path = tmp_path / "qualityscore.lock"
    code = main(
        ["lock", "demo@1.0.0", "unified", "-o", str(path), "--standards-dir", str(registry)]
    )
    assert code == 0
    assert capsys.readouterr().err == f"wrote {path} with 3 fingerprints\n"
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "qualityscore-lock": 1,
        "standards": {  # the components of a composite too
            "demo@1.0.0": fingerprint(registry, "demo@1.0.0"),
            "road@1.0.0": fingerprint(registry, "road@1.0.0"),
            "unified@1.0.0": fingerprint(registry, "unified@1.0.0"),
        },
    }


def test_locked_scoring_passes_with_the_same_rules(
    capsys: pytest.CaptureFixture[str], registry: Path, record: Path, tmp_path: Path
) -> None:
    path = tmp_path / "qualityscore.lock"
    lock(capsys, registry, path, "demo@1.0.0", "unified")
    # rewriting the standard without changing its meaning keeps it locked
    standard = registry / "demo" / "1.0.0.yaml"
    standard.write_text(
        "# reviewed 2026-05-14\n" + demo(threshold="1.60", points="40.0"), encoding="utf-8"
    )
    code, out, err = score(capsys, registry, record, "demo@1.0.0", path)
    assert (code, err) == (0, "1 read, 1 scored, 0 rejected\n")
    assert json.loads(out)[0]["standard"]["fingerprint"] == fingerprint(registry, "demo@1.0.0")
    code, out, err = score(capsys, registry, record, "unified", path)
    assert (code, err) == (0, "1 read, 1 scored, 0 rejected\n")


def test_a_changed_threshold_is_a_lock_mismatch(
    capsys: pytest.CaptureFixture[str], registry: Path, record: Path, tmp_path: Path
) -> None:
    path = tmp_path / "qualityscore.lock"
    lock(capsys, registry, path, "demo@1.0.0")
    locked = fingerprint(registry, "demo@1.0.0")
    (registry / "demo" / "1.0.0.yaml").write_text(demo(threshold="2.0"), encoding="utf-8")
    changed = fingerprint(registry, "demo@1.0.0")
    assert changed != locked
    code, out, err = score(capsys, registry, record, "demo@1.0.0", path)
    assert (code, out) == (1, "")
    assert err == (
        f"lock-mismatch: the rules of demo@1.0.0 have changed: its fingerprint is {changed}, "
        f"but {path} requires {locked}\n" + MISMATCH_HINT
    )


def test_a_changed_component_is_a_lock_mismatch(
    capsys: pytest.CaptureFixture[str], registry: Path, record: Path, tmp_path: Path
) -> None:
    path = tmp_path / "qualityscore.lock"
    lock(capsys, registry, path, "unified")
    locked = fingerprint(registry, "road@1.0.0")
    (registry / "road" / "1.0.0.yaml").write_text(
        ROAD.replace("points: 60", "points: 70"), encoding="utf-8"
    )
    changed = fingerprint(registry, "road@1.0.0")
    code, out, err = score(capsys, registry, record, "unified", path)
    assert (code, out) == (1, "")
    assert err == (
        f"lock-mismatch: the rules of road@1.0.0 have changed: its fingerprint is {changed}, "
        f"but {path} requires {locked}\n" + MISMATCH_HINT
    )


@pytest.mark.parametrize(
    ("spec", "missing"),
    [
        ("other@1.0.0", "other@1.0.0"),
        ("demo", "demo@1.1.0"),  # a range may select a version that is not locked
    ],
)
def test_a_standard_not_in_the_lock(
    capsys: pytest.CaptureFixture[str],
    registry: Path,
    record: Path,
    tmp_path: Path,
    spec: str,
    missing: str,
) -> None:
    path = tmp_path / "qualityscore.lock"
    lock(capsys, registry, path, "demo@1.0.0")
    code, out, err = score(capsys, registry, record, spec, path)
    assert (code, out) == (1, "")
    assert err == (
        f"lock-missing: {missing} is not in the lock file {path}\n"
        "  hint: pin a locked version with -s, or add it with `qualityscore lock`\n"
    )


def test_verify_lock_in_the_library(
    capsys: pytest.CaptureFixture[str], registry: Path, tmp_path: Path
) -> None:
    path = tmp_path / "qualityscore.lock"
    lock(capsys, registry, path, "demo@1.0.0")
    reg = Registry([registry])
    verify_lock(load_standard("demo@1.0.0", registry=reg), path)  # passes: nothing raised
    with pytest.raises(LockError) as caught:
        verify_lock(load_standard("other", registry=reg), path)
    assert (caught.value.code, caught.value.message) == (
        "lock-missing",
        f"other@1.0.0 is not in the lock file {path}",
    )


def test_missing_and_invalid_lock_files(
    capsys: pytest.CaptureFixture[str], registry: Path, record: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.lock"
    code, _, err = score(capsys, registry, record, "demo@1.0.0", missing)
    assert (code, err) == (
        1,
        f"lock-not-found: no such lock file: {missing}\n"
        "  hint: write one with `qualityscore lock`\n",
    )
    invalid = tmp_path / "invalid.lock"
    invalid.write_text('{"standards": {}}', encoding="utf-8")
    code, _, err = score(capsys, registry, record, "demo@1.0.0", invalid)
    assert (code, err) == (
        1,
        f"lock-invalid: {invalid} is not a qualityscore lock file (format 1)\n",
    )
