"""`qualityscore standards list` and `standards show SPEC [--resolved]`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from qualityscore import Registry
from qualityscore.cli import main
from qualityscore.standard.catalog import catalog, render_catalog

from .helpers import CASES, demo, write_registry


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    """base@1.0.0, 1.1.0 and 2.0.0, child (extends base@^1), grandchild, and two more."""
    case = yaml.safe_load((CASES / "inheritance_override.yaml").read_text(encoding="utf-8"))
    root = write_registry(tmp_path / "reg", case["registry"])
    return write_registry(
        root,
        {
            "dated@1.0.0": demo(
                ident="dated", effective="effective: {from: 2020-01-01, until: 2022-12-31}"
            ),
            "misnamed@1.0.0": demo("1.1.0", ident="misnamed"),
        },
    )


def test_list_text(registry: Path) -> None:
    text = render_catalog(catalog(Registry([registry], bundled=False, environment=False)))
    assert text == (
        "base@1.0.0        Base inspection (first edition)\n"
        f"    {registry}/base/1.0.0.yaml\n"
        "base@1.1.0        Base inspection\n"
        f"    {registry}/base/1.1.0.yaml\n"
        "base@2.0.0        Base inspection (incompatible)\n"
        f"    {registry}/base/2.0.0.yaml\n"
        "child@1.0.0       Child inspection  (extends base@^1)\n"
        f"    {registry}/child/1.0.0.yaml\n"
        "dated@1.0.0       Demo standard  (in force 2020-01-01 .. 2022-12-31)\n"
        f"    {registry}/dated/1.0.0.yaml\n"
        "grandchild@1.0.0  Grandchild inspection  (extends child@1.0.0)\n"
        f"    {registry}/grandchild/1.0.0.yaml\n"
        "misnamed@1.0.0\n"
        f"    {registry}/misnamed/1.0.0.yaml\n"
        "    ! path-mismatch: this file is named 1.0.0.yaml, but has version 1.1.0\n"
    )


def test_list_shows_conflicts(tmp_path: Path) -> None:
    first = write_registry(tmp_path / "first", {"demo@1.0.0": demo()})
    changed = demo().replace("weight: 0.5", "weight: 0.50  # written differently", 1)
    assert changed != demo()
    second = write_registry(tmp_path / "second", {"demo@1.0.0": changed})
    text = render_catalog(catalog(Registry([first, second], bundled=False, environment=False)))
    assert text == (
        "demo@1.0.0  Demo standard\n"
        f"    {first}/demo/1.0.0.yaml\n"
        f"    ! also defined in {second}/demo/1.0.0.yaml: using this id@version is an error\n"
    )


def test_identical_copies_are_not_a_conflict(tmp_path: Path) -> None:
    first = write_registry(tmp_path / "first", {"demo@1.0.0": demo()})
    second = write_registry(tmp_path / "second", {"demo@1.0.0": demo()})
    registry = Registry([first, second], bundled=False, environment=False)
    assert registry.duplicates() == []
    assert [e.path for e in registry.find("demo")] == [first / "demo" / "1.0.0.yaml"]


def test_list_of_an_empty_registry(tmp_path: Path) -> None:
    empty = Registry([tmp_path], bundled=False, environment=False)
    assert render_catalog(catalog(empty)) == "the registry holds no standards\n"


def test_list_through_the_cli(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    assert main(["standards", "list", "-f", "json", "--standards-dir", str(registry)]) == 0
    entries = [
        e for e in json.loads(capsys.readouterr().out) if e["path"].startswith(str(registry))
    ]
    assert [f"{e['id']}@{e['version']}" for e in entries] == [
        "base@1.0.0",
        "base@1.1.0",
        "base@2.0.0",
        "child@1.0.0",
        "dated@1.0.0",
        "grandchild@1.0.0",
        "misnamed@1.0.0",
    ]
    assert entries[3] == {
        "id": "child",
        "version": "1.0.0",
        "title": "Child inspection",
        "effective": "",
        "path": f"{registry}/child/1.0.0.yaml",
        "extends": "base@^1",
        "components": [],
        "problem": None,
        "duplicate_of": None,
    }
    assert entries[4]["effective"] == "2020-01-01 .. 2022-12-31"
    assert main(["standards", "list", "--standards-dir", str(registry)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"    {registry}/child/1.0.0.yaml" in lines
    child = lines[lines.index(f"    {registry}/child/1.0.0.yaml") - 1]
    assert child.startswith("child@1.0.0 ")
    assert child.endswith(" Child inspection  (extends base@^1)")


def test_show_prints_the_file_as_written(
    capsys: pytest.CaptureFixture[str], registry: Path
) -> None:
    assert main(["standards", "show", "base@^1", "--standards-dir", str(registry)]) == 0
    assert capsys.readouterr().out == (registry / "base" / "1.1.0.yaml").read_text(encoding="utf-8")
    path = registry / "child" / "1.0.0.yaml"
    assert main(["standards", "show", str(path)]) == 0
    assert capsys.readouterr().out == path.read_text(encoding="utf-8")


def _shown(capsys: pytest.CaptureFixture[str], registry: Path, spec: str) -> tuple[str, Any]:
    assert main(["standards", "show", spec, "--resolved", "--standards-dir", str(registry)]) == 0
    out = capsys.readouterr().out
    header = "".join(out.splitlines(keepends=True)[:2])
    return header, yaml.safe_load(out)


def test_show_resolved_is_the_flat_view_after_inheritance(
    capsys: pytest.CaptureFixture[str], registry: Path
) -> None:
    header, flat = _shown(capsys, registry, "grandchild")
    assert header == (
        "# grandchild@1.0.0, resolved: grandchild@1.0.0 <- child@1.0.0 <- base@1.1.0\n"
        "# the canonical form whose sha256 is the fingerprint (expressions re-printed)\n"
    )
    assert (flat["standard"], flat["version"], flat["title"]) == (
        "grandchild",
        "1.0.0",
        {"en": "Grandchild inspection"},
    )
    # base's rules, child's override of tyre-tread in its place, minus what both removed
    assert flat["rules"] == [
        {
            "id": "service-brake",
            "category": "brakes",
            "scale": {"of": "measurements.brake_pct", "points": [[29, 100], [58, 0]]},
        },
        {
            "id": "tyre-tread",
            "category": "tyres",
            "severity": "dangerous",
            "require": "measurements.tread_mm >= 3",
            "points": 50,
        },
        {
            "id": "lights",
            "category": "lights",
            "severity": "major",
            "require": "lights.working",
            "points": 100,
        },
    ]
    assert {name: c["weight"] for name, c in flat["categories"].items()} == {
        "brakes": 0.6,
        "tyres": 0.2,
        "lights": 0.2,
    }
    assert sorted(flat["inputs"]) == [
        "lights.working",
        "measurements.brake_imbalance_pct",
        "measurements.brake_pct",
        "measurements.tread_mm",
    ]
    assert flat["rating"] == {
        "score": "weighted_mean",
        "rounding": {"places": 0, "mode": "floor"},  # the grandchild's own
        "grades": [  # the child's
            {"grade": "X", "when": "findings.dangerous > 0"},
            {"grade": "A", "when": "score >= 95"},
            {"grade": "B"},
        ],
        "verdicts": [  # the base's
            {"verdict": "fail", "when": "findings.major > 0"},
            {"verdict": "pass"},
        ],
        "min_coverage": 0,
        "grade_order": ["A", "B", "X"],
    }


def test_show_unknown_standard(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = write_registry(tmp_path, {"demo@1.0.0": demo()})
    assert main(["standards", "show", "dmeo", "--standards-dir", str(root)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"unknown-standard: no standard 'dmeo' in {root} or ")
    assert err.endswith("\n  hint: did you mean 'demo'?\n")
