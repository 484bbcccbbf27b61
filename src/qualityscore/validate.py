"""Validate inspection records against a standard's inputs with one pydantic-core validator.

The validator is built once per standard version. Wrong types, values out of range, NaN and
infinity, unknown enum values and severities are `RecordError`s that name the record and the field
path; fields the standard does not declare are ignored (and reported as a warning when they look
like a misspelling of a declared one).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from pydantic_core import PydanticCustomError, SchemaValidator, ValidationError
from pydantic_core import core_schema as cs

from qualityscore.errors import RecordError
from qualityscore.expr.runtime import as_date
from qualityscore.standard.spec import InputSpec
from qualityscore.suggest import closest, one_of


def _date(value: Any) -> dt.date:
    found = as_date(value)
    if found is None:
        raise PydanticCustomError("date_type", "expected a date (YYYY-MM-DD)", {})
    return found


_DEFECT_FIELDS = ("code", "severity", "area", "description", "count")


def _scalar_schema(kind: str, spec: Any) -> cs.CoreSchema:
    lo = getattr(spec, "min", None)
    hi = getattr(spec, "max", None)
    if kind == "number":
        return cs.float_schema(strict=True, allow_inf_nan=False, ge=lo, le=hi)
    if kind == "integer":
        return cs.int_schema(
            strict=True,
            ge=math.ceil(lo) if lo is not None else None,
            le=math.floor(hi) if hi is not None else None,
        )
    if kind == "text":
        return cs.str_schema(strict=True)
    if kind == "boolean":
        return cs.bool_schema(strict=True)
    if kind == "date":
        return cs.no_info_plain_validator_function(_date)
    if kind == "enum":
        return cs.literal_schema(list(spec.values or []))
    raise ValueError(kind)  # pragma: no cover


def _defects_schema(spec: InputSpec, severities: tuple[str, ...]) -> cs.CoreSchema:
    fields: dict[str, cs.TypedDictField] = {
        "code": cs.typed_dict_field(cs.str_schema(strict=True, min_length=1)),
        "severity": cs.typed_dict_field(cs.literal_schema(list(severities))),
        "area": cs.typed_dict_field(cs.str_schema(strict=True), required=False),
        "description": cs.typed_dict_field(cs.str_schema(strict=True), required=False),
        "count": cs.typed_dict_field(
            cs.with_default_schema(cs.int_schema(strict=True, ge=1), default=1), required=False
        ),
    }
    for name, extra in (spec.fields or {}).items():
        fields[name] = cs.typed_dict_field(
            _scalar_schema(extra.type, extra), required=extra.required
        )
    return cs.list_schema(cs.typed_dict_schema(fields, extra_behavior="ignore"))


def _field_schema(spec: InputSpec, severities: tuple[str, ...]) -> cs.TypedDictField:
    schema = (
        _defects_schema(spec, severities)
        if spec.type == "defects"
        else _scalar_schema(spec.type, spec)
    )
    if spec.default is not None and not spec.required:
        default = spec.default
        if spec.type == "number":
            default = float(default)
        return cs.typed_dict_field(cs.with_default_schema(schema, default=default), required=False)
    return cs.typed_dict_field(schema, required=spec.required)


class RecordValidator:
    """Checks records against the inputs of one standard version (built once, used per record)."""

    def __init__(self, inputs: Mapping[str, tuple[InputSpec, tuple[str, ...]]]) -> None:
        self.inputs = {path: spec for path, (spec, _) in inputs.items()}
        self.severities_of = {path: severities for path, (_, severities) in inputs.items()}
        tree: dict[str, Any] = {}
        for path, (spec, severities) in inputs.items():
            node = tree
            *groups, leaf = path.split(".")
            for g in groups:
                node = node.setdefault(g, {})
            node[leaf] = (spec, severities)
        self.groups = {
            path.rsplit(".", i)[0] for path in inputs for i in range(1, path.count(".") + 1)
        }
        self._validator = SchemaValidator(self._schema(tree))
        self._suggestions: dict[str, str | None] = {}
        # for each group ('' is the record itself): the keys it may hold, and its subgroups
        self._children: dict[str, frozenset[str]] = {}
        self._subgroups: dict[str, tuple[tuple[str, str], ...]] = {}
        for prefix in ["", *(g + "." for g in sorted(self.groups))]:
            names = {
                p[len(prefix) :].split(".", 1)[0]
                for p in [*self.inputs, *self.groups]
                if p.startswith(prefix) and p != prefix[:-1]
            }
            self._children[prefix] = frozenset(names)
            self._subgroups[prefix] = tuple(
                (n, f"{prefix}{n}.") for n in sorted(names) if prefix + n in self.groups
            )

    def _schema(self, tree: dict[str, Any]) -> cs.CoreSchema:
        fields: dict[str, cs.TypedDictField] = {}
        for key, node in tree.items():
            if isinstance(node, tuple):
                fields[key] = _field_schema(*node)
            else:
                inner = self._schema(node)
                required = _any_required(node)
                if not required and _any_default(node):
                    fields[key] = cs.typed_dict_field(
                        cs.with_default_schema(inner, default_factory=dict), required=False
                    )
                else:
                    fields[key] = cs.typed_dict_field(inner, required=required)
        return cs.typed_dict_schema(fields, extra_behavior="ignore")

    def validate(self, record: Any, record_id: str) -> dict[str, Any]:
        """The record with its declared fields checked (and defaults filled in); raises RecordError."""
        if not isinstance(record, dict):
            raise RecordError(
                "record-not-object",
                f"a record is a mapping of fields, but this is {_kind(record)}",
                record=record_id,
            )
        try:
            result: dict[str, Any] = self._validator.validate_python(record)
        except ValidationError as exc:
            raise self._error(exc, record_id) from None
        return result

    def _error(self, exc: ValidationError, record_id: str) -> RecordError:
        errors = exc.errors(include_url=False)
        first = errors[0]
        path = _path(first["loc"])
        if first["type"] == "missing" and path in self.groups:
            # a whole group is absent: name the required field in it
            required = sorted(
                p for p, s in self.inputs.items() if p.startswith(path + ".") and s.required
            )
            path = required[0] if required else path
        code, message, hint = self._describe(first, path)
        more = len(errors) - 1
        if more:
            message += f" (and {more} more problem{'s' * (more > 1)} in this record)"
        return RecordError(code, message, record=record_id, field=path or None, hint=hint)

    def _describe(self, error: Any, path: str) -> tuple[str, str, str | None]:
        kind = error["type"]
        value = error.get("input")
        spec = self.inputs.get(path)
        shown = _kind(value)
        if kind == "missing":
            return "record-missing-field", f"{path} is required but missing", None
        if kind == "finite_number":
            return "record-not-finite", f"{path} is {value}, not a finite number", None
        if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
            if spec is None:  # a defect's count
                limit = next(iter(error.get("ctx", {}).values()), "?")
                words = {"greater_than_equal": "at least", "less_than_equal": "at most"}
                bound = f"{words.get(kind, kind.replace('_', ' '))} {limit}"
                return "record-out-of-range", f"{path} is {value}, but must be {bound}", None
            bounds = f"[{_num(spec.min)}, {_num(spec.max)}]"
            unit = f" {spec.unit}" if spec.unit else ""
            return (
                "record-out-of-range",
                f"{path} is {value}{unit}, outside the allowed range {bounds}",
                None,
            )
        if kind == "literal_error":
            defects, _, rest = path.partition("[")
            extra = self.inputs.get(defects)
            # an extra field of a recorded defect (defects[0].zone) lists its values in `fields`
            field_spec = (extra.fields or {}).get(rest.partition(".")[2]) if extra else None
            allowed = (
                list(spec.values or [])
                if spec is not None and spec.values
                else list(field_spec.values or [])
                if field_spec is not None and field_spec.values
                else list(self.severities_of.get(defects, ()))
                if path.endswith(".severity")
                else []
            )
            what = "severity" if path.endswith(".severity") and spec is None else "value"
            suggestion = closest(str(value), allowed) if isinstance(value, str) else None
            hint = f"did you mean '{suggestion}'?" if suggestion else None
            return (
                "record-unknown-value",
                f"{path} is {value!r}, which is not a known {what}; expected {one_of(allowed)}",
                hint,
            )
        expected = {
            "float_type": "a number",
            "int_type": "an integer",
            "string_type": "text",
            "bool_type": "true or false",
            "date_type": "a date (YYYY-MM-DD)",
            "list_type": "a list",
            "dict_type": "a mapping",
            "string_too_short": "non-empty text",
        }.get(kind)
        if expected is not None:
            hint = None
            if value is None:
                hint = "leave the field out when there is no value"
            elif isinstance(value, str) and kind in ("float_type", "int_type"):
                hint = "write the number without quotes"
            return "record-wrong-type", f"{path} should be {expected}, but is {shown}", hint
        return "record-invalid", f"{path}: {error['msg']}", None

    def misspelled(self, record: Mapping[str, Any]) -> list[str]:
        """Warnings for undeclared fields that look like a misspelling of a declared input."""
        warnings: list[str] = []
        self._check_level(record, record, "", warnings)
        return warnings

    def _check_level(
        self, record: Mapping[str, Any], node: Mapping[str, Any], prefix: str, out: list[str]
    ) -> None:
        unknown = node.keys() - self._children.get(prefix, _NOTHING)
        if unknown:
            suggestions = self._suggestions
            for key in unknown:
                path = prefix + key
                if path in suggestions:
                    match = suggestions[path]
                else:
                    match = closest(path, self.inputs, cutoff=0.8) if path != "id" else None
                    if len(suggestions) < 10_000:  # records of a batch share their field names
                        suggestions[path] = match
                if match is not None and not _present(record, match):
                    out.append(
                        f"'{path}' is not an input of this standard (did you mean '{match}'?); "
                        "its rules are not assessed"
                    )
        for sub, sub_prefix in self._subgroups.get(prefix, ()):
            value = node.get(sub)
            if value.__class__ is dict:
                self._check_level(record, value, sub_prefix, out)


def _present(record: Mapping[str, Any], path: str) -> bool:
    node: Any = record
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


_NOTHING: frozenset[str] = frozenset()


def _any_required(tree: dict[str, Any]) -> bool:
    return any(
        (isinstance(node, tuple) and node[0].required)
        or (isinstance(node, dict) and _any_required(node))
        for node in tree.values()
    )


def _any_default(tree: dict[str, Any]) -> bool:
    return any(
        (isinstance(node, tuple) and node[0].default is not None)
        or (isinstance(node, dict) and _any_default(node))
        for node in tree.values()
    )


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith(("function-", "literal[")):
            continue
        else:
            out += ("." if out else "") + part
    return out


def _num(value: float | None) -> str:
    if value is None:
        return "..."
    return str(int(value)) if float(value).is_integer() else str(value)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, dt.date):  # YAML reads 2024-05-01 as a date
        return f"the date {value.isoformat()}"
    return type(value).__name__
