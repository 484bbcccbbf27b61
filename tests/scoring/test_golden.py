"""Golden scoring cases: a standard and records in, the exact rating JSON out (tests/cases/scoring)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import qualityscore

CASES = sorted((Path(__file__).resolve().parents[1] / "cases" / "scoring").glob("*.yaml"))


def _without_fingerprints(data: Any) -> Any:
    if isinstance(data, dict):
        return {
            k: ("<fingerprint>" if k == "fingerprint" else _without_fingerprints(v))
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [_without_fingerprints(v) for v in data]
    return data


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_case(path: Path, tmp_path: Path) -> None:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    registry_dir = tmp_path / "registry"
    for ref, text in case.get("registry", {}).items():
        ident, version = ref.split("@")
        file = registry_dir / ident / f"{version}.yaml"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
    standard = tmp_path / "standard.yaml"
    standard.write_text(case["standard"], encoding="utf-8")
    registry = qualityscore.Registry([registry_dir] if case.get("registry") else [], bundled=False)
    rules = qualityscore.load_standard(standard, registry=registry)
    for number, item in enumerate(case["records"], start=1):
        rating = rules.score(item["record"], record_id=f"r{number}")
        assert _without_fingerprints(rating.to_dict()) == item["expect"], f"record {number}"
        fast = rules.score(item["record"], record_id=f"r{number}", findings=False)
        assert (fast.score, fast.grade, fast.verdict, fast.coverage) == (
            rating.score,
            rating.grade,
            rating.verdict,
            rating.coverage,
        )
        assert dict(fast.categories) == dict(rating.categories)
