"""Compare two standards rule by rule and, given records, how ratings move (`qualityscore diff`).

The comparison is of the canonical resolved forms (`standard.fingerprint.canonical`): parents merged
in, defaults explicit, expressions re-printed from their syntax trees. So a change of spacing,
quoting, key order or `40` vs `40.0` is no change, and what the diff shows is exactly what changed
the fingerprint. Each side is the newest version its rule set holds; with records, every record is
scored by both of those versions, so the migration is the effect of the changes listed.
"""

from __future__ import annotations

import copy
import dataclasses
import heapq
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualityscore.batch import score_item
from qualityscore.errors import RecordError
from qualityscore.plan import Plan
from qualityscore.rating import Rating, StandardRef
from qualityscore.records import Item, read_records
from qualityscore.ruleset import CompiledStandard, RuleSet
from qualityscore.standard.fingerprint import Expression, canonical, fingerprint
from qualityscore.standard.resolve import Resolved
from qualityscore.standard.spec import INSUFFICIENT

NO_GRADE = "none"
"""The matrix key of a rating without a grade (a standard with no grades)."""
MAX_REJECTIONS = 50
"""Rejected records listed (all are counted)."""
_KINDS = ("require", "scale", "table", "defects")


@dataclass(frozen=True)
class Change:
    """A field whose value differs: its dotted path (`scale.points`, `table[0].when`), old, new."""

    field: str
    old: Any
    new: Any

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "old": _written(self.old), "new": _written(self.new)}


@dataclass(frozen=True)
class Changed:
    """An item (rule, category, input, grade, ...) in both standards, with what differs."""

    name: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class Section:
    """The items of one kind that were added, removed or changed; `key` names an item in JSON."""

    key: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[Changed, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": [
                {self.key: c.name, "changes": [ch.to_dict() for ch in c.changes]}
                for c in self.changed
            ],
        }


@dataclass(frozen=True)
class Side:
    """What one record came to under one standard."""

    score: float | None
    grade: str | None
    verdict: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "grade": self.grade, "verdict": self.verdict}


@dataclass(frozen=True)
class RuleMove:
    """A rule whose findings moved a record's points differently: the signed points under each
    standard (0 when it found nothing, None when the standard does not have the rule)."""

    rule: str
    old: float | None
    new: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class Mover:
    """A record whose score moved, and the rules responsible."""

    record: str
    old: Side
    new: Side
    delta: float
    rules: tuple[RuleMove, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "record": self.record,
            "old": self.old.to_dict(),
            "new": self.new.to_dict(),
            "delta": self.delta,
            "rules": [r.to_dict() for r in self.rules],
        }


@dataclass(frozen=True)
class Rejection:
    """A record that could not be scored by the old standard, the new one, or both."""

    record: str
    by: str  # old | new | both
    code: str
    field: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "record": self.record,
            "by": self.by,
            "code": self.code,
            "field": self.field,
            "message": self.message,
        }


@dataclass(frozen=True)
class Migration:
    """How the ratings of a set of records move from the old standard to the new one.

    `records` counts the records scored by both; `read` = `records` + `rejected`.
    """

    read: int
    records: int
    rejected: int
    rejected_old: int
    rejected_new: int
    grades: tuple[str, ...]
    """The grades of the matrix, in order: the old standard's, then new ones, then the rest."""
    cells: tuple[tuple[str, str, int], ...]
    """(old grade, new grade, count), non-zero counts only."""
    verdicts: tuple[str, ...]
    verdict_cells: tuple[tuple[str, str, int], ...]
    up: int
    down: int
    same: int
    unscored: int
    """Records without a score on one side (insufficient data), so without a delta."""

    @property
    def matrix(self) -> dict[str, dict[str, int]]:
        return _nest(self.grades, self.cells)

    @property
    def verdict_matrix(self) -> dict[str, dict[str, int]]:
        return _nest(self.verdicts, self.verdict_cells)

    @property
    def grade_changed(self) -> int:
        return sum(n for old, new, n in self.cells if old != new)

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "matrix": self.matrix,
            "read": self.read,
            "rejected": self.rejected,
            "rejected_by": {"old": self.rejected_old, "new": self.rejected_new},
            "grade_changed": self.grade_changed,
            "verdicts": self.verdict_matrix,
            "scores": {
                "up": self.up,
                "down": self.down,
                "same": self.same,
                "unscored": self.unscored,
            },
        }


