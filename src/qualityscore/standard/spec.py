"""The standard format (DESIGN §3) as strict pydantic models: a misspelled key is an error.

Every model built from YAML remembers the mapping it came from (`where`), so that later passes
(semantic checks, expressions) can point at the exact file, line and column of any value.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from qualityscore.source import Span
from qualityscore.yamlio import Located, LocDict

ID_PATTERN = r"^[a-z0-9][a-z0-9.-]*$"
RULE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_+-]*$"
FIELD_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$"
LANG_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$"
SEMVER_PATTERN = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$"

INPUT_TYPES = ("number", "integer", "text", "boolean", "date", "enum", "defects")
SCORE_METHODS = ("weighted_mean", "min", "sum")
HIT_POLICIES = ("first", "sum", "max")
CATEGORY_MODES = ("deduct", "award")
INSUFFICIENT = "insufficient-data"
"""The grade of a rating whose coverage is below the standard's min_coverage."""


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text ({value!r})"
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, dt.datetime):
        return f"a date and time ({value.isoformat()})"
    if isinstance(value, dt.date):
        return f"a date ({value.isoformat()})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _number_or_expression(value: Any) -> float | str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PydanticCustomError(
            "number_or_expression",
            "expected a number or an expression, found {found}",
            {"found": _describe(value)},
        )
    if isinstance(value, float) and math.isnan(value):
        raise PydanticCustomError("number_or_expression", "expected a number, found NaN", {})
    return float(value) if not isinstance(value, str) else value


def _text_shorthand(value: Any) -> Any:
    """`title: Brakes` is short for `title: {en: Brakes}`."""
    return {"en": value} if isinstance(value, str) else value


NumberOrExpr = Annotated[
    float | str,
    PlainValidator(_number_or_expression),
    WithJsonSchema({"oneOf": [{"type": "number"}, {"type": "string", "minLength": 1}]}),
]
"""A number, or an expression (text) that computes one."""

Text = Annotated[
    dict[Annotated[str, Field(pattern=LANG_PATTERN)], str],
    BeforeValidator(_text_shorthand),
    Field(min_length=1),
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "string"},
                {
                    "type": "object",
                    "propertyNames": {"pattern": LANG_PATTERN},
                    "additionalProperties": {"type": "string"},
                    "minProperties": 1,
                },
            ],
            "description": "Text in one or more languages: {en: ..., ru: ...} (a plain string is English)",
        }
    ),
]
"""Text in several languages, keyed by language code."""

Expression = Annotated[str, Field(min_length=1, description="An expression (docs/expressions.md)")]
Name = Annotated[str, Field(pattern=NAME_PATTERN)]


