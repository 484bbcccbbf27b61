"""Fingerprints: the sha256 of a standard's canonical resolved form.

The canonical form is what the rules mean, not how they are written: the resolved standard (parents
merged in, components included) as JSON with sorted keys, defaults made explicit, whole numbers
written as integers and every expression re-printed from its syntax tree. Comments, key order,
flow or block style, quoting and the spacing inside expressions do not change it; any change of a
threshold, points, severity, condition, weight, title or grade band does.
"""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import json
from typing import Any

from qualityscore.standard import spec as s
from qualityscore.standard.resolve import Resolved

_EXPRESSION_KEYS = frozenset({"when", "require", "of", "where", "value"})
_MAYBE_EXPRESSION_KEYS = frozenset({"points"})


class _WholeNumbers(ast.NodeTransformer):
    """90.0 and 90 mean the same in an expression: write both as 90."""

    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        value = node.value
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            return ast.Constant(int(value))
        return node


class Expression(str):
    """A canonical expression that remembers how it was written (for showing it in a diff).

    It is the canonical text for comparing and hashing; `written` is the author's text.
    """

    written: str

    def __new__(cls, canonical: str, written: str) -> Expression:
        made = super().__new__(cls, canonical)
        made.written = written
        return made


def canonical_expression(text: str) -> str:
    """An expression re-printed from its syntax tree (spacing, quotes, parentheses and numbers
    such as 90.0 normalised)."""
    try:
        tree = ast.parse("(\n" + text + "\n)", mode="eval")
    except SyntaxError:
        return Expression(text.strip(), text.strip())
    return Expression(ast.unparse(_WholeNumbers().visit(tree)), " ".join(text.split()))


def _normal(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {str(k): _normal(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normal(v, key if key == "rows" else None) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and (key in _EXPRESSION_KEYS or key in _MAYBE_EXPRESSION_KEYS):
        return canonical_expression(value)
    return value


def _dump(model: s.Spec) -> Any:
    return model.model_dump(mode="python", by_alias=True, exclude_none=True)


def canonical(resolved: Resolved) -> dict[str, Any]:
    """The canonical resolved form of a standard (what its fingerprint is the hash of)."""
    rating = resolved.rating
    rules = []
    for rule in resolved.rules:
        data = _dump(rule)
        for doc_key in ("description", "source"):
            data.pop(doc_key, None)
        # what is the same whether written or left out is made explicit: hit, points, of
        if rule.kind == "table":
            data.setdefault("hit", "first")
            for row in data["table"]:
                row.setdefault("points", 0)
        elif rule.kind in ("require", "points"):
            data.setdefault("points", 0)
        elif rule.kind == "defects":
            data["defects"].setdefault("of", "defects")
            data["defects"].setdefault("points", 0)
        rules.append(data)
    result: dict[str, Any] = _normal(
        {
            "standard": resolved.id,
            "version": resolved.version,
            "title": resolved.title,
            "effective": _dump(resolved.effective) if resolved.effective else None,
            "inputs": {
                k: _without(_dump(v), "description") for k, v in sorted(resolved.inputs.items())
            },
            "severities": list(resolved.severities),
            "categories": {
                k: _without({"mode": "deduct", "max": 100.0, **_dump(v)}, "description")
                for k, v in resolved.categories.items()
            },
            "derived": {k: _dump(v) for k, v in resolved.derived.items()},
            "rules": rules,
            "rating": {
                "score": rating.score,
                "rounding": _dump(rating.rounding)
                | {"places": rating.rounding.places, "mode": rating.rounding.mode},
                "grades": [_dump(g) for g in rating.grades],
                "verdicts": [_dump(v) for v in rating.verdicts],
                "min_coverage": rating.min_coverage,
                "grade_order": list(rating.grade_order or [g.grade for g in rating.grades]),
            },
            "components": {
                c.name: {
                    "weight": c.spec.weight,
                    "optional": c.spec.optional,
                    "title": c.spec.title,
                    "standard": canonical(c.standard),
                }
                for c in resolved.components
            },
        }
    )
    return result


def _without(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in keys}


def fingerprint(resolved: Resolved) -> str:
    """`sha256:<hex>` of the canonical resolved form."""
    text = json.dumps(
        canonical(resolved), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
