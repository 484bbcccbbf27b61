"""`components`: golden cases of composition (tests/cases/versioning/composition_*.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import case_files, run_case

CASES = case_files("composition")


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_composition_case(path: Path, tmp_path: Path) -> None:
    run_case(path, tmp_path)
