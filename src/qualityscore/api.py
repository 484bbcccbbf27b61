"""The library's entry points: load standards into rule sets."""

from __future__ import annotations

from pathlib import Path

from qualityscore.compiler import gc_paused
from qualityscore.errors import InputFileError
from qualityscore.ruleset import CompiledStandard, RuleSet, compile_resolved
from qualityscore.standard.registry import Registry
from qualityscore.standard.resolve import Resolver

DEFAULT_STANDARD = "unified-vehicle-quality"
"""The standard used when none is given: the bundled unified rating."""


def is_path(spec: str | Path) -> bool:
    """Whether a spec names a file rather than `id@range`."""
    if isinstance(spec, Path):
        return True
    return spec.endswith((".yaml", ".yml")) or "/" in spec or "\\" in spec


def load_standard(
    spec: str | Path = DEFAULT_STANDARD, *, registry: Registry | None = None
) -> RuleSet:
    """Resolve, check and compile a standard: `id`, `id@range`, or the path of a standard file.

    A spec that admits several versions gives a rule set that scores each record with the version
    in force on its `inspection.date`. Raises `StandardError` for an invalid standard and
    `ResolutionError` when nothing matches.
    """
    with gc_paused():
        return _load(spec, registry or Registry())


def _load(spec: str | Path, registry: Registry) -> RuleSet:
    resolver = Resolver(registry)
    if is_path(spec):
        path = Path(spec)
        if not path.is_file():
            raise InputFileError("file-not-found", f"no such standard file: {path}")
        return RuleSet([compile_resolved(resolver.resolve_file(path))], str(spec))
    cache: dict[str, CompiledStandard] = {}
    compiled = [
        compile_resolved(resolver.resolve_entry(entry), cache) for entry in registry.find(str(spec))
    ]
    return RuleSet(compiled, str(spec))
