"""What the registry holds (`qualityscore standards list`) and one standard shown (`standards show`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from qualityscore.errors import QualityScoreError
from qualityscore.standard.fingerprint import canonical
from qualityscore.standard.registry import Registry
from qualityscore.standard.resolve import Resolver
from qualityscore.standard.spec import semver_key


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    version: str
    title: str
    effective: str
    path: Path
    extends: str | None
    components: tuple[str, ...]
    problem: str | None = None
    duplicate_of: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "effective": self.effective,
            "path": str(self.path),
            "extends": self.extends,
            "components": list(self.components),
            "problem": self.problem,
            "duplicate_of": str(self.duplicate_of) if self.duplicate_of else None,
        }


def catalog(registry: Registry) -> list[CatalogEntry]:
    """Every id@version the registry holds, with its title and effective dates, oldest first."""
    out: list[CatalogEntry] = []
    duplicates = {(e.id, e.version): places for places in registry.duplicates() for e in places[:1]}
    for ident in registry.ids():
        versions = registry.versions(ident)
        for version in sorted(versions, key=semver_key):
            entry = versions[version][0]
            try:
                spec = registry.load_entry(entry)
            except QualityScoreError as exc:
                out.append(
                    CatalogEntry(
                        ident,
                        version,
                        "",
                        "",
                        entry.path,
                        None,
                        (),
                        problem=f"{exc.code}: {exc.message}",
                    )
                )
                continue
            eff = spec.effective
            effective = (
                f"{eff.from_.isoformat()} .. {eff.until.isoformat() if eff.until else ''}".rstrip()
                if eff
                else ""
            )
            places = duplicates.get((ident, version))
            out.append(
                CatalogEntry(
                    ident,
                    version,
                    spec.title.get("en") or next(iter(spec.title.values())),
                    effective,
                    entry.path,
                    spec.extends,
                    tuple(c.standard for c in (spec.components or {}).values()),
                    duplicate_of=places[1].path if places else None,
                )
            )
    return out


def render_catalog(entries: list[CatalogEntry]) -> str:
    lines = []
    width = max((len(f"{e.id}@{e.version}") for e in entries), default=0)
    for e in entries:
        extra = []
        if e.effective:
            extra.append(f"in force {e.effective}")
        if e.extends:
            extra.append(f"extends {e.extends}")
        if e.components:
            extra.append("composes " + ", ".join(e.components))
        ref = f"{e.id}@{e.version}"
        line = f"{ref:<{width}}  {e.title}" + (f"  ({'; '.join(extra)})" if extra else "")
        lines.append(line.rstrip())
        lines.append(f"    {e.path}")
        if e.problem:
            lines.append(f"    ! {e.problem}")
        if e.duplicate_of:
            lines.append(
                f"    ! also defined in {e.duplicate_of}: using this id@version is an error"
            )
    return "\n".join(lines) + ("\n" if lines else "the registry holds no standards\n")


def show(spec: str, registry: Registry, *, resolved: bool = False) -> str:
    """A standard as written (its file), or flattened after inheritance and composition."""
    from qualityscore.api import is_path

    resolver = Resolver(registry)
    if is_path(spec):
        path = Path(spec)
        result = resolver.resolve_file(path) if resolved else None
    else:
        entry = registry.find(spec)[-1]
        path = entry.path
        result = resolver.resolve_entry(entry) if resolved else None
    if result is None:
        return path.read_text(encoding="utf-8")
    header = (
        f"# {result.ref}, resolved: {' <- '.join(result.lineage)}\n"
        "# the canonical form whose sha256 is the fingerprint (expressions re-printed)\n"
    )
    plain = json.loads(
        json.dumps(canonical(result), ensure_ascii=False)
    )  # plain str, not Expression
    return header + yaml.safe_dump(plain, sort_keys=False, allow_unicode=True, width=100)
