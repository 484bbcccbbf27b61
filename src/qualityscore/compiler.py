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
import datetime as dt
import gc
import itertools
import sys
import textwrap
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from qualityscore.expr import runtime
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
from qualityscore.expr.compile import ExprCompiler, Ref, children, ref_of, strict_reads
from qualityscore.expr.types import is_numeric
from qualityscore.plan import OutcomePlan, Plan, RulePlan
from qualityscore.rating import Finding
from qualityscore.standard.spec import INSUFFICIENT, InputSpec

Mode = Literal["fast", "findings", "trace"]

# Layout of the tuple a compiled function returns.
SCORE, GRADE, VERDICT, COVERAGE, CATEGORIES, COUNTS, APPLICABLE, MISSING, RAW = range(9)
FINDINGS, NOT_ASSESSED, WARNINGS, TRACE, DECISION = range(9, 14)

ScoreFunction = Callable[
    [dict[str, Any], tuple[str, ...] | None, tuple[Any, ...] | None], tuple[Any, ...]
]


def _defect_message(prefix: str, d: dict[str, Any]) -> str:
    description = d.get("description")
    return f"{prefix}: {d['code']} {description}" if description else f"{prefix}: {d['code']}"


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


def _values(*pairs: tuple[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in pairs if v is not runtime.MISSING}


_HELPERS: dict[str, Any] = {
    name: getattr(runtime, name)
    for name in (
        "finite",
        "number",
        "miss",
        "div",
        "floordiv",
        "mod",
        "power",
        "min_of",
        "max_of",
        "count",
        "argmin",
        "argmax",
        "clamp",
        "interp",
        "days_between",
        "years_between",
        "startswith",
        "endswith",
        "round_half_up",
        "round_to_int",
        "floor_int",
        "ceil_int",
        "item",
        "or_default",
    )
}
_HELPERS.update(
    Unusual=runtime.Unusual,
    to_float=runtime.to_float,
    to_date=runtime.to_date,
    date=dt.date,
    MISSING=runtime.MISSING,
    Missing=runtime.Missing,
    Undefined=runtime.Undefined,
    Finding=Finding,
    new=tuple.__new__,
    defect_message=_defect_message,
    values=_values,
    min=min,
    max=max,
    sum=sum,
    any=any,
    all=all,
    len=len,
    abs=abs,
)


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


def _c(value: Any) -> ast.expr:
    return ast.Constant(value)


def _name(ident: str) -> ast.Name:
    return ast.Name(ident, ast.Load())


@dataclass
class _Rule:
    """Where a rule's results go in the generated code."""

    plan: RulePlan
    cat: int
    sign: float
    message: int


class _Gen:
    def __init__(
        self, plan: Plan, mode: Mode, inputs: dict[str, tuple[InputSpec, tuple[str, ...]]]
    ) -> None:
        self.plan = plan
        self.inputs = inputs
        self.mode = mode
        self.closure: dict[str, Any] = {}
        self.locals: dict[Ref, str] = {}
        self.counter = 0
        self.categories = [c.name for c in plan.categories]
        self.sev_index = {s: i for i, s in enumerate(plan.severities)}
        self.messages: list[int] = []  # filled by message slots
        self._sev_index_name: str | None = None
        self.fused: dict[int, tuple[str, str]] = {}
        """rule index -> (its total, its hits list), for defects rules scored in a shared loop"""
        self.fused_sources: set[str] = set()
        """locals of defects inputs whose items are checked in the shared loop"""

    # names ------------------------------------------------------------------------------------

    def fresh(self, prefix: str = "t") -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def sev_index_const(self) -> ast.expr:
        """The closure constant mapping severity names to their index in the counts list."""
        if self._sev_index_name is None:
            const = self.const(dict(self.sev_index))
            assert isinstance(const, ast.Name)
            self._sev_index_name = const.id
        return _name(self._sev_index_name)

    def helper(self, name: str) -> ast.expr:
        ident = f"h_{name}"
        self.closure.setdefault(ident, _HELPERS[name])
        return _name(ident)

    def const(self, value: object) -> ast.expr:
        """A closure variable holding `value` (immutable values equal to one held are shared)."""
        shareable = isinstance(value, dt.date | tuple | frozenset | str | int | float)
        for ident, existing in self.closure.items():
            if ident.startswith("k_") and (
                existing is value
                or (shareable and type(existing) is type(value) and existing == value)
            ):
                return _name(ident)
        ident = f"k_{len(self.closure)}"
        self.closure[ident] = value
        return _name(ident)

    def load(self, ref: Ref) -> ast.expr:
        kind, key = ref
        if kind == "context":
            return self.context(key)
        if ref not in self.locals:
            self.locals[ref] = self.fresh("f" if kind == "field" else "v")
        return _name(self.locals[ref])

    def context(self, path: str) -> ast.expr:
        parts = path.split(".")
        if path == "score":
            return _name("sc")
        if path == "coverage":
            return _name("cov")
        if path == "grade":
            return _name("grade")
        if parts[0] == "findings":
            return self.own_count(parts[1])
        if parts[0] == "categories":
            index = self.categories.index(parts[1])
            if parts[2] == "max":
                return _c(self.plan.categories[index].max)
            return ast.Subscript(_name("cs"), _c(index), ast.Load())
        if parts[0] == "components":
            index = [c.name for c in self.plan.components].index(parts[1])
            comp = ast.Subscript(_name("K"), _c(index), ast.Load())
            rest = parts[2]
            if rest == "findings":
                counts = ast.Subscript(comp, _c(COUNTS), ast.Load())
                return self.count_expr(
                    counts, self.plan.components[index].plan.severities, parts[3]
                )
            slot = {"score": SCORE, "grade": GRADE, "verdict": VERDICT, "coverage": COVERAGE}[rest]
            value = ast.Subscript(comp, _c(slot), ast.Load())
            if rest == "score":  # a component that was not assessed has no score
                return ast.IfExp(
                    ast.Compare(value, [ast.IsNot()], [_c(None)]), value, self.helper("MISSING")
                )
            return value
        raise KeyError(path)  # pragma: no cover - the checker only admits the paths above

    def own_count(self, name: str) -> ast.expr:
        """`findings.<name>` of this standard: its own findings and its components' together.

        The counts list C holds this standard's severities (a component's findings of a severity
        of the same name are already added to it); severities only a component has are summed
        from the components' counts here.
        """
        own = self.count_expr(_name("C"), self.plan.severities, name)
        extra: list[ast.expr] = []
        for j, comp in enumerate(self.plan.components):
            counts = ast.Subscript(
                ast.Subscript(_name("K"), _c(j), ast.Load()), _c(COUNTS), ast.Load()
            )
            for k, sev in enumerate(comp.plan.severities):
                if sev not in self.sev_index and name in ("total", sev):
                    extra.append(ast.Subscript(counts, _c(k), ast.Load()))
        if not extra:
            return own
        terms = extra if name not in ("total", *self.plan.severities) else [own, *extra]
        total = terms[0]
        for term in terms[1:]:
            total = ast.BinOp(total, ast.Add(), term)
        return total

    def count_expr(self, counts: ast.expr, severities: Sequence[str], name: str) -> ast.expr:
        if name == "total":
            return ast.Call(self.helper("sum"), [counts], [])
        if name not in severities:
            return _c(0)
        return ast.Subscript(counts, _c(list(severities).index(name)), ast.Load())

    def compiler(self, guarded: set[Ref], locals_: dict[str, str] | None = None) -> ExprCompiler:
        return ExprCompiler(
            self.load, self.helper, self.const, locals_, guarded, lambda: self.fresh("g")
        )

    def missing_test(self, refs: set[Ref]) -> ast.expr | None:
        """`fA is MISSING or fB is MISSING` for the refs that can be missing, or None."""
        tests: list[ast.expr] = [
            ast.Compare(self.load(ref), [ast.Is()], [self.helper("MISSING")])
            for ref in sorted(refs)
            if _may_be_missing(ref)
        ]
        if not tests:
            return None
        return tests[0] if len(tests) == 1 else ast.BoolOp(ast.Or(), tests)

    # the function -----------------------------------------------------------------------------

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
        self.msg_count = 0
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
            body=[func, ast.Return(_name("rate"))],
            decorator_list=[],
            returns=None,
        )
        if sys.version_info >= (3, 12):  # a field newer Pythons require
            func.type_params = []
            maker.type_params = []
        module = ast.Module(body=[maker], type_ignores=[])
        _locate(module)
        return module

    def message_slot(self) -> int:
        self.msg_count += 1
        return self.msg_count - 1

    def prologue(self) -> list[ast.stmt]:
        """Check every declared input and load the ones the rules read into locals (MISSING if absent).

        The checks accept only plain values (a float in range, a str of an enum, a list of defect
        mappings ...) and raise `Unusual` for anything else; the caller then runs the full
        validator, which gives the exact error or a normalised record to score.
        """
        out: list[ast.stmt] = []
        groups: dict[str, str] = {}
        empty = self.const({})

        def group(path: str) -> ast.expr:
            if not path:
                return _name("r")
            if path not in groups:
                parent, _, key = path.rpartition(".")
                source = group(parent)
                ident = groups[path] = self.fresh("g")
                out.extend(
                    _tpl(
                        f"{ident} = SOURCE.get(KEY, EMPTY)\nif {ident}.__class__ is not dict:\n    raise h_Unusual",
                        SOURCE=source,
                        KEY=_c(key),
                        EMPTY=empty,
                        h_Unusual=self.helper("Unusual"),
                    )
                )
            return _name(groups[path])

        used = {key: ident for (kind, key), ident in self.locals.items() if kind == "field"}
        for path, (spec, severities) in self.inputs.items():
            parent, _, leaf = path.rpartition(".")
            ident = used.get(path) or self.fresh("u")
            out += _tpl(
                f"{ident} = SOURCE.get(KEY, h_MISSING)",
                SOURCE=group(parent),
                KEY=_c(leaf),
                h_MISSING=self.helper("MISSING"),
            )
            out += self.check_input(ident, spec, severities)
        return out

    def check_input(
        self, ident: str, spec: InputSpec, severities: tuple[str, ...]
    ) -> list[ast.stmt]:
        unusual = self.helper("Unusual")
        if spec.type == "number" and not spec.required and spec.default is None:
            # the common case in one test: a float in range passes, anything else is converted
            # (an integer) or unusual
            # without a declared range, the largest floats: infinity and NaN fail the test too
            lo = -sys.float_info.max if spec.min is None else spec.min
            hi = sys.float_info.max if spec.max is None else spec.max
            return _tpl(
                f"if {ident} is not h_MISSING and ({ident}.__class__ is not float or not LO <= {ident} <= HI):\n"
                f"    {ident} = h_number({ident}, LO, HI)",
                h_MISSING=self.helper("MISSING"),
                h_number=self.helper("number"),
                LO=_c(lo),
                HI=_c(hi),
            )
        checks = self.check_value(ident, spec.type, spec, severities)
        if spec.required:
            absent = _tpl("raise h_Unusual", h_Unusual=unusual)
        elif spec.default is not None:
            default = float(spec.default) if spec.type == "number" else spec.default
            absent = _tpl(f"{ident} = DEFAULT", DEFAULT=self.literal(default))
        else:
            absent = []
        if not absent:
            return _tpl(
                f"if {ident} is not h_MISSING:\n    CHECKS",
                h_MISSING=self.helper("MISSING"),
                CHECKS=checks or [ast.Pass()],
            )
        return _tpl(
            f"if {ident} is not h_MISSING:\n    CHECKS\nelse:\n    ABSENT",
            h_MISSING=self.helper("MISSING"),
            CHECKS=checks or [ast.Pass()],
            ABSENT=absent,
        )

    def literal(self, value: object) -> ast.expr:
        if isinstance(value, bool | int | float | str) or value is None:
            return _c(value)
        return self.const(value)

    def check_value(
        self, ident: str, kind: str, spec: Any, severities: tuple[str, ...] = ()
    ) -> list[ast.stmt]:
        unusual = self.helper("Unusual")
        lo = getattr(spec, "min", None)
        hi = getattr(spec, "max", None)
        if kind == "number":
            out = _tpl(
                f"if {ident}.__class__ is not float:\n    {ident} = h_to_float({ident})",
                h_to_float=self.helper("to_float"),
            )
            return out + self.range_check(ident, lo, hi, finite=True)
        if kind == "integer":
            out = _tpl(f"if {ident}.__class__ is not int:\n    raise h_Unusual", h_Unusual=unusual)
            return out + self.range_check(ident, lo, hi, finite=False)
        if kind in ("text", "boolean"):
            cls = "str" if kind == "text" else "bool"
            return _tpl(
                f"if {ident}.__class__ is not {cls}:\n    raise h_Unusual", h_Unusual=unusual
            )
        if kind == "enum":
            return _tpl(
                f"if {ident}.__class__ is not str or {ident} not in VALUES:\n    raise h_Unusual",
                VALUES=_c(frozenset(spec.values or ())),
                h_Unusual=unusual,
            )
        if kind == "date":
            return _tpl(
                f"if {ident}.__class__ is not h_date:\n    {ident} = h_to_date({ident})",
                h_date=self.helper("date"),
                h_to_date=self.helper("to_date"),
            )
        return self.check_defects(ident, spec, severities)

    def range_check(
        self, ident: str, lo: float | None, hi: float | None, *, finite: bool
    ) -> list[ast.stmt]:
        unusual = self.helper("Unusual")
        if lo is not None and hi is not None:
            test = f"not ({lo!r} <= {ident} <= {hi!r})"
        elif lo is not None:
            test = f"not ({ident} >= {lo!r})"
        elif hi is not None:
            test = f"not ({ident} <= {hi!r})"
        elif finite:
            test = f"{ident} - {ident} != 0.0"  # NaN and infinity
        else:
            return []
        return _tpl(f"if {test}:\n    raise h_Unusual", h_Unusual=unusual)

    def check_defects(
        self, ident: str, spec: InputSpec, severities: tuple[str, ...]
    ) -> list[ast.stmt]:
        unusual = self.helper("Unusual")
        out = _tpl(f"if {ident}.__class__ is not list:\n    raise h_Unusual", h_Unusual=unusual)
        if ident in self.fused_sources:
            return out  # each defect is checked in the fused loop over the defects
        d = self.fresh("d")
        loop = ast.For(
            ast.Name(d, ast.Store()), _name(ident), self.defect_checks(d, spec, severities), []
        )
        return [*out, loop]

    def defect_checks(
        self, d: str, spec: InputSpec, severities: tuple[str, ...], code: str = "c", sev: str = "c"
    ) -> list[ast.stmt]:
        """The checks of one recorded defect (a mapping with a code, a known severity ...).

        The code and severity are left in the locals `code` and `sev`.
        """
        unusual = self.helper("Unusual")
        lines = [
            f"if {d}.__class__ is not dict:\n    raise h_Unusual",
            f"{code} = {d}.get('code')\nif {code}.__class__ is not str or not {code}:\n    raise h_Unusual",
            f"{sev} = {d}.get('severity')\nif {sev}.__class__ is not str or {sev} not in SEVERITIES:\n    raise h_Unusual",
            f"c = {d}.get('count', 1)\nif c.__class__ is not int or c < 1:\n    raise h_Unusual",
        ]
        out = _tpl("\n".join(lines), SEVERITIES=_c(frozenset(severities)), h_Unusual=unusual)
        optional: list[tuple[str, str, Any, bool]] = [
            ("area", "text", None, False),
            ("description", "text", None, False),
        ]
        optional += [(name, f.type, f, f.required) for name, f in (spec.fields or {}).items()]
        for name, kind, field_spec, required in optional:
            value = self.fresh("e")
            check = self.check_value(value, kind, field_spec)
            if kind in ("number", "date"):
                # a normalised value would have to be written back: leave those to the validator
                check = _tpl(
                    f"if {value}.__class__ is not float:\n    raise h_Unusual"
                    if kind == "number"
                    else f"if {value}.__class__ is not h_date:\n    raise h_Unusual",
                    h_Unusual=unusual,
                    h_date=self.helper("date"),
                ) + (
                    self.range_check(
                        value,
                        getattr(field_spec, "min", None),
                        getattr(field_spec, "max", None),
                        finite=True,
                    )
                    if kind == "number"
                    else []
                )
            out += _tpl(
                f"{value} = {d}.get(KEY, h_MISSING)\nif {value} is not h_MISSING:\n    CHECK\nelse:\n    ABSENT",
                KEY=_c(name),
                h_MISSING=self.helper("MISSING"),
                CHECK=check or [ast.Pass()],
                ABSENT=_tpl("raise h_Unusual", h_Unusual=unusual) if required else [ast.Pass()],
            )
        return out

    def counters(self) -> list[ast.stmt]:
        n = len(self.categories)
        lines = [
            f"C = [{', '.join(['0'] * len(self.plan.severities))}]",
            *[f"a{i} = 0.0\nw{i} = 0\nm{i} = 0" for i in range(n)],
        ]
        if self.mode != "fast":
            lines += ["F = []", "NA = []", "W = []"]
        if self.mode == "trace":
            lines += ["TR = []"]
        return _tpl("\n".join(lines))

    def derived(self) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for name, checked in self.plan.derived:
            target = self.load(("derived", name))
            value = self.finite(checked, self.compiler(set()).compile(checked.tree))
            assert isinstance(target, ast.Name)
            out += _tpl(
                """
                try:
                    TARGET = VALUE
                except h_Missing:
                    TARGET = h_MISSING
                """,
                TARGET=target.id,
                VALUE=value,
                h_Missing=self.helper("Missing"),
                h_MISSING=self.helper("MISSING"),
            )
        return out

    # rules ------------------------------------------------------------------------------------

    def rule(self, rule: _Rule) -> list[ast.stmt]:
        plan = rule.plan
        i = rule.cat
        body_strict = self.body_strict(plan)
        when_strict = strict_reads(plan.when.tree) if plan.when else set()
        guarded = body_strict | when_strict
        compute = self.compute(rule, guarded)
        body_test = self.missing_test(body_strict - when_strict)
        body = (
            _tpl(
                "if TEST:\n    MISSING\nelse:\n    BODY",
                TEST=body_test,
                MISSING=self.on_missing(rule),
                BODY=compute,
            )
            if body_test is not None
            else compute
        )
        if _body_may_raise(plan, guarded):
            body = _tpl(
                "try:\n    BODY\nexcept h_Missing as e:\n    MISSING",
                BODY=body,
                h_Missing=self.helper("Missing"),
                MISSING=self.on_missing(rule) + self.warn_undefined(plan),
            )
        if plan.when is None:
            return body
        when_value = self.compiler(when_strict).compile(plan.when.tree)
        when_test = self.missing_test(when_strict)
        evaluate = (
            ast.IfExp(when_test, _c(None), when_value) if when_test is not None else when_value
        )
        if _may_raise(plan.when.tree, when_strict):
            decide = _tpl(
                "try:\n    ok = EVAL\nexcept h_Missing:\n    ok = None",
                EVAL=evaluate,
                h_Missing=self.helper("Missing"),
            )
        else:
            decide = _tpl("ok = EVAL", EVAL=evaluate)
        not_applicable = (
            self.trace(rule, "not_applicable", None, _c(0.0), self.values(plan, set()))
            if self.mode == "trace"
            else []
        )
        return decide + _tpl(
            f"""
            if ok is None:
                w{i} += 1
                MISSING
            elif ok:
                w{i} += 1
                BODY
            else:
                NOT_APPLICABLE
            """,
            MISSING=self.on_missing(rule),
            BODY=body,
            NOT_APPLICABLE=not_applicable or [ast.Pass()],
        )

    def body_strict(self, plan: RulePlan) -> set[Ref]:
        """Values the rule's body reads whatever the record holds."""
        if plan.kind == "require" and isinstance(plan.require, Checked):
            return strict_reads(plan.require.tree)
        if plan.kind == "points" and isinstance(plan.points, Checked):
            return strict_reads(plan.points.tree)
        if plan.kind == "scale" and plan.scale_of is not None:
            return strict_reads(plan.scale_of.tree)
        if plan.kind == "table" and plan.rows:
            return strict_reads(plan.rows[0].when.tree)
        if plan.kind == "defects":
            return {("field", plan.defects_of)}
        return set()

    def on_missing(self, rule: _Rule) -> list[ast.stmt]:
        out = _tpl(f"m{rule.cat} += 1")
        if self.mode != "fast":
            out += _tpl("NA.append(ID)", ID=_c(rule.plan.id))
        if self.mode == "trace":
            out += self.trace(
                rule,
                "not_assessed",
                None,
                _c(0.0),
                self.values(rule.plan, set(), with_missing=True),
            )
        return out

    def warn_undefined(self, plan: RulePlan) -> list[ast.stmt]:
        if self.mode == "fast":
            return []
        return _tpl(
            "if e.args:\n    W.append(PREFIX + e.args[0])",
            PREFIX=_c(f"rule '{plan.id}' not assessed: "),
        )

    def trace(
        self,
        rule: _Rule,
        outcome: str | ast.expr,
        severity: ast.expr | None,
        points: ast.expr,
        values: ast.expr,
        message: ast.expr | None = None,
    ) -> list[ast.stmt]:
        if self.mode != "trace":
            return []
        return _tpl(
            "TR.append((INDEX, OUTCOME, SEV, POINTS, VALUES, MSG))",
            INDEX=_c(rule.plan.index),
            OUTCOME=outcome if isinstance(outcome, ast.expr) else _c(outcome),
            SEV=severity if severity is not None else _c(None),
            POINTS=points,
            VALUES=values,
            MSG=message if message is not None else self.msg(rule.message),
        )

    def msg(self, slot: int) -> ast.expr:
        return ast.Subscript(_name("T"), _c(slot), ast.Load())

    def values(self, plan: RulePlan, guarded: set[Ref], *, with_missing: bool = False) -> ast.expr:
        """The values a rule read, for its finding: `{path: value}` without absent ones.

        With `with_missing` (for explaining a rule that was not assessed) absent values are kept,
        as MISSING, so that the explanation can say which one was lacking.
        """
        refs = [ref for ref in plan.reads if ref[0] != "context"]
        if plan.kind == "defects" and not with_missing:
            refs = [ref for ref in refs if ref != ("field", plan.defects_of)]
        keys: list[ast.expr | None] = [_c(self.ref_label(ref)) for ref in refs]
        if with_missing or all(ref in guarded for ref in refs):
            return ast.Dict(keys, [self.load(ref) for ref in refs])
        pairs: list[ast.expr] = [
            ast.Tuple([_c(self.ref_label(ref)), self.load(ref)], ast.Load()) for ref in refs
        ]
        return ast.Call(self.helper("values"), pairs, [])

    @staticmethod
    def ref_label(ref: Ref) -> str:
        kind, key = ref
        return key if kind == "field" else f"derived.{key}"

    def points_expr(self, points: Checked | float, comp: ExprCompiler) -> ast.expr:
        if isinstance(points, Checked):
            return self.finite(points, comp.compile(points.tree))
        return _c(float(points))

    def finite(self, checked: Checked, value: ast.expr) -> ast.expr:
        """A computed number that must be finite (an overflow leaves the rule not assessed)."""
        if not is_numeric(checked.type) or _literal_or_read(checked.tree):
            return value
        return ast.Call(self.helper("finite"), [value], [])

    def apply(
        self,
        rule: _Rule,
        points: ast.expr,
        severity: ast.expr | None,
        outcome: str | ast.expr,
        guarded: set[Ref],
        message: ast.expr | None = None,
        values: ast.expr | None = None,
        count_severity: bool = True,
    ) -> list[ast.stmt]:
        """Add the points to the category, count the severity and record the finding."""
        i = rule.cat
        out = _tpl(f"a{i} = a{i} + P", P=points)
        if severity is not None and count_severity:
            out += self.count_severity(severity)
        if self.mode != "fast":
            # The rule's points are rounded and then signed (negative for a deduction), so that
            # a floor or ceil mode rounds how much a rule moved, whichever the direction.
            if isinstance(points, ast.Constant) and isinstance(points.value, int | float):
                reported: ast.expr = _c(self.reported(rule.sign, points.value))
            else:
                rounded = ast.Call(self.rounder(), [points], [])
                reported = (
                    ast.BinOp(ast.UnaryOp(ast.USub(), rounded), ast.Add(), _c(0.0))
                    if rule.sign < 0
                    else rounded
                )
            out += _tpl(
                "F.append(h_new(h_Finding, (ID, CAT, OUTCOME, SEV, REPORTED, MSG, VALUES)))",
                h_new=self.helper("new"),
                h_Finding=self.helper("Finding"),
                REPORTED=reported,
                ID=_c(rule.plan.id),
                CAT=_c(rule.plan.category),
                OUTCOME=_c(outcome) if isinstance(outcome, str) else outcome,
                SEV=severity if severity is not None else _c(None),
                MSG=message if message is not None else self.msg(rule.message),
                VALUES=values if values is not None else self.values(rule.plan, guarded),
            )
            out += self.trace(
                rule,
                outcome,
                severity,
                reported,
                values if values is not None else self.values(rule.plan, guarded),
                message,
            )
        return out

    def reported(self, sign: float, points: float) -> float:
        """Points as a finding reports them: rounded, then signed (negative for a deduction)."""
        return sign * runtime.round_value(points, self.plan.places, self.plan.rounding) + 0.0

    def count_severity(self, severity: ast.expr) -> list[ast.stmt]:
        if isinstance(severity, ast.Constant):
            return _tpl(f"C[{self.sev_index[str(severity.value)]}] += 1")
        return _tpl("C[SEVIDX[S]] += 1", SEVIDX=self.sev_index_const(), S=severity)

    def rounder(self) -> ast.expr:
        ident = "h_R"
        self.closure.setdefault(ident, runtime.make_rounder(self.plan.places, self.plan.rounding))
        return _name(ident)

    def passed(self, rule: _Rule, guarded: set[Ref]) -> list[ast.stmt]:
        if self.mode != "trace":
            return []
        return self.trace(rule, "pass", None, _c(0.0), self.values(rule.plan, guarded))

    def compute(self, rule: _Rule, guarded: set[Ref]) -> list[ast.stmt]:
        plan = rule.plan
        comp = self.compiler(guarded)
        kind = plan.kind
        sev = _c(plan.severity) if plan.severity else None
        outcome = "fail" if plan.severity else "points"
        if kind == "require":
            assert isinstance(plan.require, Checked)
            failed = _negate(comp.compile(plan.require.tree))
            passed = self.passed(rule, guarded)
            if isinstance(plan.points, Checked):
                apply = _tpl("p = POINTS", POINTS=self.points_expr(plan.points, comp))
                apply += self.apply(rule, _name("p"), sev, "fail", guarded)
            else:
                apply = self.apply(rule, _c(float(plan.points)), sev, "fail", guarded)
            return [ast.If(failed, apply, passed)]
        if kind == "points":
            return _tpl(
                "p = POINTS\nif p != 0:\n    APPLY\nelse:\n    PASSED",
                POINTS=self.points_expr(plan.points, comp),
                APPLY=self.apply(rule, _name("p"), sev, outcome, guarded),
                PASSED=self.passed(rule, guarded) or [ast.Pass()],
            )
        if kind == "scale":
            assert plan.scale_of is not None
            of = self.finite(plan.scale_of, comp.compile(plan.scale_of.tree))
            x = of if isinstance(of, ast.Name) else _name("x")  # a plain reading needs no copy
            assign = [] if x is of else [ast.Assign([ast.Name("x", ast.Store())], of)]
            points = ast.Assign([ast.Name("p", ast.Store())], self.scale(x, plan.scale_points))
            if self.mode == "fast":  # adding 0.0 changes nothing: no test needed
                return [*assign, points, *_tpl(f"a{rule.cat} = a{rule.cat} + p")]
            return [
                *assign,
                points,
                *_tpl(
                    "if p != 0:\n    APPLY\nelse:\n    PASSED",
                    APPLY=self.apply(rule, _name("p"), sev, outcome, guarded),
                    PASSED=self.passed(rule, guarded) or [ast.Pass()],
                ),
            ]
        if kind == "table":
            return self.table(rule, comp, guarded)
        return self.defects(rule, comp, guarded)

    def scale(self, x: ast.expr, points: tuple[tuple[float, float], ...]) -> ast.expr:
        """Piecewise-linear, clamped, as one conditional expression of `x`; each segment is
        computed from its zero end (as a person would write it)."""
        (x_first, p_first), (x_last, p_last) = points[0], points[-1]
        segments = list(itertools.pairwise(points))
        value = self.segment(x, *segments[-1][0], *segments[-1][1])
        for (x0, y0), (x1, y1) in reversed(segments[:-1]):
            value = ast.IfExp(
                ast.Compare(x, [ast.LtE()], [_c(x1)]), self.segment(x, x0, y0, x1, y1), value
            )
        value = ast.IfExp(ast.Compare(x, [ast.GtE()], [_c(x_last)]), _c(p_last), value)
        return ast.IfExp(ast.Compare(x, [ast.LtE()], [_c(x_first)]), _c(p_first), value)

    @staticmethod
    def segment(x: ast.expr, x0: float, y0: float, x1: float, y1: float) -> ast.expr:
        if y0 == 0:  # y1 * ((x - x0) / (x1 - x0))
            frac = ast.BinOp(ast.BinOp(x, ast.Sub(), _c(x0)), ast.Div(), _c(x1 - x0))
            return ast.BinOp(_c(y1), ast.Mult(), frac)
        if y1 == 0:  # y0 * ((x - x1) / (x0 - x1))
            frac = ast.BinOp(ast.BinOp(x, ast.Sub(), _c(x1)), ast.Div(), _c(x0 - x1))
            return ast.BinOp(_c(y0), ast.Mult(), frac)
        frac = ast.BinOp(ast.BinOp(x, ast.Sub(), _c(x0)), ast.Div(), _c(x1 - x0))
        return ast.BinOp(_c(y0), ast.Add(), ast.BinOp(_c(y1 - y0), ast.Mult(), frac))

    def table(self, rule: _Rule, comp: ExprCompiler, guarded: set[Ref]) -> list[ast.stmt]:
        plan = rule.plan
        slots = [self.message_slot() if row.message else rule.message for row in plan.rows]
        self.row_messages.extend(
            (slot, row.message) for slot, row in zip(slots, plan.rows, strict=True) if row.message
        )
        if plan.hit == "first":
            chain: list[ast.stmt] = self.passed(rule, guarded) or [ast.Pass()]
            for row, slot in reversed(list(zip(plan.rows, slots, strict=True))):
                sev = _c(row.severity) if row.severity else None
                outcome = "fail" if row.severity else "points"
                points = self.points_expr(row.points, comp)
                apply = _tpl("p = POINTS", POINTS=points)
                apply_inner = self.apply(rule, _name("p"), sev, outcome, guarded, self.msg(slot))
                if row.severity:
                    apply += apply_inner
                else:
                    apply += _tpl(
                        "if p != 0:\n    APPLY\nelse:\n    PASSED",
                        APPLY=apply_inner,
                        PASSED=self.passed(rule, guarded) or [ast.Pass()],
                    )
                chain = [ast.If(comp.compile(row.when.tree), apply, chain)]
            return chain
        # 'sum' and 'max': evaluate every row, then apply once.
        out = _tpl("p = 0.0\ns = -1\nhit = -1\nbest = None")
        for n, row in enumerate(plan.rows):
            sev_rank = self.sev_index[row.severity] if row.severity else -1
            points = self.points_expr(row.points, comp)
            if plan.hit == "sum":
                update = _tpl(
                    f"p = p + POINTS\nif {sev_rank} > s:\n    s = {sev_rank}\nif hit < 0:\n    hit = {n}",
                    POINTS=points,
                )
            else:
                update = _tpl(
                    f"q = POINTS\nif best is None or q > best:\n    best = q\n    p = q\n    s = {sev_rank}\n    hit = {n}",
                    POINTS=points,
                )
            out.append(ast.If(comp.compile(row.when.tree), update, []))
        sev_name = ast.Subscript(self.const(self.plan.severities), _name("s"), ast.Load())
        sev_expr = ast.IfExp(ast.Compare(_name("s"), [ast.GtE()], [_c(0)]), sev_name, _c(None))
        row_msgs = self.const(tuple(slots))
        message = ast.Subscript(
            _name("T"), ast.Subscript(row_msgs, _name("hit"), ast.Load()), ast.Load()
        )
        # the outcome is 'points' when no matched row carries a severity
        fired = ast.IfExp(ast.Compare(_name("s"), [ast.GtE()], [_c(0)]), _c("fail"), _c("points"))
        outcome_apply = self.apply(
            rule, _name("p"), _name("sevname"), fired, guarded, message, count_severity=False
        )
        out += _tpl(
            """
            if hit >= 0 and (p != 0 or s >= 0):
                sevname = SEV
                if s >= 0:
                    C[s] += 1
                APPLY
            else:
                PASSED
            """,
            SEV=sev_expr,
            APPLY=outcome_apply,
            PASSED=self.passed(rule, guarded) or [ast.Pass()],
        )
        return out

    def fuse_defect_loops(self, rules: list[_Rule]) -> list[ast.stmt]:
        """One loop over the recorded defects for every defects rule that reads the same list.

        Only rules without `when` whose conditions cannot fail are fused (each keeps its own
        total, added to its category at its own place, so the arithmetic is unchanged); the
        defects are also checked in this loop rather than in one of their own.
        """
        groups: dict[str, list[_Rule]] = {}
        for rule in rules:
            plan = rule.plan
            source: Ref = ("field", plan.defects_of)
            if plan.kind == "defects" and plan.when is None and not _body_may_raise(plan, {source}):
                groups.setdefault(plan.defects_of, []).append(rule)
        out: list[ast.stmt] = []
        for path, members in groups.items():
            if len(members) < 2:
                continue
            source_expr = self.load(("field", path))
            assert isinstance(source_expr, ast.Name)
            d = self.fresh("d")
            body: list[ast.stmt] = []
            hoisted: dict[tuple[str, str], str] = {}
            if path in self.inputs and self.inputs[path][0].type == "defects":
                self.fused_sources.add(source_expr.id)
                code, sev = self.fresh("dc"), self.fresh("ds")
                body += self.defect_checks(d, *self.inputs[path], code=code, sev=sev)
                hoisted = {(d, "code"): code, (d, "severity"): sev}
            start: list[ast.stmt] = []
            for rule in members:
                total, hits = self.fresh("t"), self.fresh("h")
                self.fused[rule.plan.index] = (total, hits)
                start += _tpl(f"{total} = 0.0")
                if self.mode != "fast":
                    start += _tpl(f"{hits} = []")
                guarded: set[Ref] = {("field", path)}
                inner = self.compiler(guarded, {"defect": d})
                inner.hoisted = hoisted
                body += self.defect_match(rule, inner, d, total, hits, hoisted.get((d, "severity")))
            loop = ast.For(ast.Name(d, ast.Store()), source_expr, body, [])
            out += _tpl(
                "if SOURCE is not h_MISSING:\n    START\n    LOOP",
                SOURCE=source_expr,
                h_MISSING=self.helper("MISSING"),
                START=start,
                LOOP=[loop],
            )
        return out

    def defect_match(
        self,
        rule: _Rule,
        inner: ExprCompiler,
        d: str,
        total: str,
        hits: str,
        severity_local: str | None = None,
    ) -> list[ast.stmt]:
        """`if WHERE: q = POINTS; cap; total += q; record the hit` for one defect `d`."""
        plan = rule.plan
        where = inner.compile(plan.defects_where.tree) if plan.defects_where else _c(True)
        severity: ast.expr = (
            _name(severity_local)
            if severity_local
            else ast.Subscript(_name(d), _c("severity"), ast.Load())
        )
        if isinstance(plan.defects_points, dict):
            points: ast.expr = ast.Subscript(self.const(plan.defects_points), severity, ast.Load())
        else:
            points = self.points_expr(plan.defects_points, inner)
        cap = (
            _tpl(
                f"if {total} + q > CAP:\n    q = CAP - {total} if CAP > {total} else 0.0",
                CAP=_c(plan.cap),
            )
            if plan.cap is not None
            else []
        )
        record = (
            _tpl(f"{hits}.append((D, q))", D=d)
            if self.mode != "fast"
            else _tpl("C[SEVIDX[S]] += 1", SEVIDX=self.sev_index_const(), S=severity)
        )
        if not cap and isinstance(points, ast.Constant) and self.mode == "fast":
            return _tpl(
                f"if WHERE:\n    {total} = {total} + POINTS\n    RECORD",
                WHERE=where,
                POINTS=points,
                RECORD=record,
            )
        return _tpl(
            f"if WHERE:\n    q = POINTS\n    CAP\n    {total} = {total} + q\n    RECORD",
            WHERE=where,
            POINTS=points,
            CAP=cap or [ast.Pass()],
            RECORD=record,
        )

    def defects(self, rule: _Rule, comp: ExprCompiler, guarded: set[Ref]) -> list[ast.stmt]:
        plan = rule.plan
        fused = self.fused.get(plan.index)
        if fused is not None:
            var = self.fresh("d")
            loop = _tpl(f"tot = {fused[0]}")
            if self.mode != "fast":
                loop += _tpl(f"hits = {fused[1]}")
        else:
            var = self.fresh("d")
            loop = _tpl(
                "tot = 0.0\nHITS\nfor D in SOURCE:\n    MATCH",
                HITS=_tpl("hits = []") if self.mode != "fast" else [ast.Pass()],
                D=var,
                SOURCE=self.load(("field", plan.defects_of)),
                MATCH=self.defect_match(
                    rule, self.compiler(guarded, {"defect": var}), var, "tot", "hits"
                ),
            )
        d = _name(var)
        severity = ast.Subscript(d, _c("severity"), ast.Load())
        i = rule.cat
        if self.mode == "fast":
            return [*loop, *_tpl(f"if tot != 0:\n    a{i} = a{i} + tot")]
        # The values a defect finding read: the defect's code, severity and every defect field
        # the rule looks at, then the record fields it reads.
        keys: list[ast.expr | None] = []
        items: list[ast.expr] = []
        for key in _defect_fields_read(plan):
            keys.append(_c(f"defect.{key}"))
            items.append(
                ast.Subscript(d, _c(key), ast.Load())
                if key in ("code", "severity")
                else ast.Call(ast.Attribute(d, "get", ast.Load()), [_c(key)], [])
            )
        for ref in plan.reads:
            if ref[0] != "context" and ref != ("field", plan.defects_of):
                keys.append(_c(self.ref_label(ref)))
                items.append(self.load(ref))
        values = ast.Dict(keys, items)
        message = ast.Call(self.helper("defect_message"), [self.msg(rule.message), d], [])
        signed: ast.expr
        points_spec = plan.defects_points
        if plan.cap is None and isinstance(points_spec, float | int):
            # every hit moves the same points: report them rounded once, here
            signed = _c(self.reported(rule.sign, float(points_spec)))
        elif plan.cap is None and isinstance(points_spec, dict):
            table = {sev: self.reported(rule.sign, p) for sev, p in points_spec.items()}
            signed = ast.Subscript(self.const(table), severity, ast.Load())
        else:
            rounded = ast.Call(self.rounder(), [_name("q")], [])
            signed = (
                ast.BinOp(ast.UnaryOp(ast.USub(), rounded), ast.Add(), _c(0.0))
                if rule.sign < 0
                else rounded
            )
        finding = _tpl(
            """
            for D, q in hits:
                C[SEVIDX[SEV]] += 1
                F.append(h_new(h_Finding, (ID, CAT, 'defect', SEV, SIGNED, MSG, VALUES)))
                TRACE
            """,
            D=var,
            SEVIDX=self.sev_index_const(),
            SEV=severity,
            h_new=self.helper("new"),
            h_Finding=self.helper("Finding"),
            h_R=self.rounder(),
            ID=_c(plan.id),
            CAT=_c(plan.category),
            SIGNED=signed,
            MSG=message,
            VALUES=values,
            TRACE=self.trace(rule, "defect", severity, signed, values, message) or [ast.Pass()],
        )
        return [
            *loop,
            *_tpl(f"if tot != 0:\n    a{i} = a{i} + tot"),
            *finding,
            *_tpl("if not hits:\n    PASSED", PASSED=self.passed(rule, guarded) or [ast.Pass()]),
        ]

    # the rating -------------------------------------------------------------------------------

    def epilogue(self) -> list[ast.stmt]:
        plan = self.plan
        out: list[ast.stmt] = []
        static = [0] * len(self.categories)
        for r in plan.rules:
            if r.when is None:
                static[self.categories.index(r.category)] += 1
        # Category scores (None when none of the category's rules was assessed).
        for i, c in enumerate(plan.categories):
            if c.mode == "deduct":
                score = f"s{i} = {c.max!r} - a{i}\n    if s{i} < 0.0:\n        s{i} = 0.0\n    elif s{i} > {c.max!r}:\n        s{i} = {c.max!r}"
            else:
                score = f"s{i} = a{i}\n    if s{i} < 0.0:\n        s{i} = 0.0\n    elif s{i} > {c.max!r}:\n        s{i} = {c.max!r}"
            out += _tpl(f"if {static[i]} + w{i} - m{i} > 0:\n    {score}\nelse:\n    s{i} = None")
        n_cat = len(self.categories)
        parts = [f"s{i}" for i in range(n_cat)]
        app = " + ".join([str(sum(static)), *[f"w{i}" for i in range(n_cat)]])
        miss = " + ".join(["0", *[f"m{i}" for i in range(n_cat)]])
        out += _tpl(f"app = {app}\nmiss = {miss}")
        for j, comp in enumerate(plan.components):
            # A component enters like a category scored out of 100 (its score as a share of the
            # most it can give: 4 stars of 5 enter as 80); one that is optional and has no data
            # is left out.
            top = comp.plan.score_max
            scaled = f"kc[{RAW}]" if top == 100.0 else f"kc[{RAW}] * {100.0 / top!r}"
            out += _tpl(
                f"""
                kc = K[{j}]
                s{n_cat + j} = {scaled} if kc[{RAW}] is not None else None
                if not ({comp.optional!r} and kc[{RAW}] is None):
                    app = app + kc[{APPLICABLE}]
                    miss = miss + kc[{MISSING}]
                """
            )
            for k, sev in enumerate(comp.plan.severities):
                if sev in self.sev_index:
                    out += _tpl(f"C[{self.sev_index[sev]}] += kc[{COUNTS}][{k}]")
            parts.append(f"s{n_cat + j}")
        out += self.overall(parts)
        rounder = self.rounder()
        out += _tpl(
            f"cov = (app - miss) / app if app else 0.0\n"
            f"sc = R(raw) if raw is not None else MISSING\n"
            f"cs = ({''.join(f'R(s{i}) if s{i} is not None else MISSING, ' for i in range(n_cat))})",
            R=rounder,
            MISSING=self.helper("MISSING"),
        )
        out += self.choose("grade", plan.grades, insufficient=True)
        out += self.choose("verdict", plan.verdicts, insufficient=False)
        ret = [
            "sc if raw is not None else None",
            "grade",
            "verdict",
            "cov",
            "("
            + "".join(f"cs[{i}] if cs[{i}] is not MISSING else None, " for i in range(n_cat))
            + ")",
            "C",
            "app",
            "miss",
            "raw",
        ]
        if self.mode == "fast":
            ret += ["None"] * 5
        else:
            ret += [
                "F",
                "NA",
                "W",
                "TR" if self.mode == "trace" else "None",
                "(gi, vi, gv, vv)" if self.mode == "trace" else "None",
            ]
        out += _tpl(f"return ({', '.join(ret)},)", MISSING=self.helper("MISSING"))
        return out

    def overall(self, parts: list[str]) -> list[ast.stmt]:
        method = self.plan.score_method
        if method == "weighted_mean":
            lines = ["num = 0\nden = 0"]
            for part, weight in zip(parts, self.plan.int_weights, strict=True):
                lines.append(
                    f"if {part} is not None:\n    num = num + {weight} * {part}\n    den = den + {weight}"
                )
            lines.append("raw = num / den if den else None")
            return _tpl("\n".join(lines))
        lines = ["raw = None"]
        for part in parts:
            if method == "min":
                lines.append(
                    f"if {part} is not None and (raw is None or {part} < raw):\n    raw = {part}"
                )
            else:
                lines.append(
                    f"if {part} is not None:\n    raw = {part} if raw is None else raw + {part}"
                )
        return _tpl("\n".join(lines))

    def choose(
        self, kind: str, items: tuple[OutcomePlan, ...], *, insufficient: bool
    ) -> list[ast.stmt]:
        """First match wins; a condition that reads missing data does not match."""
        var, index, seen = (
            kind,
            ("gi" if kind == "grade" else "vi"),
            ("gv" if kind == "grade" else "vv"),
        )
        out = _tpl(f"{var} = None\n{index} = -1\n{seen} = None")
        checks: list[ast.stmt] = []
        for n, item in enumerate(items):
            if item.when is None:
                checks += _tpl(
                    f"if {var} is None:\n    {var} = VALUE\n    {index} = {n}", VALUE=_c(item.value)
                )
                continue
            strict = strict_reads(item.when.tree)
            comp = self.compiler(strict)
            test = self.missing_test(strict)
            cond = comp.compile(item.when.tree)
            record = (
                _tpl(f"{seen} = VALUES", VALUES=self.outcome_values(item))
                if self.mode == "trace"
                else []
            )
            checks += _tpl(
                f"""
                if {var} is None:
                    try:
                        if COND:
                            {var} = VALUE
                            {index} = {n}
                            RECORD
                    except h_Missing:
                        pass
                """,
                COND=ast.BoolOp(ast.And(), [ast.UnaryOp(ast.Not(), test), cond])
                if test is not None
                else cond,
                VALUE=_c(item.value),
                RECORD=record or [ast.Pass()],
                h_Missing=self.helper("Missing"),
            )
        if insufficient:
            out += _tpl(
                f"if raw is None or cov < {self.plan.min_coverage!r}:\n    {var} = INSUFFICIENT\nelse:\n    CHECKS",
                INSUFFICIENT=_c(INSUFFICIENT),
                CHECKS=checks or [ast.Pass()],
            )
        else:
            out += checks
        return out

    def outcome_values(self, item: OutcomePlan) -> ast.expr:
        pairs: list[ast.expr] = []
        for ref in item.reads:
            label = ref[1] if ref[0] != "derived" else f"derived.{ref[1]}"
            pairs.append(ast.Tuple([_c(label), self.load(ref)], ast.Load()))
        return ast.Call(self.helper("values"), pairs, [])

    row_messages: list[tuple[int, Any]]


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
    gen.row_messages = []
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
