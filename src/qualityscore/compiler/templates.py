"""Our own code templates: parsed once, filled with compiled parts, positioned for compile()."""

from __future__ import annotations

import ast
import textwrap
from typing import Any

_TEMPLATES: dict[str, list[ast.stmt]] = {}


def _tpl(src: str, **subs: Any) -> list[ast.stmt]:
    """Our own code template, parsed once, copied with its placeholders filled in.

    A placeholder NAME is replaced by an `ast.expr`, renamed to a `str`, or - when it stands alone
    as a statement - replaced by a list of statements. Templates are never user text.
    """
    body = _TEMPLATES.get(src)
    if body is None:
        body = _TEMPLATES[src] = ast.parse(textwrap.dedent(src)).body
    return [s for stmt in body for s in _fill_stmt(stmt, subs)]


def _fill_stmt(stmt: ast.stmt, subs: dict[str, Any]) -> list[ast.stmt]:
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Name):
        found = subs.get(stmt.value.id)
        if isinstance(found, list):
            _locate(found)
            return found
    filled = _fill(stmt, subs)
    assert isinstance(filled, ast.stmt)
    return [filled]


_NAMES: dict[int, frozenset[str]] = {}
"""id of a template node -> the names used in its subtree (templates live as long as the process)."""


def _names(node: Any) -> frozenset[str]:
    found = _NAMES.get(id(node))
    if found is None:
        found = _NAMES[id(node)] = frozenset(
            n.id for n in ast.walk(node) if isinstance(n, ast.Name)
        )
    return found


def _fill(node: Any, subs: dict[str, Any]) -> Any:
    """A copy of a template node with its placeholders replaced (substitutes are not copied).

    A part of the template that holds no placeholder is shared rather than copied (the compiler
    only reads the tree), as are nodes without fields (Load, Add, Eq ...); template nodes keep
    their positions, so that only substituted parts need one (see `_locate`).
    """
    cls = node.__class__
    if isinstance(node, ast.AST) and cls is not ast.Name and subs.keys().isdisjoint(_names(node)):
        return node
    if cls is ast.Name:
        found = subs.get(node.id)
        if found is None:
            found = node.id
        if isinstance(found, str):
            return ast.Name(found, node.ctx, lineno=1, col_offset=0, end_lineno=1, end_col_offset=0)
        _locate(found)
        return found
    if cls is list:
        out: list[Any] = []
        for item in node:
            if isinstance(item, ast.stmt):
                out.extend(_fill_stmt(item, subs))
            else:
                out.append(_fill(item, subs))
        return out
    if isinstance(node, ast.AST):
        fields = cls._fields
        if not fields:
            return node
        new = cls.__new__(cls)
        for name in fields:
            setattr(new, name, _fill(getattr(node, name, None), subs))
        if "lineno" in cls._attributes:
            new.lineno = new.end_lineno = 1
            new.col_offset = new.end_col_offset = 0
        return new
    return node


_POSITION = (("lineno", 1), ("end_lineno", 1), ("col_offset", 0), ("end_col_offset", 0))


def _locate(tree: Any) -> None:
    """Give every node a position (compile() wants one); all of the generated code is 'line 1'.

    A node that has a position has positioned descendants (template copies are positioned as
    they are made, and what is put into them is positioned then), so the walk stops there.
    """
    stack: list[Any] = [tree]
    while stack:
        node = stack.pop()
        if node.__class__ is list:
            stack.extend(node)
            continue
        if not isinstance(node, ast.AST):
            continue
        cls = node.__class__
        if "lineno" in cls._attributes:
            if hasattr(node, "lineno"):
                continue
            for name, position in _POSITION:
                setattr(node, name, position)
        for name in cls._fields:
            value = getattr(node, name, None)
            if value is not None and (value.__class__ is list or isinstance(value, ast.AST)):
                stack.append(value)
