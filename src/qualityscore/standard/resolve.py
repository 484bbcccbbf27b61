"""Resolve `extends` and `components` through a registry into one flat standard, with lineage."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualityscore.errors import Diagnostic, QualityScoreError, ResolutionError, StandardError
from qualityscore.source import SourceText, Span
from qualityscore.standard import spec as s
from qualityscore.standard.registry import Entry, Registry, registry_root_of
from qualityscore.standard.versions import RangeSyntaxError, parse_ref
from qualityscore.suggest import did_you_mean

DEFAULT_SEVERITIES = ("minor", "major", "dangerous")


@dataclass(frozen=True)
class Rating:
    """The rating section after inheritance, with defaults filled in."""

    score: str = "weighted_mean"
    rounding: s.RoundingSpec = field(default_factory=s.RoundingSpec)
    grades: tuple[s.GradeSpec, ...] = ()
    verdicts: tuple[s.VerdictSpec, ...] = ()
    min_coverage: float = 0.0
    grade_order: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Component:
    name: str
    spec: s.ComponentSpec
    standard: Resolved


@dataclass(frozen=True)
class Resolved:
    """One version of a standard with its parents merged in and its components resolved."""

    spec: s.StandardSpec
    path: Path | None
    id: str
    version: str
    title: dict[str, str]
    effective: s.EffectiveSpec | None
    inputs: dict[str, s.InputSpec]
    severities: tuple[str, ...]
    categories: dict[str, s.CategorySpec]
    derived: dict[str, s.DerivedSpec]
    rules: tuple[s.RuleSpec, ...]
    components: tuple[Component, ...]
    rating: Rating
    tests: tuple[s.TestCaseSpec, ...]
    lineage: tuple[str, ...]
    """id@version of this standard and of every standard it extends, nearest first."""
    chain: tuple[s.StandardSpec, ...] = ()
    """The specs of the lineage, nearest first (for positions of inherited parts)."""

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def source(self) -> SourceText | None:
        origin = self.spec.origin
        return origin.span.source if origin is not None else None


class Resolver:
    """Resolves standards against a registry, caching each file's result."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._done: dict[Path, Resolved] = {}

    def resolve_entry(self, entry: Entry) -> Resolved:
        spec = self.registry.load_entry(entry)
        return self._resolve(spec, entry.path, ())

    def resolve_file(self, path: Path) -> Resolved:
        registry = self.registry
        root = registry_root_of(path)
        if root is not None:
            registry = registry.with_root(root)
        spec, _ = registry.load(path)
        if registry is not self.registry:
            return Resolver(registry)._resolve(spec, path, ())
        return self._resolve(spec, path, ())

    def _resolve(self, spec: s.StandardSpec, path: Path | None, stack: tuple[str, ...]) -> Resolved:
        key = path.resolve() if path is not None else None
        if key is not None and key in self._done:
            return self._done[key]
        here = (*stack, spec.ref)
        problems: list[Diagnostic] = []
        parent = self._parent(spec, here, problems)
        components = self._components(spec, here, problems)
        if problems:
            raise StandardError(problems)
        resolved = _merge(spec, path, parent, components)
        if key is not None:
            self._done[key] = resolved
        return resolved

    def _lookup(self, text: str, span: Span | None, stack: tuple[str, ...], what: str) -> Resolved:
        try:
            ref = parse_ref(text)
        except RangeSyntaxError as exc:
            raise _problem(
                "invalid-spec", str(exc), span, "write id@range, e.g. gost-33997@^2016"
            ) from None
        try:
            entries = self.registry.find(ref)
        except ResolutionError as exc:
            raise _problem(exc.code, exc.message, span, exc.hint) from None
        entry = entries[-1]
        if entry.ref in stack:
            chain = " -> ".join((*stack, entry.ref))
            raise _problem(
                "extends-cycle" if what == "'extends'" else "component-cycle",
                f"{what} refers back to a standard already on the way: {chain}",
                span,
                "a standard cannot extend or include itself, directly or through others",
            )
        spec = self.registry.load_entry(entry)
        return self._resolve(spec, entry.path, stack)

    def _parent(
        self, spec: s.StandardSpec, stack: tuple[str, ...], problems: list[Diagnostic]
    ) -> Resolved | None:
        if spec.extends is None:
            return None
        try:
            return self._lookup(spec.extends, spec.span("extends"), stack, "'extends'")
        except _Problem as exc:
            problems.append(exc.diagnostic)
            return None

    def _components(
        self, spec: s.StandardSpec, stack: tuple[str, ...], problems: list[Diagnostic]
    ) -> dict[str, Resolved]:
        out: dict[str, Resolved] = {}
        for name, component in (spec.components or {}).items():
            try:
                out[name] = self._lookup(
                    component.standard, component.span("standard"), stack, f"component '{name}'"
                )
            except _Problem as exc:
                problems.append(exc.diagnostic)
        return out


