"""Small registries of standards for the versioning tests, written into tmp_path."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from qualityscore import QualityScoreError, Rating, Registry, load_standard


def write_registry(root: Path, standards: Mapping[str, str]) -> Path:
    """Write `{"id@version": yaml text}` as root/<id>/<version>.yaml; returns root."""
    for ref, text in standards.items():
        ident, version = ref.split("@")
        path = root / ident / f"{version}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    root.mkdir(parents=True, exist_ok=True)
    return root


DEMO = """\
standard: @ID@
version: @VERSION@
title: Demo standard
@EFFECTIVE@
inputs:
  measurements.brake_pct: {type: number, min: 0, max: 150}
  measurements.tread_mm: {type: number, min: 0, max: 30}
categories:
  brakes: {weight: 0.5}
  tyres: {weight: 0.5}
rules:
  - id: service-brake
    category: brakes
    scale: {of: measurements.brake_pct, points: [[29, 100], [58, 0]]}
  - id: tyre-tread
    category: tyres
    require: measurements.tread_mm >= @THRESHOLD@
    severity: @SEVERITY@
    points: @POINTS@
@RULES@
rating:
  grades:
    - {grade: A, when: @GRADE_A@}
    - {grade: B, when: score >= 60}
    - {grade: C}
  verdicts:
    - {verdict: fail, when: findings.major + findings.dangerous > 0}
    - {verdict: pass}
"""


def demo(
    version: str = "1.0.0",
    *,
    ident: str = "demo",
    threshold: str = "1.6",
    points: str = "40",
    severity: str = "major",
    effective: str = "",
    rules: str = "",
    grade_a: str = "score >= 90",
) -> str:
    """A small standard: brakes (a scale) and tyres (a check), grades A/B/C and two verdicts.

    `effective` is a whole line (`effective: {from: 2020-01-01}`); `rules` are more rule items,
    indented by two spaces.
    """
    text = DEMO
    for key, value in (
        ("@ID@", ident),
        ("@VERSION@", version),
        ("@EFFECTIVE@", effective),
        ("@THRESHOLD@", threshold),
        ("@SEVERITY@", severity),
        ("@POINTS@", points),
        ("@RULES@", rules.rstrip("\n")),
        ("@GRADE_A@", grade_a),
    ):
        text = text.replace(key, value)
    return "\n".join(line for line in text.splitlines() if line.strip()) + "\n"


CASES = Path(__file__).resolve().parents[1] / "cases" / "versioning"


def case_files(prefix: str) -> list[Path]:
    """The golden cases tests/cases/versioning/<prefix>_*.yaml."""
    return sorted(CASES.glob(f"{prefix}_*.yaml"))


def rating_view(rating: Rating) -> dict[str, Any]:
    """The parts of a rating a golden case may state (findings as rule -> summed points)."""
    findings: dict[str, float] = {}
    for finding in rating.findings:
        findings[finding.rule] = findings.get(finding.rule, 0.0) + finding.points
    return {
        "score": rating.score,
        "grade": rating.grade,
        "verdict": rating.verdict,
        "coverage": rating.coverage,
        "version": rating.standard.version,
        "findings": findings,
        "not_assessed": list(rating.not_assessed),
        "categories": {name: c.score for name, c in rating.categories.items()},
        "components": {
            name: {"score": c.score, "grade": c.grade, "verdict": c.verdict}
            for name, c in rating.components.items()
        },
        "warnings": list(rating.warnings),
    }


def run_case(path: Path, tmp_path: Path) -> None:
    """Run one golden case: a registry, then checks of what loading a spec gives.

    A check has `load` (a spec) and either `error` (the rendered diagnostics, `{root}` standing
    for the registry folder) or any of `lineage`, `rules`, `categories` (weights), `grades`, and
    `records` ({name?, record, expect}); `expect` states some keys of `rating_view`.
    """
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    root = write_registry(tmp_path / "registry", case["registry"])
    registry = Registry([root], bundled=False, environment=False)
    for check in case["checks"]:
        spec = check["load"]
        if "error" in check:
            with pytest.raises(QualityScoreError) as caught:
                load_standard(spec, registry=registry)
            expected = check["error"].replace("{root}", str(root)).rstrip("\n")
            assert caught.value.render() == expected, spec
            continue
        rules = load_standard(spec, registry=registry)
        resolved = rules.standards[-1].resolved
        if "lineage" in check:
            assert list(resolved.lineage) == check["lineage"], spec
        if "rules" in check:
            assert [r.id for r in resolved.rules] == check["rules"], spec
        if "categories" in check:
            weights = {name: c.weight for name, c in resolved.categories.items()}
            assert weights == check["categories"], spec
        if "grades" in check:
            assert [g.grade for g in resolved.rating.grades] == check["grades"], spec
        for number, item in enumerate(check.get("records", []), start=1):
            view = rating_view(rules.score(item["record"]))
            actual = {key: view[key] for key in item["expect"]}
            where = f"{spec}, record {number} {item.get('name', '')}"
            assert _rounded(actual) == _rounded(item["expect"]), where


def _rounded(value: Any) -> Any:
    """Numbers to 6 places (golden cases state -48.275862 for -48.27586206896...)."""
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if isinstance(value, float | int) and not isinstance(value, bool):
        return round(float(value), 6)
    return value
