"""Check a resolved standard and type-check every expression: the checked rule tree (a `Plan`).

Every problem is collected (not just the first) and reported with its exact position; a standard
with any error never reaches the compiler.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from qualityscore.errors import Diagnostic, Severity, StandardError
from qualityscore.expr.check import Checked, Scope, check_expression
from qualityscore.expr.compile import Ref, all_reads
from qualityscore.expr.parse import ExprProblem
from qualityscore.expr.types import (
    BOOLEAN,
    DATE,
    INTEGER,
    NUMBER,
    TEXT,
    EnumT,
    ListT,
    OptionalT,
    RecordT,
    Type,
)
from qualityscore.source import Span
from qualityscore.standard import spec as s
from qualityscore.standard.resolve import Resolved
from qualityscore.suggest import did_you_mean, one_of
from qualityscore.yamlio import Located, LocDict, value_span

RESERVED = frozenset(
    {"score", "coverage", "grade", "findings", "categories", "components", "defect"}
)
"""Names of the rating context; no input or derived value may start with them."""

Text = Mapping[str, str]


@dataclass(frozen=True)
class RowPlan:
    when: Checked
    severity: str | None
    points: Checked | float
    message: Text | None


@dataclass(frozen=True)
class RulePlan:
    index: int
    id: str
    category: str
    kind: str  # require | scale | table | defects | points
    title: Text
    severity: str | None
    message: Text | None
    when: Checked | None
    require: Checked | None = None
    points: Checked | float = 0.0
    scale_of: Checked | None = None
    scale_points: tuple[tuple[float, float], ...] = ()
    rows: tuple[RowPlan, ...] = ()
    hit: str = "first"
    defects_of: str = "defects"
    defects_where: Checked | None = None
    defects_points: Checked | float | dict[str, float] = 0.0
    cap: float | None = None
    reads: tuple[Ref, ...] = ()
    spec: s.RuleSpec | None = None


@dataclass(frozen=True)
class CategoryPlan:
    name: str
    title: Text
    mode: str
    max: float
    weight: float | None


@dataclass(frozen=True)
class ComponentPlan:
    name: str
    title: Text
    weight: float | None
    optional: bool
    plan: Plan


@dataclass(frozen=True)
class OutcomePlan:
    """A grade or a verdict: its value and the condition that selects it (None: the default)."""

    value: str
    when: Checked | None
    title: Text | None
    reads: tuple[Ref, ...] = ()


@dataclass(frozen=True)
class Plan:
    resolved: Resolved
    fields: dict[str, Type]
    severities: tuple[str, ...]
    derived: tuple[tuple[str, Checked], ...]
    categories: tuple[CategoryPlan, ...]
    components: tuple[ComponentPlan, ...]
    rules: tuple[RulePlan, ...]
    score_method: str
    places: int
    rounding: str
    grades: tuple[OutcomePlan, ...]
    verdicts: tuple[OutcomePlan, ...]
    min_coverage: float
    int_weights: tuple[int, ...] = field(default=())
    """Category then component weights as integers (weights x 10^k), for exact weighted means."""
    grade_order: tuple[str, ...] = field(default=())
    """The grades from best to worst."""
    warnings: tuple[Diagnostic, ...] = field(default=())
    """Problems that do not stop the standard from working (`qualityscore check` shows them)."""

    @property
    def id(self) -> str:
        return self.resolved.id

    @property
    def score_max(self) -> float:
        """The highest score the standard can give (a component enters a composite out of 100)."""
        maxes = [c.max for c in self.categories] + [100.0 for _ in self.components]
        if not maxes:
            return 100.0
        if self.score_method == "min":
            return min(maxes)
        if self.score_method == "sum":
            return sum(maxes)
        weights = self.int_weights or tuple(1 for _ in maxes)
        return sum(w * m for w, m in zip(weights, maxes, strict=True)) / sum(weights)

    @property
    def version(self) -> str:
        return self.resolved.version


def input_type(name: str, spec: s.InputSpec, severities: tuple[str, ...]) -> Type:
    simple = {"number": NUMBER, "integer": INTEGER, "text": TEXT, "boolean": BOOLEAN, "date": DATE}
    if spec.type in simple:
        return simple[spec.type]
    if spec.type == "enum":
        return EnumT(tuple(spec.values or ()))
    fields: dict[str, Type] = {
        "code": TEXT,
        "severity": EnumT(severities),
        "area": OptionalT(TEXT),
        "description": OptionalT(TEXT),
        "count": INTEGER,
    }
    for key, extra in (spec.fields or {}).items():
        t = simple.get(extra.type) or EnumT(tuple(extra.values or ()))
        fields[key] = t if extra.required else OptionalT(t)
    return ListT(RecordT("a defect", fields))


class _Checker:
    def __init__(self, resolved: Resolved, components: tuple[ComponentPlan, ...]) -> None:
        self.r = resolved
        self.problems: list[Diagnostic] = []
        self.components = components

    # reporting -------------------------------------------------------------------------------

    def report(
        self,
        code: str,
        message: str,
        span: Span | None,
        hint: str | None = None,
        severity: Severity = "error",
    ) -> None:
        self.problems.append(Diagnostic(code, message, span or self.r.spec.span(), hint, severity))

    def expression(
        self,
        owner: s.Spec,
        key: str,
        text: str,
        scope: Scope,
        expect: Type | None,
        what: str,
        located: Located | None = None,
    ) -> Checked | None:
        try:
            return check_expression(text, scope, expect=expect, what=what)
        except ExprProblem as problem:
            where = located or owner.located(key)
            origin = owner.origin
            span: Span | None
            if where is not None and origin is not None and origin.span.source is not None:
                span = value_span(origin.span.source, where, text, problem.start, problem.end)
            else:
                span = owner.span(key)
            self.report(problem.code, problem.message, span, problem.hint)
            return None

    def number_or_expression(
        self, owner: s.Spec, key: str, value: float | str | None, scope: Scope, what: str
    ) -> Checked | float:
        if value is None:
            return 0.0
        if isinstance(value, str):
            checked = self.expression(owner, key, value, scope, NUMBER, what)
            return checked if checked is not None else 0.0
        if not math.isfinite(value):
            self.report("invalid-value", f"{what} must be a finite number", owner.span(key))
            return 0.0
        return value

    def error_count(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error")

    # the standard ----------------------------------------------------------------------------

    def run(self) -> Plan:
        r = self.r
        fields = self.inputs()
        self.component_inputs(fields)
        scope = Scope(fields=fields)
        derived = self.derived(scope)
        scope = Scope(fields=fields, derived={name: c.type for name, c in derived})
        categories = self.categories()
        rules = tuple(
            plan
            for i, rule in enumerate(r.rules)
            if (plan := self.rule(i, rule, scope, categories)) is not None
        )
        self.duplicate_rules()
        self.unused_categories(categories, rules)
        context = self.context(categories)
        rating_scope = scope.with_context(context)
        grades = self.outcomes("grade", r.rating.grades, rating_scope)
        verdict_scope = rating_scope.with_context(
            {
                **context,
                "grade": EnumT(tuple(dict.fromkeys([g.value for g in grades] + [s.INSUFFICIENT]))),
            }
        )
        verdicts = self.outcomes("verdict", r.rating.verdicts, verdict_scope)
        weights = self.weights(categories)
        self.effective()
        self.tests(rules)
        grade_order = self.grade_order(grades)  # before the error check: it reports problems too
        if any(p.severity == "error" for p in self.problems):
            raise StandardError(sorted(self.problems, key=_position))
        return Plan(
            resolved=r,
            fields=fields,
            severities=r.severities,
            derived=derived,
            categories=categories,
            components=self.components,
            rules=rules,
            score_method=r.rating.score,
            places=r.rating.rounding.places,
            rounding=r.rating.rounding.mode,
            grades=grades,
            verdicts=verdicts,
            min_coverage=r.rating.min_coverage,
            int_weights=weights,
            grade_order=grade_order,
            warnings=tuple(p for p in self.problems if p.severity == "warning"),
        )

    def inputs(self) -> dict[str, Type]:
        fields: dict[str, Type] = {}
        paths = set(self.r.inputs)
        for path, spec in self.r.inputs.items():
            span = self._input_span(path)
            root = path.split(".", 1)[0]
            if root in RESERVED:
                self.report(
                    "reserved-name",
                    f"the input '{path}' starts with '{root}', a name of the rating context",
                    span,
                    f"rename it; {one_of(sorted(RESERVED))} are reserved",
                )
            prefixes = {path.rsplit(".", i)[0] for i in range(1, path.count(".") + 1)}
            clash = sorted(prefixes & paths)
            if clash:
                self.report(
                    "input-conflict",
                    f"'{clash[0]}' is an input, so it cannot also be a group containing '{path}'",
                    span,
                )
            self.input_spec(path, spec)
            fields[path] = input_type(path, spec, self.r.severities)
        return fields

    def _input_span(self, path: str) -> Span | None:
        origin = self._origin_of("inputs", path)
        return origin.key_span if origin is not None else self.r.spec.span()

    def _origin_of(self, section: str, key: str) -> Located | None:
        """Where `section: {key: ...}` is, in whichever file of the lineage defines it."""
        for spec in self._lineage_specs():
            origin = spec.origin
            mapping = origin.get(section) if origin is not None else None
            if isinstance(mapping, LocDict):
                located = mapping.located.get(key)
                if located is not None:
                    return located
        return None

    def _lineage_specs(self) -> tuple[s.StandardSpec, ...]:
        return self.r.chain or (self.r.spec,)

    def input_spec(self, path: str, spec: s.InputSpec) -> None:
        def bad(key: str, message: str, hint: str | None = None) -> None:
            self.report(
                "invalid-input", f"input '{path}': {message}", spec.span(key, of_key=True), hint
            )

        if spec.type == "enum" and not spec.values:
            bad("type", "an enum needs 'values'", "add values: [A, B, C]")
        if spec.values is not None and spec.type != "enum":
            bad("values", f"'values' applies to enums, but this input is {spec.type}")
        if spec.values and len(set(spec.values)) != len(spec.values):
            bad("values", "a value is listed twice")
        for key in ("min", "max", "unit"):
            if getattr(spec, key) is not None and spec.type not in ("number", "integer"):
                bad(key, f"'{key}' applies to numbers, but this input is {spec.type}")
        if spec.min is not None and spec.max is not None and spec.min > spec.max:
            bad("min", f"min ({spec.min}) is above max ({spec.max})")
        if spec.fields is not None and spec.type != "defects":
            bad("fields", "'fields' applies to defects inputs")
        for name, extra in (spec.fields or {}).items():
            if name in ("code", "severity", "area", "description", "count"):
                bad("fields", f"'{name}' is a field every defect has; do not declare it")
            if extra.type == "enum" and not extra.values:
                bad("fields", f"the enum field '{name}' needs 'values'")
        if spec.default is not None:
            problem = default_problem(spec, self.r.severities)
            if problem:
                bad("default", problem)

    def component_inputs(self, fields: dict[str, Type]) -> None:
        """Inputs of components join the composite's; the same path must mean the same type."""
        for component in self.components:
            for path, t in component.plan.fields.items():
                if path in fields and fields[path] != t:
                    span = component.plan.resolved.spec.span()
                    self.report(
                        "component-input-conflict",
                        f"the input '{path}' is {t} in {component.plan.resolved.ref} but "
                        f"{fields[path]} here",
                        self._component_span(component.name),
                        "declare the input with the same type in both standards",
                    )
                    del span
                else:
                    fields.setdefault(path, t)

    def _component_span(self, name: str) -> Span | None:
        located = self._origin_of("components", name)
        return located.key_span if located is not None else None

    def derived(self, scope: Scope) -> tuple[tuple[str, Checked], ...]:
        out: list[tuple[str, Checked]] = []
        known: dict[str, Type] = {}
        for name, spec in self.r.derived.items():
            if name in RESERVED or any(f.split(".", 1)[0] == name for f in scope.fields):
                where = self._origin_of("derived", name)
                self.report(
                    "reserved-name",
                    f"the derived value '{name}' has the name of an input or of the rating context",
                    where.key_span if where is not None else None,
                    "rename it",
                )
            located = spec.located("value") or self._origin_of("derived", name)
            owner: s.Spec = spec if spec.origin is not None else self.r.spec
            checked = self.expression(
                owner,
                "value",
                spec.value,
                Scope(fields=scope.fields, derived=dict(known)),
                None,
                f"derived value '{name}'",
                located,
            )
            if checked is not None:
                out.append((name, checked))
                known[name] = checked.type
        return tuple(out)

    def categories(self) -> tuple[CategoryPlan, ...]:
        r = self.r
        if not r.categories and not self.components:
            self.report(
                "no-categories",
                "the standard has no categories",
                r.spec.span(),
                "add categories: {name: {weight: 1.0}} and rules in them",
            )
        return tuple(
            CategoryPlan(name, c.title or {"en": name}, c.mode, c.max, c.weight)
            for name, c in r.categories.items()
        )

    def weights(self, categories: tuple[CategoryPlan, ...]) -> tuple[int, ...]:
        r = self.r
        parts: list[tuple[str, float | None, Span | None]] = [
            (f"category '{c.name}'", c.weight, self._weight_span("categories", c.name))
            for c in categories
        ] + [
            (f"component '{c.name}'", c.weight, self._weight_span("components", c.name))
            for c in self.components
        ]
        if r.rating.score != "weighted_mean":
            for what, weight, span in parts:
                if weight is not None:
                    self.report(
                        "weight-ignored",
                        f"{what} has a weight, but the score is '{r.rating.score}', which ignores weights",
                        span,
                        "remove the weight, or use score: weighted_mean",
                        "warning",
                    )
            return tuple(1 for _ in parts)
        missing = [(what, span) for what, weight, span in parts if weight is None]
        for what, span in missing:
            self.report(
                "missing-weight",
                f"{what} has no weight, but the score is a weighted mean",
                span,
                "add weight: 0.25 (the weights must sum to 1)",
            )
        if missing or not parts:
            return tuple(1 for _ in parts)
        decimals = [Decimal(repr(w)) for _, w, _ in parts if w is not None]
        total = sum(decimals, Decimal(0))
        if total != 1:
            shown = " + ".join(f"{w}" for w in decimals)
            self.report(
                "weights-sum",
                f"the weights sum to {total.normalize()}, not 1 ({shown})",
                r.spec.span("categories" if r.spec.categories else "components", of_key=True),
                "adjust the weights so that they add up to exactly 1",
            )
            return tuple(1 for _ in parts)
        scale = 0
        while any((d * 10**scale) % 1 for d in decimals) and scale < 9:
            scale += 1
        return tuple(int(d * 10**scale) for d in decimals)

    def _weight_span(self, section: str, name: str) -> Span | None:
        located = self._origin_of(section, name)
        return located.span if located is not None else None

    def rule(
        self, index: int, rule: s.RuleSpec, scope: Scope, categories: tuple[CategoryPlan, ...]
    ) -> RulePlan | None:
        names = [c.name for c in categories]
        errors_before = self.error_count()
        if rule.category not in names:
            self.report(
                "unknown-category",
                f"rule '{rule.id}' is in the category '{rule.category}', which is not declared",
                rule.span("category"),
                did_you_mean(rule.category, names) or f"the categories are {one_of(names)}",
            )
        kinds = [
            k for k in ("require", "scale", "table", "defects") if getattr(rule, k) is not None
        ]
        if len(kinds) > 1:
            self.report(
                "invalid-rule",
                f"rule '{rule.id}' has both '{kinds[0]}' and '{kinds[1]}'; a rule is of one kind",
                rule.span(kinds[1], of_key=True),
                "split it into two rules",
            )
        kind = rule.kind
        if kind == "points" and rule.points is None:
            self.report(
                "invalid-rule",
                f"rule '{rule.id}' has nothing to check: give it require, scale, table, defects "
                "or points",
                rule.span("id"),
            )
        if kind in ("scale", "table", "defects") and rule.points is not None:
            self.report(
                "invalid-rule",
                f"rule '{rule.id}': a {kind} rule takes its points from its {kind}, not from "
                "'points'",
                rule.span("points", of_key=True),
                "move the points into the " + kind,
            )
        if rule.hit is not None and kind != "table":
            self.report(
                "invalid-rule", "'hit' applies to table rules only", rule.span("hit", of_key=True)
            )
        self.severity(rule, "severity", rule.severity)
        if kind == "defects" and rule.severity is not None:
            self.report(
                "invalid-rule",
                f"rule '{rule.id}': a defects rule takes each finding's severity from the defect",
                rule.span("severity", of_key=True),
                "remove 'severity', or filter with where: defect.severity == \"major\"",
            )
        label = f"rule '{rule.id}'"
        when = (
            self.expression(rule, "when", rule.when, scope, BOOLEAN, f"the 'when' of {label}")
            if rule.when is not None
            else None
        )
        plan: dict[str, Any] = {}
        if kind == "require":
            assert rule.require is not None
            plan["require"] = self.expression(
                rule, "require", rule.require, scope, BOOLEAN, f"the 'require' of {label}"
            )
            plan["points"] = self.number_or_expression(
                rule, "points", rule.points, scope, f"the points of {label}"
            )
        elif kind == "points":
            plan["points"] = self.number_or_expression(
                rule, "points", rule.points, scope, f"the points of {label}"
            )
        elif kind == "scale":
            assert rule.scale is not None
            plan.update(self.scale(rule, rule.scale, scope, label))
        elif kind == "table":
            assert rule.table is not None
            plan["rows"] = tuple(self.row(row, scope, label) for row in rule.table)
            plan["hit"] = rule.hit or "first"
        elif kind == "defects":
            assert rule.defects is not None
            plan.update(self.defects(rule, rule.defects, scope, label))
        if self.error_count() > errors_before:
            return None
        rule_plan = RulePlan(
            index=index,
            id=rule.id,
            category=rule.category,
            kind=kind,
            title=rule.title or {"en": rule.id},
            severity=rule.severity,
            message=rule.message,
            when=when,
            spec=rule,
            **plan,
        )
        return _with_reads(rule_plan)

    def severity(self, owner: s.Spec, key: str, value: str | None) -> None:
        if value is not None and value not in self.r.severities:
            self.report(
                "unknown-severity",
                f"'{value}' is not one of the severities: {one_of(self.r.severities)}",
                owner.span(key),
                did_you_mean(value, self.r.severities),
            )

    def scale(
        self, rule: s.RuleSpec, scale: s.ScaleSpec, scope: Scope, label: str
    ) -> dict[str, Any]:
        of = self.expression(scale, "of", scale.of, scope, NUMBER, f"the scale of {label}")
        points = tuple((float(x), float(p)) for x, p in scale.points)
        for (x0, _), (x1, _) in itertools.pairwise(points):
            if not x1 > x0:
                self.report(
                    "scale-order",
                    f"the points of the scale of {label} must have increasing readings, but "
                    f"{x1:g} follows {x0:g}",
                    scale.span("points"),
                    "list the points from the lowest reading to the highest: [[29, 100], [58, 0]]",
                )
                break
        if not all(math.isfinite(v) for pair in points for v in pair):
            self.report(
                "invalid-value", "scale points must be finite numbers", scale.span("points")
            )
        return {"scale_of": of, "scale_points": points}

    def row(self, row: s.TableRowSpec, scope: Scope, label: str) -> RowPlan | None:
        when = self.expression(row, "when", row.when, scope, BOOLEAN, f"a row of {label}")
        self.severity(row, "severity", row.severity)
        points = self.number_or_expression(
            row, "points", row.points, scope, f"the points of a row of {label}"
        )
        if when is None:  # reported: the rule is dropped by the caller
            return None
        return RowPlan(when, row.severity, points, row.message)

    def defects(
        self, rule: s.RuleSpec, spec: s.DefectsSpec, scope: Scope, label: str
    ) -> dict[str, Any]:
        source_type = scope.fields.get(spec.of)
        if not isinstance(source_type, ListT) or not isinstance(source_type.item, RecordT):
            self.report(
                "unknown-field",
                f"{label} reads the defects from '{spec.of}', which is not a defects input",
                spec.span("of") if spec.of != "defects" else rule.span("defects", of_key=True),
                "declare it: inputs: {defects: {type: defects}}",
            )
            return {}
        inner = scope.with_locals(defect=source_type.item)
        where = (
            self.expression(spec, "where", spec.where, inner, BOOLEAN, f"the 'where' of {label}")
            if spec.where is not None
            else None
        )
        points: Checked | float | dict[str, float]
        if isinstance(spec.points, dict):
            written = spec.origin.get("points") if spec.origin is not None else None
            for sev in spec.points:
                if sev not in self.r.severities:
                    at = written.located.get(sev) if isinstance(written, LocDict) else None
                    self.report(
                        "unknown-severity",
                        f"'{sev}' is not one of the severities: {one_of(self.r.severities)}",
                        at.key_span if at is not None else spec.span("points"),
                        did_you_mean(sev, self.r.severities),
                    )
            points = {sev: float(spec.points.get(sev, 0.0)) for sev in self.r.severities}
        else:
            points = self.number_or_expression(
                spec, "points", spec.points, inner, f"the points of {label}"
            )
        out: dict[str, Any] = {"defects_of": spec.of, "defects_points": points, "cap": spec.cap}
        if spec.where is not None:
            out["defects_where"] = where
        return out

    def duplicate_rules(self) -> None:
        for spec in self._lineage_specs():
            self._duplicates_in(spec)

    def _duplicates_in(self, spec: s.StandardSpec) -> None:
        seen: dict[str, s.RuleSpec] = {}
        for rule in spec.rules or []:
            if rule.id in seen:
                first = seen[rule.id].span("id")
                self.report(
                    "duplicate-rule",
                    f"the rule id '{rule.id}' is used twice"
                    + (f" (first at line {first.line})" if first else ""),
                    rule.span("id"),
                    "rule ids must be unique within a standard; rename one",
                )
            seen[rule.id] = rule

    def unused_categories(
        self, categories: tuple[CategoryPlan, ...], rules: tuple[RulePlan, ...]
    ) -> None:
        used = {r.category for r in self.r.rules}
        for c in categories:
            if c.name not in used:
                located = self._origin_of("categories", c.name)
                self.report(
                    "empty-category",
                    f"the category '{c.name}' has no rules, so it is never assessed",
                    located.key_span if located else None,
                    "add rules to it, or remove it",
                    "warning",
                )

    def context(self, categories: tuple[CategoryPlan, ...]) -> dict[str, Type]:
        context: dict[str, Type] = {"score": NUMBER, "coverage": NUMBER, "findings.total": INTEGER}
        for sev in self.r.severities:
            context[f"findings.{sev}"] = INTEGER
        for c in categories:
            context[f"categories.{c.name}.score"] = NUMBER
            context[f"categories.{c.name}.max"] = NUMBER
        for comp in self.components:
            base = f"components.{comp.name}"
            plan = comp.plan
            context[f"{base}.score"] = NUMBER
            context[f"{base}.coverage"] = NUMBER
            grades = tuple(dict.fromkeys([g.value for g in plan.grades] + [s.INSUFFICIENT]))
            context[f"{base}.grade"] = EnumT(grades)
            if plan.verdicts:
                context[f"{base}.verdict"] = EnumT(
                    tuple(dict.fromkeys(v.value for v in plan.verdicts))
                )
            context[f"{base}.findings.total"] = INTEGER
            for sev in plan.severities:
                context[f"{base}.findings.{sev}"] = INTEGER
                if sev not in self.r.severities:
                    context.setdefault(f"findings.{sev}", INTEGER)
        return context

    def outcomes(self, kind: str, items: tuple[Any, ...], scope: Scope) -> tuple[OutcomePlan, ...]:
        r = self.r
        section_span = r.spec.span("rating")
        if not items:
            if kind == "grade":
                self.report(
                    "no-grades",
                    "the rating has no grades",
                    section_span,
                    "add rating: {grades: [{grade: A, when: score >= 90}, {grade: B}]}",
                )
            return ()
        out: list[OutcomePlan] = []
        for i, item in enumerate(items):
            value = getattr(item, kind)
            if value == s.INSUFFICIENT:
                self.report(
                    "reserved-name",
                    f"'{s.INSUFFICIENT}' is given automatically below min_coverage",
                    item.span(kind),
                )
            if item.when is None and i != len(items) - 1:
                self.report(
                    f"{kind}s-unreachable",
                    f"the {kind} '{value}' has no 'when', so the {kind}s after it can never apply",
                    item.span(kind),
                    "move it to the end of the list, or give it a condition",
                )
            checked = (
                self.expression(
                    item, "when", item.when, scope, BOOLEAN, f"the condition of {kind} '{value}'"
                )
                if item.when is not None
                else None
            )
            reads = tuple(all_reads(checked.tree)) if checked is not None else ()
            out.append(OutcomePlan(value, checked, item.title, reads))
        if items[-1].when is not None:
            self.report(
                f"{kind}s-no-default",
                f"the last {kind} ('{getattr(items[-1], kind)}') has a condition, so some ratings "
                f"would get no {kind}",
                items[-1].span("when", of_key=True),
                f"end the list with a {kind} without 'when', e.g. {{{kind}: {'F' if kind == 'grade' else 'pass'}}}",
            )
        return tuple(out)

    def grade_order(self, grades: tuple[OutcomePlan, ...]) -> tuple[str, ...]:
        listed = tuple(dict.fromkeys(g.value for g in grades))
        order = self.r.rating.grade_order
        if order is None:
            return listed
        if sorted(order) != sorted(listed) or len(set(order)) != len(order):
            rating = self.r.spec.rating
            self.report(
                "invalid-value",
                f"grade_order must list each grade once, best first: {', '.join(listed)}",
                rating.span("grade_order") if rating else None,
            )
        return tuple(order)

    def effective(self) -> None:
        eff = self.r.effective
        if eff is not None and eff.until is not None and eff.until < eff.from_:
            self.report(
                "invalid-value",
                f"'until' ({eff.until}) is before 'from' ({eff.from_})",
                eff.span("until"),
            )

    def tests(self, rules: tuple[RulePlan, ...]) -> None:
        ids = {r.id for r in self.r.rules}
        for comp in self.components:
            ids |= {f"{comp.name}/{r.id}" for r in comp.plan.rules}
        for case in self.r.tests:
            expect = case.expect
            for key in ("findings", "not_assessed"):
                listed = getattr(expect, key) or []
                for rule_id in listed:
                    if rule_id not in ids:
                        self.report(
                            "unknown-rule",
                            f"test '{case.name}' expects the rule '{rule_id}', which this standard "
                            "does not have",
                            expect.span(key),
                            did_you_mean(rule_id, ids),
                        )
            for name in expect.categories or {}:
                if name not in self.r.categories and name not in {c.name for c in self.components}:
                    self.report(
                        "unknown-category",
                        f"test '{case.name}' expects the category '{name}', which is not declared",
                        expect.span("categories"),
                        did_you_mean(name, self.r.categories),
                    )