class _Problem(QualityScoreError):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(
            diagnostic.code, diagnostic.message, span=diagnostic.span, hint=diagnostic.hint
        )
        self.diagnostic = diagnostic


def _problem(code: str, message: str, span: Span | None, hint: str | None = None) -> _Problem:
    return _Problem(Diagnostic(code, message, span, hint))


def _merge(
    spec: s.StandardSpec,
    path: Path | None,
    parent: Resolved | None,
    components: dict[str, Resolved],
) -> Resolved:
    problems: list[Diagnostic] = []
    inputs = {**(parent.inputs if parent else {}), **(spec.inputs or {})}
    categories = {**(parent.categories if parent else {}), **(spec.categories or {})}
    derived = {**(parent.derived if parent else {}), **(spec.derived or {})}
    severities = (
        tuple(spec.severities)
        if spec.severities
        else parent.severities
        if parent
        else DEFAULT_SEVERITIES
    )
    rules = list(parent.rules if parent else ())
    removed = set()
    for i, rule_id in enumerate(spec.remove or []):
        if not any(r.id == rule_id for r in rules):
            origin = spec.origin
            span = None
            if origin is not None and isinstance(origin.get("remove"), list):
                span = origin["remove"].located[i].span
            problems.append(
                Diagnostic(
                    "unknown-rule",
                    f"'remove' names the rule '{rule_id}', which "
                    + (f"{parent.ref} does not have" if parent else "no parent standard has"),
                    span or spec.span("remove"),
                    did_you_mean(rule_id, [r.id for r in rules if r.id not in (spec.remove or [])])
                    or ("add 'extends: id@range' to inherit rules" if parent is None else None),
                )
            )
        removed.add(rule_id)
    rules = [r for r in rules if r.id not in removed]
    for rule in spec.rules or []:
        at = next((i for i, r in enumerate(rules) if r.id == rule.id), None)
        if at is None:
            rules.append(rule)
        else:
            rules[at] = rule  # the child's rule overrides the inherited one, in its place
    rating = _merge_rating(parent.rating if parent else Rating(), spec.rating)
    merged_components = list(parent.components if parent else ())
    for name, resolved in components.items():
        comp_spec = (spec.components or {})[name]
        merged_components = [c for c in merged_components if c.name != name]
        merged_components.append(Component(name, comp_spec, resolved))
    if problems:
        raise StandardError(problems)
    return Resolved(
        spec=spec,
        path=path,
        id=spec.standard,
        version=spec.version,
        title=dict(spec.title),
        effective=spec.effective,
        inputs=inputs,
        severities=severities,
        categories=categories,
        derived=derived,
        rules=tuple(rules),
        components=tuple(merged_components),
        rating=rating,
        tests=tuple(spec.tests or ()),
        lineage=(spec.ref, *(parent.lineage if parent else ())),
        chain=(spec, *(parent.chain if parent else ())),
    )


def _merge_rating(base: Rating, own: s.RatingSpec | None) -> Rating:
    if own is None:
        return base
    values: dict[str, Any] = {
        "score": own.score or base.score,
        "rounding": own.rounding or base.rounding,
        "grades": tuple(own.grades) if own.grades is not None else base.grades,
        "verdicts": tuple(own.verdicts) if own.verdicts is not None else base.verdicts,
        "min_coverage": own.min_coverage if own.min_coverage is not None else base.min_coverage,
        "grade_order": tuple(own.grade_order) if own.grade_order is not None else base.grade_order,
    }
    return Rating(**values)