def _nest(order: Sequence[str], cells: Iterable[tuple[str, str, int]]) -> dict[str, dict[str, int]]:
    found = {(old, new): n for old, new, n in cells}
    out: dict[str, dict[str, int]] = {}
    for old in order:
        row = {new: found[old, new] for new in order if (old, new) in found}
        if row:
            out[old] = row
    return out


@dataclass(frozen=True)
class StandardDiff:
    """Everything that differs between two standards (and, with records, how ratings move)."""

    old: StandardRef
    new: StandardRef
    standard: tuple[Change, ...]
    """Title, effective dates and severities."""
    inputs: Section
    categories: Section
    derived: Section
    rules: Section
    grades: Section
    verdicts: Section
    rating: tuple[Change, ...]
    """Score method, rounding, min_coverage, grade order and the order of grades and verdicts."""
    components: Section
    notes: tuple[str, ...] = ()
    migration: Migration | None = None
    movers: tuple[Mover, ...] | None = None
    rejections: tuple[Rejection, ...] | None = None
    """The first MAX_REJECTIONS rejected records (None without records)."""

    @property
    def identical(self) -> bool:
        """The same rules: nothing differs but (perhaps) the version."""
        return not (
            self.standard
            or self.inputs
            or self.categories
            or self.derived
            or self.rules
            or self.grades
            or self.verdicts
            or self.rating
            or self.components
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON of `qualityscore diff -f json` (DESIGN §7, with more keys)."""
        return {
            "old": self.old.to_dict(),
            "new": self.new.to_dict(),
            "identical": self.identical,
            "standard": [c.to_dict() for c in self.standard],
            "inputs": self.inputs.to_dict(),
            "categories": self.categories.to_dict(),
            "derived": self.derived.to_dict(),
            "rules": self.rules.to_dict(),
            "grades": self.grades.to_dict(),
            "verdicts": self.verdicts.to_dict(),
            "rating": [c.to_dict() for c in self.rating],
            "components": self.components.to_dict(),
            "notes": list(self.notes),
            "migration": self.migration.to_dict() if self.migration else None,
            "movers": [m.to_dict() for m in self.movers] if self.movers is not None else None,
            "rejected": (
                [r.to_dict() for r in self.rejections] if self.rejections is not None else None
            ),
        }


# comparing the standards ----------------------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON (so that True is not 1, and key order does not matter)."""
    if a is None or b is None:
        return a is b
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def field_changes(old: Any, new: Any, prefix: str = "") -> list[Change]:
    """The fields that differ between two canonical values, as dotted paths.

    Mappings are compared key by key; lists of mappings of the same length (table rows) row by row;
    anything else as a whole value (`scale.points` is one value). An absent key is None.
    """
    if _same(old, new):
        return []
    if (isinstance(old, dict) or old is None) and (isinstance(new, dict) or new is None):
        old, new = old or {}, new or {}
        out: list[Change] = []
        for key in dict.fromkeys([*old, *new]):
            out += field_changes(old.get(key), new.get(key), f"{prefix}.{key}" if prefix else key)
        return out
    if (
        isinstance(old, list)
        and isinstance(new, list)
        and len(old) == len(new)
        and all(isinstance(x, dict) for x in [*old, *new])
    ):
        rows: list[Change] = []
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            rows += field_changes(a, b, f"{prefix}[{i}]")
        return rows
    return [Change(prefix, old, new)]


def _section(
    key: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    compare: Callable[[Any, Any], list[Change]] = field_changes,
) -> Section:
    changed = []
    for name in new:
        if name in old:
            changes = compare(old[name], new[name])
            if changes:
                changed.append(Changed(name, tuple(changes)))
    return Section(
        key,
        added=tuple(n for n in new if n not in old),
        removed=tuple(n for n in old if n not in new),
        changed=tuple(changed),
    )


def _kind(rule: Mapping[str, Any]) -> str:
    return next((k for k in _KINDS if k in rule), "points")


def _rule_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    changes = field_changes(
        {k: v for k, v in old.items() if k != "id"}, {k: v for k, v in new.items() if k != "id"}
    )
    if _kind(old) != _kind(new):
        changes.insert(0, Change("kind", _kind(old), _kind(new)))
    return changes


def _keyed(items: Iterable[Mapping[str, Any]], key: str) -> dict[str, Any]:
    """Grades or verdicts by name; a name listed again is `name#2`."""
    out: dict[str, Any] = {}
    for item in items:
        name = str(item[key])
        n = 1
        while (name if n == 1 else f"{name}#{n}") in out:
            n += 1
        out[name if n == 1 else f"{name}#{n}"] = {k: v for k, v in item.items() if k != key}
    return out


def _order_change(what: str, old: Sequence[str], new: Sequence[str]) -> list[Change]:
    common = set(old) & set(new)
    if [x for x in old if x in common] == [x for x in new if x in common]:
        return []
    return [Change(f"{what}.order", list(old), list(new))]


@dataclass(frozen=True)
class _Parts:
    standard: list[Change]
    inputs: Section
    categories: Section
    derived: Section
    rules: Section
    grades: Section
    verdicts: Section
    rating: list[Change]
    components: Section


def _compare(old: Resolved, new: Resolved) -> _Parts:
    a, b = canonical(old), canonical(new)
    standard = field_changes(
        {k: a[k] for k in ("title", "effective", "severities")},
        {k: b[k] for k in ("title", "effective", "severities")},
    )
    rules = _section(
        "rule",
        {r["id"]: r for r in a["rules"]},
        {r["id"]: r for r in b["rules"]},
        _rule_changes,
    )
    categories = _section("category", a["categories"], b["categories"])
    old_grades, new_grades = (
        _keyed(a["rating"]["grades"], "grade"),
        _keyed(b["rating"]["grades"], "grade"),
    )
    old_verdicts, new_verdicts = (
        _keyed(a["rating"]["verdicts"], "verdict"),
        _keyed(b["rating"]["verdicts"], "verdict"),
    )
    plain = ("score", "rounding", "min_coverage", "grade_order")
    rating = field_changes({k: a["rating"][k] for k in plain}, {k: b["rating"][k] for k in plain})
    if not any(c.field == "grade_order" for c in rating):  # else the grades' order is in it
        rating += _order_change("grades", list(old_grades), list(new_grades))
    rating += _order_change("verdicts", list(old_verdicts), list(new_verdicts))
    components, nested_rules, nested_categories = _components(old, new)
    return _Parts(
        standard=standard,
        inputs=_section("input", a["inputs"], b["inputs"]),
        categories=_merge(categories, nested_categories),
        derived=_section("derived", a["derived"], b["derived"]),
        rules=_merge(rules, nested_rules),
        grades=_section("grade", old_grades, new_grades),
        verdicts=_section("verdict", old_verdicts, new_verdicts),
        rating=rating,
        components=components,
    )


def _merge(own: Section, nested: Sequence[Section]) -> Section:
    return Section(
        own.key,
        own.added + tuple(x for s in nested for x in s.added),
        own.removed + tuple(x for s in nested for x in s.removed),
        own.changed + tuple(x for s in nested for x in s.changed),
    )


def _prefixed(section: Section, name: str) -> Section:
    return Section(
        section.key,
        tuple(f"{name}/{x}" for x in section.added),
        tuple(f"{name}/{x}" for x in section.removed),
        tuple(Changed(f"{name}/{c.name}", c.changes) for c in section.changed),
    )


def _components(old: Resolved, new: Resolved) -> tuple[Section, list[Section], list[Section]]:
    """Component changes (weight, optional, title, standard, fingerprint); the rules and categories
    of a component in both are compared too, named `component/rule` as in findings."""
    olds = {c.name: c for c in old.components}
    news = {c.name: c for c in new.components}
    changed: list[Changed] = []
    rules: list[Section] = []
    categories: list[Section] = []
    for name, b in news.items():
        a = olds.get(name)
        if a is None:
            continue
        own = field_changes(
            {"weight": a.spec.weight, "optional": a.spec.optional, "title": a.spec.title},
            {"weight": b.spec.weight, "optional": b.spec.optional, "title": b.spec.title},
        )
        if a.standard.ref != b.standard.ref:
            own.append(Change("standard", a.standard.ref, b.standard.ref))
        old_print, new_print = fingerprint(a.standard), fingerprint(b.standard)
        if old_print != new_print:
            own.append(Change("fingerprint", old_print, new_print))
            nested = _compare(a.standard, b.standard)
            rules.append(_prefixed(nested.rules, name))
            categories.append(_prefixed(nested.categories, name))
        if own:
            changed.append(Changed(name, tuple(own)))
    section = Section(
        "component",
        added=tuple(n for n in news if n not in olds),
        removed=tuple(n for n in olds if n not in news),
        changed=tuple(changed),
    )
    return section, rules, categories


# scoring records with both ------------------------------------------------------------------


def _side(rating: Rating) -> Side:
    return Side(rating.score, rating.grade, rating.verdict)


def _rule_ids(plan: Plan, prefix: str = "") -> set[str]:
    ids = {prefix + r.id for r in plan.rules}
    for component in plan.components:
        ids |= _rule_ids(component.plan, f"{prefix}{component.name}/")
    return ids


def _points(rating: Rating) -> dict[str, float]:
    sums: dict[str, float] = {}
    for finding in rating.findings:
        sums[finding.rule] = sums.get(finding.rule, 0.0) + finding.points
    return sums


def _number(value: float) -> float:
    value = round(value, 6)
    return 0.0 if value == 0 else value  # no -0.0


def _responsible(
    old: Rating, new: Rating, old_ids: set[str], new_ids: set[str]
) -> tuple[RuleMove, ...]:
    a, b = _points(old), _points(new)
    out = []
    for rule in dict.fromkeys([*a, *b]):
        before = _number(a.get(rule, 0.0)) if rule in old_ids or rule in a else None
        after = _number(b.get(rule, 0.0)) if rule in new_ids or rule in b else None
        if before != after:
            out.append(RuleMove(rule, before, after))
    return tuple(out)


def _grade_key(grade: str | None) -> str:
    return NO_GRADE if grade is None else grade


def _order(*orders: Iterable[str], seen: Iterable[str]) -> tuple[str, ...]:
    listed = dict.fromkeys(g for order in orders for g in order)
    listed.update(dict.fromkeys([INSUFFICIENT, NO_GRADE]))
    present = set(seen)
    extra = sorted(present - set(listed))
    return tuple(g for g in [*listed, *extra] if g in present)


def migrate(
    old: CompiledStandard,
    new: CompiledStandard,
    items: Iterable[Item],
    *,
    top: int = 10,
) -> tuple[Migration, tuple[Mover, ...], tuple[Rejection, ...]]:
    """Score every item by both standards: the migration, the `top` movers and the rejections."""
    old_set, new_set = RuleSet([old]), RuleSet([new])
    old_ids, new_ids = _rule_ids(old.plan), _rule_ids(new.plan)
    grades: dict[tuple[str, str], int] = {}
    verdicts: dict[tuple[str, str], int] = {}
    heap: list[tuple[float, int, Mover]] = []
    rejections: list[Rejection] = []
    read = scored = rejected = rejected_old = rejected_new = 0
    up = down = same = unscored = 0
    for index, item in enumerate(items):
        read += 1
        first = item
        if item.text_values:  # CSV text is typed in place by each standard's inputs
            first = dataclasses.replace(item, record=copy.deepcopy(item.record))
        a = score_item(old_set, first, True, "en")
        b = score_item(new_set, item, True, "en")
        if isinstance(a, RecordError) or isinstance(b, RecordError):
            rejected += 1
            rejected_old += isinstance(a, RecordError)
            rejected_new += isinstance(b, RecordError)
            if len(rejections) < MAX_REJECTIONS:
                error = a if isinstance(a, RecordError) else b
                assert isinstance(error, RecordError)
                by = (
                    "both"
                    if isinstance(a, RecordError) and isinstance(b, RecordError)
                    else ("old" if isinstance(a, RecordError) else "new")
                )
                rejections.append(
                    Rejection(error.record, by, error.code, error.field, error.message)
                )
            continue
        scored += 1
        cell = (_grade_key(a.grade), _grade_key(b.grade))
        grades[cell] = grades.get(cell, 0) + 1
        vcell = (_grade_key(a.verdict), _grade_key(b.verdict))
        verdicts[vcell] = verdicts.get(vcell, 0) + 1
        if a.score is None or b.score is None:
            unscored += 1
            continue
        delta = _number(b.score - a.score)
        if delta == 0:
            same += 1
            continue
        if delta > 0:
            up += 1
        else:
            down += 1
        if top <= 0:
            continue
        key = (abs(delta), -index)
        if len(heap) < top or key > heap[0][:2]:
            mover = Mover(a.record, _side(a), _side(b), delta, _responsible(a, b, old_ids, new_ids))
            if len(heap) < top:
                heapq.heappush(heap, (*key, mover))
            else:
                heapq.heapreplace(heap, (*key, mover))
    grade_order = _order(
        old.plan.grade_order, new.plan.grade_order, seen=[g for cell in grades for g in cell]
    )
    verdict_order = _order(
        dict.fromkeys(v.value for v in old.plan.verdicts),
        dict.fromkeys(v.value for v in new.plan.verdicts),
        seen=[v for cell in verdicts for v in cell],
    )
    migration = Migration(
        read=read,
        records=scored,
        rejected=rejected,
        rejected_old=rejected_old,
        rejected_new=rejected_new,
        grades=grade_order,
        cells=_cells(grades, grade_order),
        verdicts=verdict_order,
        verdict_cells=_cells(verdicts, verdict_order),
        up=up,
        down=down,
        same=same,
        unscored=unscored,
    )
    movers = tuple(m for _, _, m in sorted(heap, key=lambda e: (-e[0], -e[1])))
    return migration, movers, tuple(rejections)


def _cells(
    counts: Mapping[tuple[str, str], int], order: Sequence[str]
) -> tuple[tuple[str, str, int], ...]:
    return tuple(
        (old, new, counts[old, new]) for old in order for new in order if (old, new) in counts
    )


def diff_standards(
    old: RuleSet,
    new: RuleSet,
    *,
    records: Iterable[str | Path] | None = None,
    top: int = 10,
) -> StandardDiff:
    """Compare the newest versions of two rule sets; with record files, score them by both.

    `top` is how many of the records whose score moved most to keep.
    """
    a, b = old.standards[-1], new.standards[-1]
    notes = []
    for side, ruleset in (("old", old), ("new", new)):
        if len(ruleset.versions) > 1:
            notes.append(
                f"the {side} spec '{ruleset.spec}' admits {', '.join(ruleset.versions)}; "
                f"comparing the newest, {ruleset.version}"
            )
    if a.fingerprint == b.fingerprint:
        notes.append("the two standards have the same fingerprint")
    parts = _compare(a.resolved, b.resolved)
    migration = movers = rejections = None
    if records is not None:
        migration, movers, rejections = migrate(a, b, read_records(list(records)), top=top)
    return StandardDiff(
        old=a.ref,
        new=b.ref,
        standard=tuple(parts.standard),
        inputs=parts.inputs,
        categories=parts.categories,
        derived=parts.derived,
        rules=parts.rules,
        grades=parts.grades,
        verdicts=parts.verdicts,
        rating=tuple(parts.rating),
        components=parts.components,
        notes=tuple(notes),
        migration=migration,
        movers=movers,
        rejections=rejections,
    )


# text for people -----------------------------------------------------------------------------


def _written(value: Any) -> Any:
    """An expression as its author wrote it (changes are found on the canonical form)."""
    if isinstance(value, Expression):
        return value.written
    if isinstance(value, dict):
        return {k: _written(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_written(v) for v in value]
    return value


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, Expression):  # an expression between quotes it does not contain
        text = value.written
        return f"'{text}'" if '"' in text and "'" not in text else f'"{text}"'
    return json.dumps(_written(value), ensure_ascii=False)


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return str(int(value)) if float(value).is_integer() else str(value)


def _counts(section: Section) -> str:
    parts = [
        f"{len(items)} {word}"
        for items, word in (
            (section.added, "added"),
            (section.removed, "removed"),
            (section.changed, "changed"),
        )
        if items
    ]
    return ", ".join(parts)


def _section_lines(title: str, label: str, section: Section) -> list[str]:
    if not section:
        return []
    rows: list[tuple[str, str]] = []
    rows += [(f"{label} {name}:", "added") for name in section.added]
    rows += [(f"{label} {name}:", "removed") for name in section.removed]
    for item in section.changed:
        rows += [
            (f"{label} {item.name}:", f"{c.field} {_show(c.old)} -> {_show(c.new)}")
            for c in item.changes
        ]
    return [f"{title}: {_counts(section)}", *_aligned(rows), ""]


def _changes_lines(title: str, label: str, changes: Sequence[Change]) -> list[str]:
    if not changes:
        return []
    rows = [(f"{label}:", f"{c.field} {_show(c.old)} -> {_show(c.new)}") for c in changes]
    return [f"{title}: {len(changes)} changed", *_aligned(rows), ""]


def _aligned(rows: Sequence[tuple[str, str]]) -> list[str]:
    width = max((len(left) for left, _ in rows), default=0)
    return [f"  {left:<{width}} {right}" for left, right in rows]


def _table(corner: str, order: Sequence[str], matrix: Mapping[str, Mapping[str, int]]) -> list[str]:
    rows = [o for o in order if o in matrix]
    cols = [o for o in order if any(o in matrix[r] for r in rows)]
    header = [corner, *cols, "total"]
    body = []
    for r in rows:
        counts = [matrix[r].get(c, 0) for c in cols]
        body.append([r, *(str(n) if n else "." for n in counts), str(sum(counts))])
    totals = [sum(matrix[r].get(c, 0) for r in rows) for c in cols]
    body.append(["total", *map(str, totals), str(sum(totals))])
    table = [header, *body]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    return [
        "  "
        + "  ".join(
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        ).rstrip()
        for row in table
    ]


def _points_text(value: float | None) -> str:
    return "(none)" if value is None else _num(value)


def _outcome(side: Side) -> str:
    return f"{_num(side.score)} {side.grade or NO_GRADE}/{side.verdict or NO_GRADE}"


def render_diff(result: StandardDiff) -> str:
    """The diff as text for people: one line per changed field, then the migration tables."""
    old, new = result.old, result.new
    lines = [
        f"{old.id}@{old.version} -> {new.id}@{new.version}",
        f"  old  {old.fingerprint}",
        f"  new  {new.fingerprint}",
        "",
    ]
    lines += [f"note: {n}" for n in result.notes]
    if result.notes:
        lines.append("")
    if result.identical:
        lines += ["no changes: the rules, categories and rating are the same", ""]
    lines += _changes_lines("standard", "standard", result.standard)
    lines += _section_lines("inputs", "input", result.inputs)
    lines += _section_lines("categories", "category", result.categories)
    lines += _section_lines("derived values", "derived", result.derived)
    lines += _section_lines("rules", "rule", result.rules)
    lines += _section_lines("grades", "grade", result.grades)
    lines += _section_lines("verdicts", "verdict", result.verdicts)
    lines += _changes_lines("rating", "rating", result.rating)
    lines += _section_lines("components", "component", result.components)
    migration = result.migration
    if migration is not None:
        lines.append(
            f"migration: {migration.read} records read, {migration.records} scored by both, "
            f"{migration.rejected} rejected"
            + (
                f" ({migration.rejected_old} by the old, {migration.rejected_new} by the new)"
                if migration.rejected
                else ""
            )
        )
        lines.append(
            f"  {migration.grade_changed} changed grade; scores: {migration.up} up, "
            f"{migration.down} down, {migration.same} unchanged"
            + (f", {migration.unscored} without a score" if migration.unscored else "")
        )
        if migration.records:
            lines += ["", *_table("grade old \\ new", migration.grades, migration.matrix)]
            lines += [
                "",
                *_table("verdict old \\ new", migration.verdicts, migration.verdict_matrix),
            ]
        lines.append("")
    if result.movers:
        lines.append(f"moved most (top {len(result.movers)} by score change):")
        rows = [
            [
                m.record,
                _outcome(m.old),
                "->",
                _outcome(m.new),
                ("+" if m.delta > 0 else "") + _num(m.delta),
                "; ".join(
                    f"{r.rule} {_points_text(r.old)} -> {_points_text(r.new)}" for r in m.rules
                ),
            ]
            for m in result.movers
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        for row in rows:
            cells = [
                row[i].rjust(widths[i]) if i == 4 else row[i].ljust(widths[i]) for i in range(5)
            ]
            lines.append(("  " + "  ".join(cells) + "  " + row[5]).rstrip())
        lines.append("")
    if result.rejections:
        shown = result.rejections[:10]
        lines.append("rejected:")
        for r in shown:
            where = f" {r.field}:" if r.field else ""
            lines.append(f"  {r.record} (by {r.by}):{where} {r.code}: {r.message}")
        if result.migration is not None and result.migration.rejected > len(shown):
            lines.append(f"  ... and {result.migration.rejected - len(shown)} more")
        lines.append("")
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"
