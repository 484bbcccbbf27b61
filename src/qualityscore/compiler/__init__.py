"""Compile a checked plan into one straight-line Python scoring function per mode.

The function is built as a Python AST from the plan (never from expression text): our own code
templates are parsed and their placeholders replaced with the compiled expressions. Constants that
cannot be literals (dates, the rounding function, runtime helpers) are closure variables. Modes:

- `fast`: score, grade, verdict, coverage and category scores only;
- `findings`: also every finding (with the values it read), not-assessed rules and warnings;
- `trace`: also the outcome of every rule and what decided the grade and verdict (for `explain`).

All modes do the same arithmetic in the same order, so they give the same score bit for bit.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from qualityscore.compiler.base import (
    APPLICABLE,
    CATEGORIES,
    COUNTS,
    COVERAGE,
    DECISION,
    FINDINGS,
    GRADE,
    MISSING,
    NOT_ASSESSED,
    RAW,
    SCORE,
    TRACE,
    VERDICT,
    WARNINGS,
    Mode,
    ScoreFunction,
    _Rule,
)
from qualityscore.compiler.rules import RuleCode
from qualityscore.compiler.templates import _locate
from qualityscore.compiler.totals import RatingCode
from qualityscore.expr.compile import load_name
from qualityscore.plan import Plan
from qualityscore.standard.spec import InputSpec


class _Gen(RuleCode, RatingCode):
    """A scoring function being generated, from its checked plan."""

    def build(self) -> ast.Module:
        plan = self.plan
        rules = [
            _Rule(
                r,
                self.categories.index(r.category),
                -1.0
                if plan.categories[self.categories.index(r.category)].mode == "deduct"
                else 1.0,
                0,
            )
            for r in plan.rules
        ]
        for rule in rules:
            rule.message = self.message_slot()
        body: list[ast.stmt] = []
        body += self.counters()
        body += self.fuse_defect_loops(rules)
        body += self.derived()
        for rule in rules:
            body += self.rule(rule)
        body += self.epilogue()
        prologue = self.prologue()
        func = ast.FunctionDef(
            name="rate",
            args=ast.arguments(
                posonlyargs=[],
                args=[ast.arg("r"), ast.arg("T"), ast.arg("K")],
                kwonlyargs=[],
                kw_defaults=[],
                defaults=[],
            ),
            body=prologue + body,
            decorator_list=[],
            returns=None,
        )
        maker = ast.FunctionDef(
            name="make",
            args=ast.arguments(
                posonlyargs=[],
                args=[ast.arg(name) for name in self.closure],
                kwonlyargs=[],
                kw_defaults=[],
                defaults=[],
            ),
            body=[func, ast.Return(load_name("rate"))],
            decorator_list=[],
            returns=None,
        )
        if sys.version_info >= (3, 12):  # a field newer Pythons require
            func.type_params = []
            maker.type_params = []
        module = ast.Module(body=[maker], type_ignores=[])
        _locate(module)
        return module


@dataclass(frozen=True)
class Compiled:
    """A compiled scoring function and the message slots it expects."""

    function: ScoreFunction
    message_slots: tuple[tuple[int, Any], ...]
    """(slot, text) for row messages; rule slots are the rules' own messages."""
    source: ast.Module


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a standard is built.

    Building allocates tens of thousands of syntax nodes that all stay alive until the end; the
    collector would scan them again and again for cycles that are not there.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def compile_plan(
    plan: Plan, mode: Mode, inputs: dict[str, tuple[InputSpec, tuple[str, ...]]]
) -> Compiled:
    """Build, compile and instantiate the scoring function of `plan` for `mode`.

    `inputs` are every input the function checks (the standard's and its components').
    """
    with gc_paused():
        return _compile_plan(plan, mode, inputs)


def _compile_plan(
    plan: Plan, mode: Mode, inputs: dict[str, tuple[InputSpec, tuple[str, ...]]]
) -> Compiled:
    gen = _Gen(plan, mode, inputs)
    module = gen.build()
    code = compile(module, f"<qualityscore {plan.id}@{plan.version} {mode}>", "exec")
    make_code = next(
        c for c in code.co_consts if isinstance(c, types.CodeType) and c.co_name == "make"
    )
    # The generated code sees no builtins but the plain types its input checks name.
    safe = {t.__name__: t for t in (dict, list, str, int, float, bool)}
    make = types.FunctionType(make_code, {"__builtins__": safe})
    function = make(*gen.closure.values())
    return Compiled(function, tuple(gen.row_messages), module)


__all__ = [
    "APPLICABLE",
    "CATEGORIES",
    "COUNTS",
    "COVERAGE",
    "DECISION",
    "FINDINGS",
    "GRADE",
    "MISSING",
    "NOT_ASSESSED",
    "RAW",
    "SCORE",
    "TRACE",
    "VERDICT",
    "WARNINGS",
    "Compiled",
    "Mode",
    "ScoreFunction",
    "compile_plan",
    "gc_paused",
]
