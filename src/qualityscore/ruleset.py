"""Rule sets: compiled standards that score inspection records into ratings.

A `CompiledStandard` is one version: its checked plan, its record validator, its fingerprint and
its scoring functions (compiled on first use, per mode). A `RuleSet` holds the versions a spec
selected; for each record it picks the version in force on the record's `inspection.date`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from types import MappingProxyType
from typing import Any

from qualityscore import compiler as c
from qualityscore.errors import RecordError
from qualityscore.expr.runtime import Unusual, as_date, make_rounder
from qualityscore.plan import ComponentPlan, Plan, build_plan
from qualityscore.rating import CategoryScores, ComponentResult, Finding, Rating, StandardRef
from qualityscore.standard.fingerprint import fingerprint
from qualityscore.standard.resolve import Resolved
from qualityscore.standard.spec import InputSpec, semver_key
from qualityscore.validate import RecordValidator

RecordInput = Mapping[str, Any]
Result = tuple[tuple[Any, ...], tuple[Any, ...]]
"""What a compiled standard's `evaluate` returns: its own result tuple and its components' results."""
_NO_COMPONENTS: Mapping[str, ComponentResult] = MappingProxyType({})
_round_coverage = make_rounder(4, "half_even")


def text_in(text: Mapping[str, str] | None, lang: str, fallback: str = "") -> str:
    """`text` in `lang`, else in English, else in its first language."""
    if not text:
        return fallback
    return text.get(lang) or text.get("en") or next(iter(text.values()))


class CompiledStandard:
    """One version of a standard, checked and compiled."""

    def __init__(self, plan: Plan, components: Sequence[tuple[str, CompiledStandard]]) -> None:
        self.plan = plan
        self.resolved: Resolved = plan.resolved
        self.components = tuple(components)
        self._functions: dict[str, c.Compiled] = {}
        self._messages: dict[str, tuple[str, ...]] = {}
        self._scorers: dict[tuple[bool, str], Callable[[Any, str, Sequence[str]], Rating]] = {}
        self._category_index = MappingProxyType(
            {cat.name: i for i, cat in enumerate(plan.categories)}
        )
        self._category_info = tuple((cat.max, cat.weight) for cat in plan.categories)

    @cached_property
    def fingerprint(self) -> str:
        """sha256 of the canonical resolved standard (computed on first use)."""
        return fingerprint(self.resolved)

    @cached_property
    def ref(self) -> StandardRef:
        return StandardRef(self.plan.id, self.plan.version, self.fingerprint)

    @property
    def id(self) -> str:
        return self.plan.id

    @property
    def version(self) -> str:
        return self.plan.version

    @cached_property
    def inputs(self) -> dict[str, tuple[InputSpec, tuple[str, ...]]]:
        """Every input a record may carry (components' too), with the severities it uses."""
        merged: dict[str, tuple[InputSpec, tuple[str, ...]]] = {}
        for _, component in self.components:
            for path, entry in component.inputs.items():
                merged.setdefault(path, entry)
        for path, spec in self.resolved.inputs.items():
            merged[path] = (spec, self.plan.severities)
        return merged

    @cached_property
    def validator(self) -> RecordValidator:
        return RecordValidator(self.inputs)

    def function(self, mode: c.Mode) -> c.Compiled:
        compiled = self._functions.get(mode)
        if compiled is None:
            compiled = self._functions[mode] = c.compile_plan(self.plan, mode, self.inputs)
        return compiled

    def messages(self, lang: str) -> tuple[str, ...]:
        found = self._messages.get(lang)
        if found is None:
            texts = [text_in(r.message or r.title, lang, r.id) for r in self.plan.rules]
            for slot, message in self.function("findings").message_slots:
                while len(texts) <= slot:
                    texts.append("")
                texts[slot] = text_in(message, lang)
            found = self._messages[lang] = tuple(texts)
        return found

    def evaluate(self, record: dict[str, Any], mode: c.Mode, lang: str) -> Result:
        """Run the compiled function (components first) on a validated record."""
        comps = tuple(comp.evaluate(record, mode, lang) for _, comp in self.components)
        messages = self.messages(lang) if mode != "fast" else None
        own = self.function(mode).function(
            record, messages, tuple(r[0] for r in comps) if comps else None
        )
        return own, comps

    def rating(self, record_id: str, result: Result, warnings: Sequence[str] = ()) -> Rating:
        """Turn a result of `evaluate` into a Rating."""
        out, comps = result
        categories = CategoryScores(self._category_index, self._category_info, out[c.CATEGORIES])
        findings: tuple[Finding, ...] = ()
        not_assessed: tuple[str, ...] = ()
        all_warnings = tuple(warnings)
        if out[c.FINDINGS] is not None:
            findings = tuple(out[c.FINDINGS])
            not_assessed = tuple(out[c.NOT_ASSESSED])
            all_warnings += tuple(out[c.WARNINGS])
        components: Mapping[str, ComponentResult] = _NO_COMPONENTS
        if comps:
            results = {}
            for (name, comp), comp_plan, comp_result in zip(
                self.components, self.plan.components, comps, strict=True
            ):
                nested = comp.rating(record_id, comp_result)
                results[name] = ComponentResult(
                    comp.ref,
                    nested.score,
                    nested.grade,
                    nested.verdict,
                    nested.coverage,
                    comp_plan.weight,
                )
                findings += tuple(
                    f._replace(rule=f"{name}/{f.rule}", category=f"{name}/{f.category}")
                    for f in nested.findings
                )
                not_assessed += tuple(f"{name}/{r}" for r in nested.not_assessed)
                all_warnings += tuple(f"{name}: {w}" for w in nested.warnings)
            components = MappingProxyType(results)
        return Rating(
            record=record_id,
            standard=self.ref,
            score=out[c.SCORE],
            grade=out[c.GRADE],
            verdict=out[c.VERDICT],
            coverage=_round_coverage(out[c.COVERAGE]),
            categories=categories,
            findings=findings,
            not_assessed=not_assessed,
            warnings=all_warnings,
            components=components,
        )

    def scorer(self, findings: bool, lang: str) -> Callable[[Any, str, Sequence[str]], Rating]:
        """A function (record, record_id, warnings) -> Rating, specialised for one mode and language."""
        key = (findings, lang)
        found = self._scorers.get(key)
        if found is not None:
            return found
        mode: c.Mode = "findings" if findings else "fast"
        validate = self.validator.validate
        rating = self.rating
        if self.components:
            evaluate = self.evaluate

            def score_composite(record: Any, rid: str, warnings: Sequence[str] = ()) -> Rating:
                result = evaluate(validate(record, rid), mode, lang)
                if findings:
                    warnings = [*warnings, *self.validator.misspelled(record)]
                return rating(rid, result, warnings)

            found = score_composite
        else:
            function = self.function(mode).function
            messages = self.messages(lang) if findings else None
            misspelled = self.validator.misspelled

            def score(record: Any, rid: str, warnings: Sequence[str] = ()) -> Rating:
                if record.__class__ is not dict:
                    record = validate(record, rid)
                try:
                    out = function(record, messages, None)
                except Unusual:
                    out = function(validate(record, rid), messages, None)
                if findings:
                    warnings = [*warnings, *misspelled(record)]
                return rating(rid, (out, ()), warnings)

            found = score
        self._scorers[key] = found
        return found

    def effective_on(self, day: dt.date) -> bool:
        eff = self.resolved.effective
        if eff is None:
            return False
        return eff.from_ <= day and (eff.until is None or day <= eff.until)


def compile_resolved(
    resolved: Resolved, cache: dict[str, CompiledStandard] | None = None
) -> CompiledStandard:
    """Check and compile one resolved standard (and its components); raises StandardError."""
    cache = cache if cache is not None else {}
    key = f"{resolved.ref}:{id(resolved)}"
    if key in cache:
        return cache[key]
    components = [
        (comp.name, compile_resolved(comp.standard, cache)) for comp in resolved.components
    ]
    plans = tuple(
        ComponentPlan(
            comp.name,
            comp.spec.title or comp.standard.title,
            comp.spec.weight,
            comp.spec.optional,
            compiled.plan,
        )
        for comp, (_, compiled) in zip(resolved.components, components, strict=True)
    )
    plan = build_plan(resolved, plans)
    compiled = cache[key] = CompiledStandard(plan, components)
    return compiled


def _record_id(record: Any, default: str) -> str:
    if record.__class__ is dict or isinstance(record, Mapping):
        rid = record.get("id")
        if isinstance(rid, str | int) and not isinstance(rid, bool):
            return str(rid)
    return default


def _inspection_date(record: Any, record_id: str) -> dt.date | None:
    if not isinstance(record, Mapping):
        return None
    inspection = record.get("inspection")
    if not isinstance(inspection, Mapping) or "date" not in inspection:
        return None
    value = inspection["date"]
    found = as_date(value)
    if found is not None:
        return found
    raise RecordError(
        "record-wrong-type",
        "inspection.date should be a date (YYYY-MM-DD), but is "
        + (f"the text {value!r}" if isinstance(value, str) else repr(value)),
        record=record_id,
        field="inspection.date",
    )


class RuleSet:
    """A standard ready to score records: one version, or several chosen between by date.

    With several versions (a spec without a pinned version, or a range), each record is scored with
    the version whose `effective` dates hold its `inspection.date`, else with the newest.
    """

    def __init__(self, standards: Sequence[CompiledStandard], spec: str = "") -> None:
        if not standards:
            raise ValueError("a RuleSet needs at least one compiled standard")
        self._standards = tuple(sorted(standards, key=lambda s: semver_key(s.version)))
        self.spec = spec or self._standards[-1].ref.id

    # what it is -------------------------------------------------------------------------------

    @property
    def id(self) -> str:
        return self._standards[-1].id

    @property
    def version(self) -> str:
        """The newest version this rule set holds."""
        return self._standards[-1].version

    @property
    def versions(self) -> tuple[str, ...]:
        return tuple(s.version for s in self._standards)

    @property
    def fingerprint(self) -> str:
        """The fingerprint of the newest version."""
        return self._standards[-1].fingerprint

    @property
    def standards(self) -> tuple[CompiledStandard, ...]:
        return self._standards

    def title(self, lang: str = "en") -> str:
        return text_in(self._standards[-1].resolved.title, lang, self.id)

    def select(self, day: dt.date | None) -> tuple[CompiledStandard, list[str]]:
        """The version for a record inspected on `day`, and a warning when none is in force."""
        standards = self._standards
        if len(standards) == 1:
            return standards[0], []
        if day is not None:
            for standard in reversed(standards):
                if standard.effective_on(day):
                    return standard, []
            return standards[-1], [
                f"no version of {self.id} is in force on {day.isoformat()}; "
                f"scored with the newest, {standards[-1].version}"
            ]
        return standards[-1], [
            f"the record has no inspection.date; scored with the newest version of {self.id}, "
            f"{standards[-1].version}"
        ]

    def standard_for(
        self, record: Any, record_id: str = "record"
    ) -> tuple[CompiledStandard, list[str]]:
        if len(self._standards) == 1:
            return self._standards[0], []
        return self.select(_inspection_date(record, record_id))

    # scoring ----------------------------------------------------------------------------------

    def score(
        self,
        record: RecordInput,
        *,
        findings: bool = True,
        lang: str = "en",
        record_id: str | None = None,
    ) -> Rating:
        """Validate and score one record; raises RecordError when it cannot be scored.

        `findings=False` is the fast path: score, grade, verdict, coverage and categories only.
        """
        rid = record_id or _record_id(record, "record")
        if len(self._standards) == 1:
            return self._standards[0].scorer(findings, lang)(record, rid, ())
        standard, warnings = self.standard_for(record, rid)
        return standard.scorer(findings, lang)(record, rid, warnings)

    def score_many(
        self,
        records: Iterable[Any],
        *,
        findings: bool = True,
        lang: str = "en",
        workers: int = 1,
    ) -> Iterator[Rating | RecordError]:
        """Score a stream of records, yielding exactly one Rating or RecordError per record, in order.

        Items may be plain records (mappings) or `records.Item`s from `read_records` (which carry
        their own id, and the read error of a line that could not be parsed).
        """
        from qualityscore.batch import score_stream

        return score_stream(self, records, findings=findings, lang=lang, workers=workers)

    def explain(
        self, record: RecordInput, *, lang: str = "en", record_id: str | None = None
    ) -> Any:
        """Every rule's outcome for one record, and what decided its grade and verdict."""
        from qualityscore.explain import explain

        return explain(self, record, lang=lang, record_id=record_id)

    def __repr__(self) -> str:
        return f"RuleSet({self.id}@{','.join(self.versions)})"
