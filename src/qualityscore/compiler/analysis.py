"""What the generated code needs to know about expressions: what may raise, what they read."""

from __future__ import annotations

import ast

from qualityscore.expr.check import (
    Checked,
    TBinary,
    TCall,
    TConst,
    TGet,
    TItem,
    TLocal,
    TNode,
    TPresent,
    TValueOr,
)
from qualityscore.expr.compile import Ref, children, ref_of
from qualityscore.plan import RulePlan


def _defect_fields_read(plan: RulePlan) -> list[str]:
    """code, severity, and every other field of the defect the rule's expressions read."""
    found = {"code": None, "severity": None}

    def walk(node: TNode) -> None:
        if isinstance(node, TGet) and isinstance(node.obj, TLocal) and node.obj.name == "defect":
            found.setdefault(node.key)
        for child in children(node):
            walk(child)

    for checked in (plan.defects_where, plan.defects_points):
        if isinstance(checked, Checked):
            walk(checked.tree)
    return list(found)


_RAISING_CALLS = frozenset({"argmin", "argmax", "interp", "floor", "ceil"})
"""Calls that may raise Undefined (round(x), floor and ceil: of an overflowed, infinite value)."""


def _may_raise(node: TNode, guarded: set[Ref]) -> bool:
    """Whether evaluating the expression may raise Missing or Undefined (so it needs a try)."""
    ref = ref_of(node)
    if ref is not None:
        return ref not in guarded and _may_be_missing(ref)
    if isinstance(node, TBinary) and node.op in ("/", "//", "%", "**"):
        return True
    if isinstance(node, TItem):
        return True
    if isinstance(node, TCall) and (
        node.func in _RAISING_CALLS
        or (node.func in ("min", "max", "round") and len(node.args) == 1)
    ):
        return True
    if isinstance(node, TPresent):
        return False
    if isinstance(node, TValueOr):
        return _may_raise(node.default, guarded)
    return any(_may_raise(child, guarded) for child in children(node))


def _body_may_raise(plan: RulePlan, guarded: set[Ref]) -> bool:
    checked: list[Checked | float | dict[str, float] | None] = [
        plan.require,
        plan.points,
        plan.scale_of,
        plan.defects_where,
        plan.defects_points,
    ]
    for row in plan.rows:
        checked += [row.when, row.points]
    computed = [plan.points, plan.defects_points, plan.scale_of, *(row.points for row in plan.rows)]
    if any(isinstance(c, Checked) and not _literal_or_read(c.tree) for c in computed):
        return True  # a computed number may overflow (see _Gen.finite)
    return any(isinstance(c, Checked) and _may_raise(c.tree, guarded) for c in checked)


def _literal_or_read(node: TNode) -> bool:
    """A literal or a plain read: finite by construction (inputs are checked to be finite)."""
    return isinstance(node, TConst) or ref_of(node) is not None or isinstance(node, TGet)


def _negate(expr: ast.expr) -> ast.expr:
    """`not expr`, without a double negation."""
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
        return expr.operand
    return ast.UnaryOp(ast.Not(), expr)


def _may_be_missing(ref: Ref) -> bool:
    """Record fields, derived values, scores and category scores may be absent; counts may not."""
    kind, key = ref
    if kind != "context":
        return True
    return key == "score" or key.endswith(".score")
