"""Evaluate a checked expression the way the scorer does: compiled by `ExprCompiler` to Python code.

Shared by the expression tests and the docs tests. Values are given per reference (a record field,
a derived value, a rating-context value); an absent one is `MISSING`, as in the scorer.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from qualityscore.compiler.base import _HELPERS
from qualityscore.expr.check import Checked
from qualityscore.expr.compile import ExprCompiler, Ref
from qualityscore.expr.runtime import MISSING, Missing

MISSING_OUTCOME = object()
"""What `evaluate` returns when the expression has no value (the rule would be not assessed)."""


def compile_checked(checked: Checked) -> tuple[Any, dict[str, Any], dict[Ref, str]]:
    """The code object of the expression, its namespace of helpers and constants, and the names
    under which each reference must be put in the namespace."""
    namespace: dict[str, Any] = {"__builtins__": {}}
    slots: dict[Ref, str] = {}

    def load(ref: Ref) -> ast.expr:
        name = slots.setdefault(ref, f"v{len(slots)}")
        return ast.Name(name, ast.Load())

    def helper(name: str) -> ast.expr:
        namespace[f"h_{name}"] = _HELPERS[name]
        return ast.Name(f"h_{name}", ast.Load())

    def const(value: object) -> ast.expr:
        name = f"k{sum(1 for k in namespace if k.startswith('k'))}"
        namespace[name] = value
        return ast.Name(name, ast.Load())

    body = ExprCompiler(load, helper, const).compile(checked.tree)
    tree = ast.fix_missing_locations(ast.Expression(body))
    return compile(tree, "<expression>", "eval"), namespace, slots


def evaluate(checked: Checked, values: Mapping[Ref, Any]) -> Any:
    """The value of the expression, or MISSING_OUTCOME when a value it needs is absent or undefined
    (runtime.Missing and runtime.Undefined, which the scorer turns into not_assessed)."""
    code, namespace, slots = compile_checked(checked)
    for ref, name in slots.items():
        namespace[name] = values.get(ref, MISSING)
    try:
        return eval(code, namespace)  # the compiled tree of a checked expression, as the scorer
    except Missing:
        return MISSING_OUTCOME