class Spec(BaseModel):
    """Base of the format's models: strict, no unknown keys, immutable, and aware of its source."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)
    _where: LocDict | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _remember_source(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        model = handler(data)
        if isinstance(data, LocDict) and isinstance(model, Spec):
            assert model.__pydantic_private__ is not None
            model.__pydantic_private__["_where"] = data
        return model

    @property
    def origin(self) -> LocDict | None:
        """The YAML mapping this model was built from, if it came from YAML."""
        return self._where

    def span(self, key: str | None = None, *, of_key: bool = False) -> Span | None:
        """Where the value of `key` (or this whole mapping) is in its file."""
        where = self._where
        if where is None:
            return None
        if key is None:
            return where.span
        located = where.located.get(key)
        if located is None:
            return where.span
        return (located.key_span or located.span) if of_key else located.span

    def located(self, key: str) -> Located | None:
        where = self._where
        return where.located.get(key) if where is not None else None


class DefectFieldSpec(Spec):
    """An extra field of the recorded defects (beyond code, severity, area, description, count)."""

    type: Literal["number", "integer", "text", "boolean", "date", "enum"]
    values: list[str] | None = None
    min: float | None = None
    max: float | None = None
    required: bool = False
    title: Text | None = None


class InputSpec(Spec):
    """One field that rules may read; records are validated against it."""

    type: Literal["number", "integer", "text", "boolean", "date", "enum", "defects"]
    title: Text | None = None
    description: str | None = None
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    values: list[str] | None = Field(default=None, description="The allowed values of an enum")
    default: Any = Field(default=None, description="Used when a record does not have the field")
    required: bool = Field(default=False, description="Reject records that lack the field")
    fields: (
        dict[Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")], DefectFieldSpec] | None
    ) = Field(default=None, description="Extra fields of the recorded defects")


class CategorySpec(Spec):
    title: Text | None = None
    description: str | None = None
    weight: float | None = Field(default=None, ge=0, le=1)
    max: float = Field(default=100.0, gt=0)
    mode: Literal["deduct", "award"] = "deduct"


class ScaleSpec(Spec):
    of: Expression
    points: list[Annotated[list[float], Field(min_length=2, max_length=2)]] = Field(min_length=2)


class TableRowSpec(Spec):
    when: Expression
    severity: Name | None = None
    points: NumberOrExpr | None = None
    message: Text | None = None


class DefectsSpec(Spec):
    of: Annotated[str, Field(pattern=FIELD_PATTERN)] = "defects"
    where: Expression | None = None
    points: NumberOrExpr | dict[Name, float] = 0.0
    cap: float | None = Field(default=None, ge=0)


class RuleSpec(Spec):
    """A rule: exactly one of require, scale, table, defects, or a points formula."""

    id: Annotated[str, Field(pattern=RULE_ID_PATTERN)]
    title: Text | None = None
    description: str | None = None
    category: Name
    source: str | None = Field(default=None, description="Where the rule comes from")
    when: Expression | None = None
    severity: Name | None = None
    message: Text | None = None
    require: Expression | None = None
    scale: ScaleSpec | None = None
    table: list[TableRowSpec] | None = Field(default=None, min_length=1)
    hit: Literal["first", "sum", "max"] | None = None
    defects: DefectsSpec | None = None
    points: NumberOrExpr | None = None

    @property
    def kind(self) -> str:
        for kind in ("require", "scale", "table", "defects"):
            if getattr(self, kind) is not None:
                return kind
        return "points"


class DerivedSpec(Spec):
    value: Expression
    title: Text | None = None
    unit: str | None = None


def _derived_shorthand(value: Any) -> Any:
    return {"value": value} if isinstance(value, str) else value


Derived = Annotated[DerivedSpec, BeforeValidator(_derived_shorthand)]


class GradeSpec(Spec):
    grade: Annotated[str, Field(min_length=1)]
    when: Expression | None = None
    title: Text | None = None


class VerdictSpec(Spec):
    verdict: Annotated[str, Field(min_length=1)]
    when: Expression | None = None
    title: Text | None = None


class RoundingSpec(Spec):
    places: int = Field(default=1, ge=0, le=6)
    mode: Literal["half_up", "half_even", "floor", "ceil"] = "half_up"


class RatingSpec(Spec):
    score: Literal["weighted_mean", "min", "sum"] | None = None
    rounding: RoundingSpec | None = None
    grades: list[GradeSpec] | None = Field(default=None, min_length=1)
    verdicts: list[VerdictSpec] | None = Field(default=None, min_length=1)
    grade_order: list[str] | None = Field(
        default=None,
        description="The grades from best to worst (for --fail-under); default: as listed",
    )
    min_coverage: float | None = Field(default=None, ge=0, le=1)


class ComponentSpec(Spec):
    """A whole standard that enters a composite like a category."""

    standard: Annotated[str, Field(min_length=1, description="id@range of the standard")]
    weight: float | None = Field(default=None, ge=0, le=1)
    title: Text | None = None
    optional: bool = Field(
        default=False,
        description="Leave the component out (rather than count it as not assessed) when the "
        "record has none of its data",
    )


class EffectiveSpec(Spec):
    from_: dt.date = Field(alias="from")
    until: dt.date | None = None


class ExpectSpec(Spec):
    score: float | None = None
    grade: str | None = None
    verdict: str | None = None
    coverage: float | None = None
    version: str | None = None
    findings: list[str] | None = None
    not_assessed: list[str] | None = None
    categories: dict[str, float | None] | None = None
    error: str | None = Field(default=None, description="The code of the record error expected")


class TestCaseSpec(Spec):
    __test__ = False  # not a pytest test class

    name: Annotated[str, Field(min_length=1)]
    record: dict[str, Any]
    expect: ExpectSpec


class StandardSpec(Spec):
    """One version of a standard, as written (before `extends` and `components` are resolved)."""

    standard: Annotated[str, Field(pattern=ID_PATTERN, max_length=100)]
    version: Annotated[str, Field(pattern=SEMVER_PATTERN)]
    title: Text
    description: str | None = None
    sources: list[str] | None = Field(default=None, description="Documents the rules come from")
    effective: EffectiveSpec | None = None
    extends: str | None = Field(default=None, description="id@range of a standard to inherit")
    remove: list[str] | None = Field(default=None, description="Inherited rules to drop")
    inputs: dict[Annotated[str, Field(pattern=FIELD_PATTERN)], InputSpec] | None = None
    severities: list[Name] | None = Field(default=None, min_length=1)
    categories: dict[Name, CategorySpec] | None = None
    derived: dict[Annotated[str, Field(pattern=r"^[a-z][A-Za-z0-9_]*$")], Derived] | None = None
    rules: list[RuleSpec] | None = None
    components: dict[Name, ComponentSpec] | None = None
    rating: RatingSpec | None = None
    tests: list[TestCaseSpec] | None = None

    @property
    def ref(self) -> str:
        return f"{self.standard}@{self.version}"


def semver_key(version: str) -> tuple[int, int, int, int, str]:
    """Sort key of a semantic version; a pre-release sorts before its release."""
    match = re.match(SEMVER_PATTERN, version)
    if match is None:
        return (0, 0, 0, 0, version)
    major, minor, patch, pre = match.groups()
    return (int(major), int(minor), int(patch), 0 if pre else 1, pre or "")
