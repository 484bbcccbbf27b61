"""JSON Schemas (draft 2020-12): of the standard format, for editors; of a standard's records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qualityscore.standard.spec import StandardSpec

if TYPE_CHECKING:
    from qualityscore.ruleset import RuleSet

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _nullable(node: Any) -> Any:
    """`anyOf: [{type: T, ...}, {type: null}]` as `{type: [T, null], ...}`.

    The two say the same, but validators (and editors) then report a problem inside the value
    (a misspelled key in a rule) where it is, instead of "not valid under any of the schemas".
    """
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {k: _nullable(v) for k, v in node.items()}
    options = node.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
        (other,) = [o for o in options if o != {"type": "null"}]
        if isinstance(other.get("type"), str) and not {"$ref", "anyOf", "oneOf"} & set(other):
            rest = {k: v for k, v in node.items() if k != "anyOf"}
            return {**other, **rest, "type": [other["type"], "null"]}
    return node


def standard_schema() -> dict[str, Any]:
    """The JSON Schema of a standard file (a misspelled key is rejected: no extra properties)."""
    schema = _nullable(StandardSpec.model_json_schema(by_alias=True, mode="validation"))
    return {
        "$schema": DRAFT,
        "$id": "https://qualityscore.dev/schema/standard.json",
        "title": "qualityscore standard",
        "description": "A versioned qualityscore standard (docs/authoring.md).",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def _input_schema(spec: Any, severities: tuple[str, ...]) -> dict[str, Any]:
    kind = spec.type
    out: dict[str, Any]
    if kind == "number":
        out = {"type": "number"}
    elif kind == "integer":
        out = {"type": "integer"}
    elif kind == "text":
        out = {"type": "string"}
    elif kind == "boolean":
        out = {"type": "boolean"}
    elif kind == "date":
        out = {"type": "string", "format": "date"}
    elif kind == "enum":
        out = {"enum": list(spec.values or [])}
    else:
        fields: dict[str, Any] = {
            "code": {"type": "string", "minLength": 1},
            "severity": {"enum": list(severities)},
            "area": {"type": "string"},
            "description": {"type": "string"},
            "count": {"type": "integer", "minimum": 1},
        }
        required = ["code", "severity"]
        for name, extra in (spec.fields or {}).items():
            fields[name] = _input_schema(extra, severities)
            if extra.required:
                required.append(name)
        out = {
            "type": "array",
            "items": {"type": "object", "properties": fields, "required": required},
        }
    if getattr(spec, "min", None) is not None:
        out["minimum"] = spec.min
    if getattr(spec, "max", None) is not None:
        out["maximum"] = spec.max
    title = getattr(spec, "title", None)
    if title:
        out["title"] = title.get("en") or next(iter(title.values()))
    if getattr(spec, "unit", None):
        out["description"] = f"unit: {spec.unit}"
    return out


def record_schema(ruleset: RuleSet) -> dict[str, Any]:
    """The JSON Schema of the records a standard scores (its newest version's inputs)."""
    standard = ruleset.standards[-1]
    root: dict[str, Any] = {"type": "object", "properties": {"id": {"type": ["string", "integer"]}}}
    for path, (spec, severities) in standard.inputs.items():
        node = root
        *groups, leaf = path.split(".")
        for group in groups:
            node = node["properties"].setdefault(group, {"type": "object", "properties": {}})
        node["properties"][leaf] = _input_schema(spec, severities)
        if spec.required:
            node.setdefault("required", []).append(leaf)
    return {
        "$schema": DRAFT,
        "title": f"inspection record for {standard.id}@{standard.version}",
        **root,
    }