def _position(diagnostic: Diagnostic) -> tuple[str, int, int]:
    span = diagnostic.span
    return (span.file, span.line, span.col) if span is not None else ("", 0, 0)


def _with_reads(plan: RulePlan) -> RulePlan:
    """Record every value the rule reads (for the `values` of its findings)."""
    checked: list[Checked] = [
        c
        for c in (plan.when, plan.require, plan.scale_of, plan.defects_where)
        if isinstance(c, Checked)
    ]
    if isinstance(plan.points, Checked):
        checked.append(plan.points)
    if isinstance(plan.defects_points, Checked):
        checked.append(plan.defects_points)
    for row in plan.rows:
        checked.append(row.when)
        if isinstance(row.points, Checked):
            checked.append(row.points)
    reads: dict[Ref, None] = {}
    for c in checked:
        for ref in all_reads(c.tree):
            reads.setdefault(ref)
    if plan.kind == "defects":
        reads.setdefault(("field", plan.defects_of))
    return RulePlan(**{**plan.__dict__, "reads": tuple(reads)})


def default_problem(spec: s.InputSpec, severities: tuple[str, ...]) -> str | None:
    """Why an input's default does not fit its type, or None."""
    value = spec.default
    t = spec.type
    if t == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif t == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif t == "text":
        ok = isinstance(value, str)
    elif t == "boolean":
        ok = isinstance(value, bool)
    elif t == "date":
        ok = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    elif t == "enum":
        ok = isinstance(value, str) and value in (spec.values or [])
    else:
        ok = isinstance(value, list) and not value
    if not ok:
        return f"the default {value!r} is not a valid {t}"
    if t in ("number", "integer") and (
        (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max)
    ):
        return f"the default {value!r} is outside [{_number(spec.min)}, {_number(spec.max)}]"
    return None


def _number(value: float | None) -> str:
    if value is None:
        return "..."
    return f"{value:g}"


def build_plan(resolved: Resolved, components: tuple[ComponentPlan, ...] = ()) -> Plan:
    """Check a resolved standard; raises StandardError listing every problem."""
    return _Checker(resolved, components).run()
