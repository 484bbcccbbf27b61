"""The public API is `qualityscore.__all__`, sorted; importing the library never imports the CLI."""

from __future__ import annotations

import subprocess
import sys

import qualityscore


def test_all_is_sorted_and_exported() -> None:
    names = list(qualityscore.__all__)
    # constants, then classes, then functions, each alphabetical (ruff's RUF022 order)
    assert names == sorted(
        names, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n)
    )
    for name in qualityscore.__all__:
        assert hasattr(qualityscore, name), name


def test_the_public_names_are_exactly_these() -> None:
    assert set(qualityscore.__all__) == {
        "DEFAULT_STANDARD",
        "CategoryScore",
        "ComponentResult",
        "Diagnostic",
        "Explanation",
        "Finding",
        "InputFileError",
        "Item",
        "LockError",
        "QualityScoreError",
        "Rating",
        "RecordError",
        "Registry",
        "ResolutionError",
        "RuleSet",
        "StandardError",
        "StandardRef",
        "__version__",
        "load_standard",
        "read_records",
    }


def test_every_error_is_a_quality_score_error() -> None:
    for name in ("StandardError", "ResolutionError", "RecordError", "InputFileError", "LockError"):
        assert issubclass(getattr(qualityscore, name), qualityscore.QualityScoreError)


def test_importing_the_library_does_not_import_typer_or_pytest() -> None:
    code = "import sys, qualityscore; print(sorted(m for m in ('typer', 'click', 'pytest') if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
