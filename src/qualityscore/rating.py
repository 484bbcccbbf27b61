"""The rating: an immutable result whose attributes are the fields of the JSON contract (DESIGN §6)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

OUTCOMES = ("pass", "fail", "points", "defect", "not_applicable", "not_assessed")
"""What a rule can come to: `fail` (a check failed or a row with a severity matched), `points`
(it moved points), `defect` (it matched a recorded defect), or it passed, did not apply, or could
not be assessed for lack of data."""


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    """A value as JSON has it (dates as YYYY-MM-DD); the common flat cases first, for speed."""
    cls = value.__class__
    if cls in _SCALARS:
        return value
    if cls is dict:
        scalars = _SCALARS
        return {str(k): v if v.__class__ in scalars else _plain(v) for k, v in value.items()}
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class Finding(NamedTuple):
    """One rule that failed, matched a defect, or moved points; `points` is signed."""

    rule: str
    category: str
    outcome: str
    severity: str | None
    points: float
    message: str
    values: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "category": self.category,
            "outcome": self.outcome,
            "severity": self.severity,
            "points": self.points,
            "message": self.message,
            "values": _plain(self.values),
        }


class CategoryScore(NamedTuple):
    """A category's score (None when none of its rules could be assessed), its max and weight."""

    score: float | None
    max: float
    weight: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "max": self.max, "weight": self.weight}


class CategoryScores(Mapping[str, CategoryScore]):
    """The category scores of a rating: an immutable mapping built from the scorer's tuple."""

    __slots__ = ("_index", "_info", "_scores")

    def __init__(
        self,
        index: Mapping[str, int],
        info: tuple[tuple[float, float | None], ...],
        scores: tuple[float | None, ...],
    ) -> None:
        self._index = index
        self._info = info
        self._scores = scores

    def __getitem__(self, name: str) -> CategoryScore:
        i = self._index[name]
        return CategoryScore(self._scores[i], *self._info[i])

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return repr(dict(self.items()))


class StandardRef(NamedTuple):
    """Which standard produced a rating: id, version and the sha256 fingerprint of its rules."""

    id: str
    version: str
    fingerprint: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "fingerprint": self.fingerprint}


class ComponentResult(NamedTuple):
    """What one component of a composite standard came to."""

    standard: StandardRef
    score: float | None
    grade: str | None
    verdict: str | None
    coverage: float
    weight: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "standard": self.standard.to_dict(),
            "score": self.score,
            "grade": self.grade,
            "verdict": self.verdict,
            "coverage": self.coverage,
            "weight": self.weight,
        }


_EMPTY: Mapping[str, Any] = MappingProxyType({})


class Rating(NamedTuple):
    """The rating of one inspection record under one version of a standard.

    Immutable; its attributes are the fields of the JSON contract. (A named tuple: building one
    costs a tenth of a frozen dataclass, which matters when millions are made.)
    """

    record: str
    standard: StandardRef
    score: float | None
    grade: str | None
    verdict: str | None
    coverage: float
    categories: Mapping[str, CategoryScore]
    findings: tuple[Finding, ...] = ()
    not_assessed: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    components: Mapping[str, ComponentResult] = _EMPTY

    def __reduce__(self) -> tuple[Any, ...]:  # picklable, for batches scored by worker processes
        return (
            _rating,
            (
                self.record,
                self.standard,
                self.score,
                self.grade,
                self.verdict,
                self.coverage,
                dict(self.categories),
                self.findings,
                self.not_assessed,
                self.warnings,
                dict(self.components),
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        """The rating as the JSON contract of DESIGN §6 (plus `warnings`, and `components` if any)."""
        out: dict[str, Any] = {
            "record": self.record,
            "standard": self.standard.to_dict(),
            "score": self.score,
            "grade": self.grade,
            "verdict": self.verdict,
            "coverage": self.coverage,
            "categories": {name: c.to_dict() for name, c in self.categories.items()},
            "findings": [f.to_dict() for f in self.findings],
            "not_assessed": list(self.not_assessed),
            "warnings": list(self.warnings),
        }
        if self.components:
            out["components"] = {name: c.to_dict() for name, c in self.components.items()}
        return out


def _rating(
    record: str,
    standard: StandardRef,
    score: float | None,
    grade: str | None,
    verdict: str | None,
    coverage: float,
    categories: dict[str, CategoryScore],
    findings: tuple[Finding, ...],
    not_assessed: tuple[str, ...],
    warnings: tuple[str, ...],
    components: dict[str, ComponentResult],
) -> Rating:
    return Rating(
        record,
        standard,
        score,
        grade,
        verdict,
        coverage,
        MappingProxyType(categories),
        findings,
        not_assessed,
        warnings,
        MappingProxyType(components),
    )
