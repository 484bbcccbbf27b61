"""Check standard files: every problem of every file, with positions, for `qualityscore check`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qualityscore.errors import Diagnostic, QualityScoreError
from qualityscore.ruleset import CompiledStandard, compile_resolved
from qualityscore.standard.registry import Registry, standard_files
from qualityscore.standard.resolve import Resolver


@dataclass(frozen=True)
class FileReport:
    """What checking one standard file found."""

    path: Path
    diagnostics: tuple[Diagnostic, ...]
    standard: CompiledStandard | None = None

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)


def check_file(path: Path, registry: Registry) -> FileReport:
    """Load, resolve, type-check and compile one standard file; collect every problem."""
    try:
        resolved = Resolver(registry).resolve_file(path)
        compiled = compile_resolved(resolved)
        warnings = compiled.plan.warnings
        # build every mode once, so that a problem in code generation shows up here, not later
        for mode in ("fast", "findings", "trace"):
            compiled.function(mode)
        return FileReport(path, tuple(warnings), compiled)
    except QualityScoreError as exc:
        return FileReport(path, exc.diagnostics)


def check_paths(paths: Sequence[str | Path], registry: Registry | None = None) -> list[FileReport]:
    """Check every standard file named by `paths` (files, or folders searched recursively)."""
    registry = registry or Registry()
    return [check_file(path, registry) for path in standard_files(paths)]
