"""The registry: folders of `<id>/<version>.yaml`, searched in order, the bundled standards last."""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from qualityscore.errors import Diagnostic, InputFileError, ResolutionError, StandardError
from qualityscore.source import SourceText
from qualityscore.standard.load import parse_standard
from qualityscore.standard.spec import ID_PATTERN, SEMVER_PATTERN, StandardSpec, semver_key
from qualityscore.standard.versions import RangeSyntaxError, SpecRef, parse_ref
from qualityscore.suggest import all_of, did_you_mean, one_of
from qualityscore.yamlio import read_source

ENV_VAR = "QUALITYSCORE_STANDARDS"
"""Folders (separated by the OS path separator) searched before the bundled standards."""


def bundled_root() -> Path:
    """The folder of the standards that ship with qualityscore."""
    spec = importlib.util.find_spec("qualityscore.bundled")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).resolve().parents[3] / "standards"  # a source tree, not installed


@dataclass(frozen=True)
class Entry:
    """One standard file of the registry."""

    id: str
    version: str
    path: Path
    root: Path

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


class Registry:
    """Where standards are found: user folders first, then the bundled ones.

    The same id@version in two folders is reported when it is used, never silently shadowed.
    """

    def __init__(
        self,
        dirs: Iterable[str | Path] = (),
        *,
        bundled: bool = True,
        environment: bool = True,
    ) -> None:
        roots: list[Path] = [Path(d) for d in dirs]
        if environment:
            roots += [Path(p) for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
        if bundled:
            roots.append(bundled_root())
        unique: list[Path] = []
        for root in roots:
            if root.resolve() not in [u.resolve() for u in unique]:
                unique.append(root)
        self.roots: tuple[Path, ...] = tuple(unique)
        self._specs: dict[Path, tuple[StandardSpec, SourceText]] = {}
        for root in self.roots[:-1] if bundled else self.roots:
            if not root.is_dir():
                raise InputFileError(
                    "standards-dir-missing",
                    f"the standards folder {root} does not exist",
                    hint=f"check --standards-dir and ${ENV_VAR}",
                )

    def with_root(self, root: Path) -> Registry:
        """This registry with one more folder searched first (used for a standard's own folder)."""
        if any(root.resolve() == r.resolve() for r in self.roots):
            return self
        other = Registry.__new__(Registry)
        other.roots = (root, *self.roots)
        other._specs = self._specs
        return other

    @cached_property
    def _index(self) -> dict[str, dict[str, list[Entry]]]:
        index: dict[str, dict[str, list[Entry]]] = {}
        for root in self.roots:
            if not root.is_dir():
                continue
            for folder in sorted(root.iterdir()):
                if not folder.is_dir() or not re.match(ID_PATTERN, folder.name):
                    continue
                for file in sorted(folder.glob("*.yaml")):
                    version = file.name[: -len(".yaml")]
                    if version.endswith(".tests") or not re.match(SEMVER_PATTERN, version):
                        continue
                    entry = Entry(folder.name, version, file, root)
                    index.setdefault(folder.name, {}).setdefault(version, []).append(entry)
        return index

    def ids(self) -> list[str]:
        return sorted(self._index)

    def versions(self, ident: str) -> dict[str, list[Entry]]:
        """version -> the places it is defined (more than one is a conflict), for one id."""
        return dict(self._index.get(ident, {}))

    def entries(self, ident: str) -> list[Entry]:
        """Every version of a standard, oldest first; a version found twice is an error."""
        versions = self._index.get(ident)
        if not versions:
            hint = did_you_mean(ident, self._index) or (
                f"the registry has {one_of(self.ids())}" if self._index else None
            )
            raise ResolutionError(
                "unknown-standard",
                f"no standard '{ident}' in {one_of(str(r) for r in self.roots)}",
                hint=hint,
            )
        out = []
        for version in sorted(versions, key=semver_key):
            places = _distinct(versions[version])
            if len(places) > 1:
                raise ResolutionError(
                    "duplicate-standard",
                    f"{ident}@{version} is defined twice: {places[0].path} and {places[1].path}",
                    hint="give one of them another version, or remove one of the folders",
                )
            out.append(places[0])
        return out

    def duplicates(self) -> list[tuple[Entry, ...]]:
        """Every id@version found in more than one folder."""
        return [
            tuple(distinct)
            for versions in self._index.values()
            for places in versions.values()
            if len(distinct := _distinct(places)) > 1
        ]

    def find(self, ref: SpecRef | str) -> list[Entry]:
        """The versions a spec admits, oldest first; raises when there is none."""
        if isinstance(ref, str):
            try:
                ref = parse_ref(ref)
            except RangeSyntaxError as exc:
                raise ResolutionError("invalid-spec", str(exc)) from None
        entries = self.entries(ref.id)
        found = [e for e in entries if ref.range.admits(e.version)]
        if not found:
            raise ResolutionError(
                "no-matching-version",
                f"no version of '{ref.id}' matches '{ref.range.text}'; "
                f"there are {all_of(e.version for e in entries)}",
                hint=f"use one of those versions, e.g. {ref.id}@{entries[-1].version}",
            )
        return found

    def load(self, path: Path) -> tuple[StandardSpec, SourceText]:
        """Parse a standard file once (cached)."""
        key = path.resolve()
        if key not in self._specs:
            source = read_source(path)
            self._specs[key] = (parse_standard(source), source)
        return self._specs[key]

    def load_entry(self, entry: Entry) -> StandardSpec:
        spec, _ = self.load(entry.path)
        problems = []
        if spec.standard != entry.id:
            problems.append(
                Diagnostic(
                    "path-mismatch",
                    f"this file is in the folder '{entry.id}', but names the standard "
                    f"'{spec.standard}'",
                    spec.span("standard"),
                    "the registry layout is <id>/<version>.yaml: rename the folder or the id",
                )
            )
        if spec.version != entry.version:
            problems.append(
                Diagnostic(
                    "path-mismatch",
                    f"this file is named {entry.version}.yaml, but has version {spec.version}",
                    spec.span("version"),
                    "the registry layout is <id>/<version>.yaml: rename the file or the version",
                )
            )
        if problems:
            raise StandardError(problems)
        return spec


def _distinct(places: list[Entry]) -> list[Entry]:
    """The places of one id@version with different contents (byte-identical copies, such as a
    source checkout next to the installed bundled standards, are one standard, not a conflict)."""
    if len(places) < 2:
        return places
    seen: dict[bytes, Entry] = {}
    for entry in places:
        try:
            content = entry.path.read_bytes()
        except OSError:
            content = str(entry.path).encode()
        seen.setdefault(content, entry)
    return list(seen.values())


def registry_root_of(path: Path) -> Path | None:
    """The registry folder a standard file sits in, when it follows the `<id>/<version>.yaml` layout."""
    path = path.resolve()
    version = path.name[: -len(".yaml")] if path.name.endswith(".yaml") else ""
    if re.match(SEMVER_PATTERN, version) and re.match(ID_PATTERN, path.parent.name):
        return path.parent.parent
    return None


def standard_files(paths: Sequence[str | Path]) -> list[Path]:
    """Standard files named by `paths` (files, or folders searched recursively), in order."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(
                f
                for f in sorted(p.rglob("*.yaml"))
                if not f.name.endswith(".tests.yaml") and f.is_file()
            )
        elif p.exists():
            out.append(p)
        else:
            raise InputFileError("file-not-found", f"no such file or folder: {p}")
    return out
