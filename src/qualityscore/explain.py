"""Explain one rating: every rule's outcome and the values it read, and what decided grade and verdict."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualityscore import compiler as c
from qualityscore.expr.runtime import Unusual
from qualityscore.plan import OutcomePlan
from qualityscore.rating import Rating

if TYPE_CHECKING:
    from qualityscore.ruleset import CompiledStandard, Result, RuleSet

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "record": "Record",
        "score": "Score",
        "grade": "grade",
        "verdict": "verdict",
        "coverage": "coverage",
        "of": "of",
        "weight": "weight",
        "not_assessed_cat": "not assessed (no data for any of its rules)",
        "pass": "passed",
        "fail": "failed",
        "points": "points",
        "defect": "recorded defect",
        "not_applicable": "does not apply",
        "not_assessed": "not assessed: data missing",
        "read": "read",
        "nothing_read": "no values",
        "grade_by": "Grade {value}",
        "verdict_by": "Verdict {value}",
        "because": "because {condition} held",
        "default": "as no earlier condition held",
        "insufficient": "because only {coverage} of the applicable rules could be assessed "
        "(at least {minimum} is needed)",
        "no_score": "because no category could be assessed",
        "not_held": "not {value}: {condition} did not hold",
        "component": "Component",
        "warnings": "Warnings",
        "missing": "missing",
    },
    "ru": {
        "record": "Запись",
        "score": "Оценка",
        "grade": "класс",
        "verdict": "заключение",
        "coverage": "полнота данных",
        "of": "из",
        "weight": "вес",
        "not_assessed_cat": "не оценена (нет данных ни для одного правила)",
        "pass": "выполнено",
        "fail": "не выполнено",
        "points": "баллы",
        "defect": "зафиксированный дефект",
        "not_applicable": "не применяется",
        "not_assessed": "не оценено: нет данных",
        "read": "данные",
        "nothing_read": "нет значений",
        "grade_by": "Класс {value}",
        "verdict_by": "Заключение {value}",
        "because": "так как выполнено условие {condition}",
        "default": "так как ни одно из предыдущих условий не выполнено",
        "insufficient": "так как оценить удалось только {coverage} применимых правил "
        "(нужно не менее {minimum})",
        "no_score": "так как ни одна категория не оценена",
        "not_held": "не {value}: условие {condition} не выполнено",
        "component": "Составная часть",
        "warnings": "Предупреждения",
        "missing": "нет",
    },
}
_MARKS = {
    "pass": "✓",
    "fail": "✗",
    "points": "±",
    "defect": "✗",
    "not_applicable": "–",
    "not_assessed": "?",
}


def labels(lang: str) -> dict[str, str]:
    return LABELS.get(lang, LABELS["en"])


@dataclass(frozen=True)
class RuleResult:
    """What one rule came to for the record (a defects rule gives one per matched defect)."""

    rule: str
    category: str
    title: str
    outcome: str
    severity: str | None
    points: float
    message: str
    values: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "category": self.category,
            "title": self.title,
            "outcome": self.outcome,
            "severity": self.severity,
            "points": self.points,
            "message": self.message,
            "values": {k: _plain(v) for k, v in self.values.items()},
        }


@dataclass(frozen=True)
class Decision:
    """Which grade (or verdict) was given and why: the condition that held and the values it read."""

    value: str | None
    condition: str | None
    values: Mapping[str, Any]
    passed_over: tuple[tuple[str, str], ...] = ()
    """Earlier entries whose conditions did not hold: (value, condition)."""
    reason: str = "condition"  # condition | default | insufficient | none

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "condition": self.condition,
            "values": {k: _plain(v) for k, v in self.values.items()},
            "passed_over": [{"value": v, "condition": cond} for v, cond in self.passed_over],
            "reason": self.reason,
        }


@dataclass(frozen=True)
class CategoryLine:
    name: str
    title: str
    score: float | None
    max: float
    weight: float | None
    mode: str


@dataclass(frozen=True)
class Explanation:
    """Everything `qualityscore explain` shows, for one record."""

    rating: Rating
    title: str
    categories: tuple[CategoryLine, ...]
    rules: tuple[RuleResult, ...]
    grade: Decision
    verdict: Decision
    min_coverage: float
    lang: str = "en"
    components: tuple[Explanation, ...] = field(default=())
    component_names: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "rating": self.rating.to_dict(),
            "title": self.title,
            "rules": [r.to_dict() for r in self.rules],
            "grade": self.grade.to_dict(),
            "verdict": self.verdict.to_dict(),
            "components": {
                name: comp.to_dict()
                for name, comp in zip(self.component_names, self.components, strict=True)
            },
        }

    def render(self) -> str:
        """The explanation as text a person who is not a programmer can follow."""
        lab = labels(self.lang)
        r = self.rating
        lines = [
            f"{lab['record']} {r.record} — {self.title} {r.standard.version}",
            f"{lab['score']} {_num(r.score)} · {lab['grade']} {r.grade} · {lab['verdict']} "
            f"{r.verdict} · {lab['coverage']} {_pct(r.coverage)}",
            f"  ({r.standard.fingerprint})",
            "",
        ]
        lines += self._body(lab, "")
        if r.warnings:
            lines += ["", f"{lab['warnings']}:"] + [f"  ! {w}" for w in r.warnings]
        return "\n".join(lines).rstrip() + "\n"

    def _body(self, lab: dict[str, str], indent: str) -> list[str]:
        lines: list[str] = []
        for cat in self.categories:
            share = f", {lab['weight']} {_pct(cat.weight)}" if cat.weight is not None else ""
            head = (
                f"{_num(cat.score)} {lab['of']} {_num(cat.max)}"
                if cat.score is not None
                else lab["not_assessed_cat"]
            )
            lines.append(f"{indent}{cat.title} — {head}{share}")
            for result in (x for x in self.rules if x.category == cat.name):
                lines.append(indent + "  " + _rule_line(result, lab))
            lines.append("")
        for name, comp in zip(self.component_names, self.components, strict=True):
            cr = comp.rating
            lines.append(
                f"{indent}{lab['component']} {name}: {comp.title} {cr.standard.version} — "
                f"{lab['score']} {_num(cr.score)} · {lab['grade']} {cr.grade} · "
                f"{lab['verdict']} {cr.verdict} · {lab['coverage']} {_pct(cr.coverage)}"
            )
            lines += comp._body(lab, indent + "    ")
            lines.append("")
        lines += [indent + line for line in self._decisions(lab)]
        return lines

    def _decisions(self, lab: dict[str, str]) -> list[str]:
        out = []
        for key, decision in (("grade_by", self.grade), ("verdict_by", self.verdict)):
            if decision.value is None:
                continue
            head = lab[key].format(value=decision.value)
            if decision.reason == "insufficient":
                why = lab["insufficient"].format(
                    coverage=_pct(self.rating.coverage), minimum=_pct(self.min_coverage)
                )
            elif decision.reason == "none":
                why = lab["no_score"]
            elif decision.reason == "default":
                why = lab["default"]
            else:
                why = lab["because"].format(condition=f"«{decision.condition}»")
                if decision.values:
                    why += (
                        " ("
                        + ", ".join(f"{k} = {_show(v, lab)}" for k, v in decision.values.items())
                        + ")"
                    )
            out.append(f"{head}: {why}.")
            for value, condition in decision.passed_over:
                out.append(f"  {lab['not_held'].format(value=value, condition=f'«{condition}»')}")
        return out


def _rule_line(result: RuleResult, lab: dict[str, str]) -> str:
    mark = _MARKS.get(result.outcome, "·")
    status = lab.get(result.outcome, result.outcome)
    detail = f" {_signed(result.points)}" if result.points else ""
    severity = f" [{result.severity}]" if result.severity else ""
    # the failure message describes a failure: a rule that passed or did not apply shows its title
    text = (
        (result.message or result.title)
        if result.outcome in ("fail", "points", "defect")
        else result.title
    )
    read = (
        ", ".join(f"{k} = {_show(v, lab)}" for k, v in result.values.items())
        if result.values
        else lab["nothing_read"]
    )
    return f"{mark} {text} — {status}{detail}{severity}; {lab['read']}: {read}"


def _signed(value: float) -> str:
    return f"{value:+g}"


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g}"


def _pct(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.4g}%"


def _show(value: Any, lab: dict[str, str]) -> str:
    from qualityscore.expr.runtime import MISSING

    if value is MISSING:
        return lab["missing"]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, float):  # a computed value to a readable precision (JSON keeps it whole)
        return f"{value:.6g}"
    return str(value)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _decision(
    items: tuple[OutcomePlan, ...],
    index: int,
    values: Mapping[str, Any] | None,
    value: str | None,
    insufficient: bool,
) -> Decision:
    passed_over = tuple(
        (item.value, item.when.text) for item in items[: max(index, 0)] if item.when is not None
    )
    if value is None:
        return Decision(None, None, {}, (), "none")
    if index < 0:
        return Decision(value, None, {}, (), "insufficient" if insufficient else "none")
    item = items[index]
    if item.when is None:
        return Decision(value, None, {}, passed_over, "default")
    return Decision(value, item.when.text.strip(), dict(values or {}), passed_over, "condition")


def _explain_standard(
    standard: CompiledStandard, result: Result, rating: Rating, lang: str
) -> Explanation:
    from qualityscore.ruleset import text_in

    out, comps = result
    plan = standard.plan
    rules = []
    by_index = {r.index: r for r in plan.rules}
    for index, outcome, severity, points, values, message in out[c.TRACE]:
        rule = by_index[index]
        rules.append(
            RuleResult(
                rule.id,
                rule.category,
                text_in(rule.title, lang, rule.id),
                outcome,
                severity,
                points,
                message,
                values,
            )
        )
    gi, vi, gv, vv = out[c.DECISION]
    insufficient = rating.grade == "insufficient-data"
    categories = tuple(
        CategoryLine(
            cat.name,
            text_in(cat.title, lang, cat.name),
            rating.categories[cat.name].score,
            cat.max,
            cat.weight,
            cat.mode,
        )
        for cat in plan.categories
    )
    components = []
    for (_, comp), comp_result in zip(standard.components, comps, strict=True):
        comp_rating = comp.rating(rating.record, comp_result)
        components.append(_explain_standard(comp, comp_result, comp_rating, lang))
    return Explanation(
        rating=rating,
        title=text_in(standard.resolved.title, lang, standard.id),
        categories=categories,
        rules=tuple(rules),
        grade=_decision(plan.grades, gi, gv, rating.grade, insufficient),
        verdict=_decision(plan.verdicts, vi, vv, rating.verdict, False),
        min_coverage=plan.min_coverage,
        lang=lang,
        components=tuple(components),
        component_names=tuple(name for name, _ in standard.components),
    )


def explain(
    ruleset: RuleSet, record: Any, *, lang: str = "en", record_id: str | None = None
) -> Explanation:
    """Score one record in trace mode and explain the result."""
    from qualityscore.ruleset import _record_id

    rid = record_id or _record_id(record, "record")
    standard, warnings = ruleset.standard_for(record, rid)
    validated = standard.validator.validate(record, rid)
    try:
        result = standard.evaluate(validated, "trace", lang)
    except Unusual:  # pragma: no cover - a validated record is always plain
        raise
    rating = standard.rating(rid, result, [*warnings, *standard.validator.misspelled(record)])
    return _explain_standard(standard, result, rating, lang)
