"""Read a standard file into a `StandardSpec`, turning every schema problem into a positioned diagnostic."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from qualityscore.errors import Diagnostic, StandardError
from qualityscore.source import SourceText, Span
from qualityscore.standard import spec as s
from qualityscore.suggest import did_you_mean, one_of
from qualityscore.yamlio import Located, LocDict, load_yaml, locate

_WHAT: dict[type[BaseModel], str] = {
    s.StandardSpec: "the standard",
    s.InputSpec: "an input",
    s.DefectFieldSpec: "a defect field",
    s.CategorySpec: "a category",
    s.RuleSpec: "a rule",
    s.ScaleSpec: "a scale",
    s.TableRowSpec: "a table row",
    s.DefectsSpec: "a defects rule",
    s.DerivedSpec: "a derived value",
    s.GradeSpec: "a grade",
    s.VerdictSpec: "a verdict",
    s.RoundingSpec: "rounding",
    s.RatingSpec: "the rating",
    s.ComponentSpec: "a component",
    s.EffectiveSpec: "effective",
    s.ExpectSpec: "a test's expect",
    s.TestCaseSpec: "a test",
}
_EXPECTED = {
    "string_type": "text",
    "float_type": "a number",
    "int_type": "an integer",
    "int_from_float": "an integer",
    "bool_type": "true or false",
    "date_type": "a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "a date without a time",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "finite_number": "a finite number",
}
_PATTERNS = {
    s.ID_PATTERN: "an id of lowercase letters, digits, '-' and '.' (e.g. roadworthiness-eu)",
    s.RULE_ID_PATTERN: "a rule id of letters, digits, '-', '_' and '.' (e.g. tyre-tread)",
    s.NAME_PATTERN: "a name of letters, digits, '_', '+' and '-', starting with a letter",
    s.FIELD_PATTERN: "a field path of identifiers joined by dots (e.g. measurements.tyre_tread_mm)",
    s.LANG_PATTERN: "a language code such as en, ru or pt-BR",
    s.SEMVER_PATTERN: "a semantic version MAJOR.MINOR.PATCH (e.g. 1.0.0)",
    r"^[A-Za-z][A-Za-z0-9_]*$": "an identifier (letters, digits and '_')",
    r"^[a-z][A-Za-z0-9_]*$": "an identifier starting with a lowercase letter",
}


def parse_standard(source: SourceText) -> s.StandardSpec:
    """Validate the YAML of one standard against the format; raises StandardError."""
    data = load_yaml(source)
    if data is None:
        raise StandardError(
            [
                Diagnostic(
                    "empty-standard",
                    "the file is empty: it holds no YAML, only blank lines or comments",
                    source.span(0),
                    "run `qualityscore new ID` for a standard to start from",
                )
            ]
        )
    if not isinstance(data, LocDict):
        raise StandardError(
            [
                Diagnostic(
                    "wrong-type",
                    f"a standard is a mapping of keys, but this file holds {s._describe(data)}",
                    source.span(0),
                )
            ]
        )
    try:
        return s.StandardSpec.model_validate(data)
    except ValidationError as exc:
        raise StandardError(validation_diagnostics(exc, data, s.StandardSpec)) from None


def dump_standard(spec: s.StandardSpec) -> str:
    """A standard as YAML text that `parse_standard` reads back into an equal StandardSpec."""
    import yaml

    data = spec.model_dump(mode="python", by_alias=True, exclude_none=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def validation_diagnostics(
    exc: ValidationError, root: LocDict, model: type[BaseModel]
) -> list[Diagnostic]:
    """One diagnostic per pydantic error, at the position of the value (or key) concerned."""
    found: dict[tuple[str, int, int, str], Diagnostic] = {}
    errors = exc.errors(include_url=False)
    # A misspelled required key is one problem, not two: the unknown key's "did you mean" says it.
    misspelled = {
        (_clean_loc(tuple(e["loc"]))[:-1], hint)
        for e in errors
        if e["type"] == "extra_forbidden"
        for hint in [_diagnostic(e, root, model).hint]
        if hint
    }
    for error in errors:
        loc = _clean_loc(tuple(error["loc"]))
        if error["type"] == "missing" and (loc[:-1], f"did you mean '{loc[-1]}'?") in misspelled:
            continue
        diagnostic = _diagnostic(error, root, model)
        span = diagnostic.span
        key = (
            (span.file, span.line, span.col, diagnostic.code)
            if span
            else ("", 0, 0, diagnostic.message)
        )
        if key not in found:  # union members repeat the same problem
            found[key] = diagnostic
    return sorted(found.values(), key=lambda d: (d.span.line, d.span.col) if d.span else (0, 0))


def _clean_loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """Drop the parts pydantic adds for unions and validators ('function-plain[...]', 'str')."""
    out: list[int | str] = []
    for part in loc:
        if isinstance(part, str) and (
            ("[" in part and part != "[key]") or part in ("str", "float", "int", "dict[str,float]")
        ):
            continue
        out.append(part)
    return tuple(out)


def _model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class reached by following `loc` through field annotations."""
    current: Any = model
    for part in loc:
        current = _strip(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(str(part)) or next(
                (f for f in current.model_fields.values() if f.alias == part), None
            )
            if info is None:
                return None
            current = info.annotation
        elif typing.get_origin(current) in (list, dict):
            current = typing.get_args(current)[-1]
        else:
            return None
    current = _strip(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _strip(annotation: Any) -> Any:
    """Remove Annotated and Optional around a type (the first non-None member of a union)."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
            annotation = (models or members)[0]
        else:
            return annotation


def _diagnostic(error: ErrorDetails, root: LocDict, model: type[BaseModel]) -> Diagnostic:
    loc = _clean_loc(tuple(error["loc"]))
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1])
        parent, located = locate(root, loc)
        owner = _model_at(model, loc[:-1])
        allowed = sorted(f.alias or name for name, f in owner.model_fields.items()) if owner else []
        what = _WHAT.get(owner, "this mapping") if owner else "this mapping"
        hint = did_you_mean(key, allowed) or (
            f"the keys of {what} are {one_of(allowed)}" if allowed else None
        )
        return Diagnostic(
            "unknown-key",
            f"unknown key '{key}' in {what}",
            located.key_span if located else _container_span(parent, root),
            hint,
        )
    if kind == "missing":
        key = str(loc[-1])
        parent, located = locate(root, loc[:-1])
        owner = _model_at(model, loc[:-1])
        what = _WHAT.get(owner, "this mapping") if owner else "this mapping"
        name = _identify(parent)
        return Diagnostic(
            "missing-key",
            f"{what}{name} has no '{key}', which is required",
            located.key_span if located and located.key_span else _container_span(parent, root),
            f"add '{key}: ...'",
        )
    container, located = locate(root, loc)
    span = _value_span(loc, container, located, root)
    if loc and loc[-1] == "[key]":
        span = located.key_span if located and located.key_span else span
        key = str(loc[-2]) if len(loc) >= 2 else str(value)
        hint = None
        if container is None:
            hint = "a comma inside { } starts a new entry: quote text that contains a comma"
        return Diagnostic("invalid-value", f"'{key}' is not {_pattern_text(error)}", span, hint)
    if kind in _EXPECTED:
        expected = _EXPECTED[kind]
        return Diagnostic(
            "wrong-type",
            f"expected {expected}, found {s._describe(value)}",
            span,
            _yaml_hint(kind, value, located, root),
        )
    if kind == "literal_error":
        allowed = [
            a.strip().strip("'")
            for a in str(error.get("ctx", {}).get("expected", "")).replace(" or ", ",").split(",")
        ]
        allowed = [a for a in allowed if a]
        return Diagnostic(
            "invalid-value",
            f"{s._describe(value)} is not allowed here; expected {one_of(allowed)}",
            span,
            did_you_mean(str(value), allowed),
        )
    if kind == "string_pattern_mismatch":
        return Diagnostic("invalid-value", f"{value!r} is not {_pattern_text(error)}", span)
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        ctx = error.get("ctx", {})
        bound = next(iter(ctx.values()), "?")
        words = {
            "greater_than_equal": "at least",
            "greater_than": "more than",
            "less_than_equal": "at most",
            "less_than": "less than",
        }[kind]
        return Diagnostic(
            "invalid-value", f"{value!r} is out of range: it must be {words} {bound}", span
        )
    if kind in ("too_short", "too_long"):
        ctx = error.get("ctx", {})
        what = "the mapping" if isinstance(value, dict) else "the list"
        count = ctx.get("actual_length")
        limit = (
            f"at least {ctx.get('min_length')}"
            if kind == "too_short"
            else f"at most {ctx.get('max_length')}"
        )
        noun = ("entry", "entries") if isinstance(value, dict) else ("item", "items")
        return Diagnostic(
            "invalid-value", f"{what} has {count} {noun[count != 1]}, but needs {limit}", span
        )
    if kind == "number_or_expression":
        return Diagnostic(
            "wrong-type", error["msg"], span, _yaml_hint("string_type", value, located, root)
        )
    return Diagnostic("invalid-value", error["msg"], span)


def _pattern_text(error: ErrorDetails) -> str:
    pattern = str(error.get("ctx", {}).get("pattern", ""))
    return _PATTERNS.get(pattern, f"of the form {pattern}")


def _identify(container: Any) -> str:
    """` 'tyre-tread'` for a rule mapping with an id, else ''."""
    if isinstance(container, dict):
        for key in ("id", "standard", "grade", "verdict", "name"):
            value = container.get(key)
            if isinstance(value, str):
                return f" '{value}'"
    return ""


def _container_span(container: Any, root: LocDict) -> Span:
    span = getattr(container, "span", None)
    return span if isinstance(span, Span) else root.span


def _value_span(
    loc: tuple[int | str, ...], container: Any, located: Located | None, root: LocDict
) -> Span:
    if located is not None:
        return located.span
    return _container_span(container, root)


def _yaml_hint(kind: str, value: Any, located: Located | None, root: LocDict) -> str | None:
    """Explain YAML 1.1 surprises: `no` read as a boolean, `1.10` as the number 1.1."""
    raw = None
    if located is not None and root.span.source is not None:
        raw = root.span.source.text[located.start : located.end].strip()
    if kind == "string_type" and raw:
        if isinstance(value, bool):
            return f"YAML reads {raw} as the boolean {str(value).lower()}; quote it: '{raw}'"
        if isinstance(value, int | float):
            return f"YAML reads {raw} as the number {value}; quote it: '{raw}'"
        if value is None:
            return "the value is empty; write it, or remove the key"
        import datetime as dt

        if isinstance(value, dt.date):
            return f"YAML reads {raw} as a date; quote it: '{raw}'"
    if kind == "date_type" and isinstance(value, str):
        return "write the date unquoted, as YYYY-MM-DD"
    if kind in ("float_type", "int_type") and isinstance(value, str):
        if raw and not raw.startswith(("'", '"')):
            return f"YAML 1.1 reads {raw} as text; write the exponent with a dot and a sign: 1.0e-6"
        return "write the number without quotes"
    return None
