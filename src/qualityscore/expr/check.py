"""Type-check parsed expressions against a scope (inputs, derived values, rating context).

The result is a typed tree (`T*` nodes) that the compiler turns into Python code; nothing that is
typed wrong ever reaches a record. Problems are `ExprProblem`s with offsets into the expression.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

from qualityscore.expr import parse as p
from qualityscore.expr.functions import FUNCTIONS, ArgumentProblem
from qualityscore.expr.parse import ExprProblem
from qualityscore.expr.types import (
    ANY,
    BOOLEAN,
    DATE,
    INTEGER,
    NUMBER,
    TEXT,
    EnumT,
    ListT,
    OptionalT,
    RecordT,
    Type,
    assignable,
    comparable,
    describe,
    is_numeric,
    is_textual,
    strip_optional,
    unify,
)
from qualityscore.suggest import did_you_mean, one_of

DATE_PARTS = ("year", "month", "day")

# -- typed tree ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TNode:
    type: Type


@dataclass(frozen=True)
class TConst(TNode):
    value: object


@dataclass(frozen=True)
class TField(TNode):
    """A record input, by dotted path."""

    path: str


@dataclass(frozen=True)
class TDerived(TNode):
    name: str


@dataclass(frozen=True)
class TContext(TNode):
    """A value of the rating context: score, coverage, categories.x.score, findings.major ..."""

    path: str


@dataclass(frozen=True)
class TLocal(TNode):
    """A generator variable, or the defect of a defects rule."""

    name: str


@dataclass(frozen=True)
class TGet(TNode):
    """A field of a record-typed value (`d.severity`); `optional` fields may be absent."""

    obj: TNode
    key: str
    optional: bool


@dataclass(frozen=True)
class TDatePart(TNode):
    obj: TNode
    part: str


@dataclass(frozen=True)
class TItem(TNode):
    obj: TNode
    index: int


@dataclass(frozen=True)
class TUnary(TNode):
    op: str
    operand: TNode


@dataclass(frozen=True)
class TBinary(TNode):
    op: str
    left: TNode
    right: TNode


@dataclass(frozen=True)
class TBool(TNode):
    op: str
    values: tuple[TNode, ...]


@dataclass(frozen=True)
class TCompare(TNode):
    left: TNode
    ops: tuple[str, ...]
    rights: tuple[TNode, ...]


@dataclass(frozen=True)
class TIf(TNode):
    test: TNode
    body: TNode
    orelse: TNode


@dataclass(frozen=True)
class TList(TNode):
    items: tuple[TNode, ...]


@dataclass(frozen=True)
class TGen(TNode):
    """A generator; its type is the list of `elt` values."""

    elt: TNode
    var: str
    iter: TNode
    cond: TNode | None


@dataclass(frozen=True)
class TCall(TNode):
    func: str
    args: tuple[TNode, ...]


@dataclass(frozen=True)
class TPresent(TNode):
    target: TNode


@dataclass(frozen=True)
class TValueOr(TNode):
    target: TNode
    default: TNode


# -- scope -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The names an expression may use."""

    fields: Mapping[str, Type]
    derived: Mapping[str, Type] = field(default_factory=dict)
    context: Mapping[str, Type] = field(default_factory=dict)
    locals: Mapping[str, Type] = field(default_factory=dict)

    def with_locals(self, **names: Type) -> Scope:
        scope = replace(self, locals={**self.locals, **names})
        if "groups" in self.__dict__:  # the fields are the same: so are their groups
            scope.__dict__["groups"] = self.__dict__["groups"]
        return scope

    def with_context(self, context: Mapping[str, Type]) -> Scope:
        return replace(self, context=context)

    def names(self) -> list[str]:
        return [*self.locals, *self.derived, *self.context, *self.fields]

    @cached_property
    def groups(self) -> frozenset[str]:
        """Every proper prefix of a field or context path ('measurements', 'categories.brakes')."""
        return frozenset(
            path.rsplit(".", i)[0]
            for mapping in (self.fields, self.context)
            for path in mapping
            for i in range(1, path.count(".") + 1)
        )


@dataclass(frozen=True)
class Checked:
    """A checked expression: its typed tree and the source text it came from."""

    text: str
    tree: TNode

    @property
    def type(self) -> Type:
        return self.tree.type


def check_expression(
    text: str, scope: Scope, *, expect: Type | None = None, what: str = "the expression"
) -> Checked:
    """Parse and type-check `text`; raises ExprProblem at the offending offset."""
    tree = p.parse_expression(text)
    typed = _Checker(scope).check(tree)
    if expect is not None and not assignable(typed.type, expect):
        hint = None
        if expect == BOOLEAN and is_numeric(typed.type):
            hint = "compare it with something, e.g. 'x >= 1.6'"
        raise ExprProblem(
            "type-mismatch",
            f"{what} must be {describe(expect)}, but this is {describe(typed.type)}",
            tree.start,
            tree.end,
            hint,
        )
    return Checked(text, typed)


def _chain(node: p.Expr) -> list[tuple[str | int, p.Expr]] | None:
    """`a.b["c"].d` as [(a, node), (b, node), ...]; None when it is not a plain chain."""
    parts: list[tuple[str | int, p.Expr]] = []
    while True:
        if isinstance(node, p.Name):
            parts.append((node.id, node))
            return parts[::-1]
        if isinstance(node, p.Attr):
            parts.append((node.name, node))
            node = node.obj
        elif isinstance(node, p.Index):
            parts.append((node.key, node))
            node = node.obj
        else:
            return None


def _fail(node: p.Expr, code: str, message: str, hint: str | None = None) -> ExprProblem:
    return ExprProblem(code, message, node.start, node.end, hint)


class _Checker:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.groups = scope.groups

    # names ----------------------------------------------------------------------------------

    def resolve_chain(self, node: p.Expr, chain: list[tuple[str | int, p.Expr]]) -> TNode:
        root = chain[0][0]
        assert isinstance(root, str)
        if root in self.scope.locals:
            return self.access(TLocal(self.scope.locals[root], root), chain[1:])
        if root in self.scope.derived:
            return self.access(TDerived(self.scope.derived[root], root), chain[1:])
        text_parts: list[str] = []
        for i, (part, part_node) in enumerate(chain):
            if not isinstance(part, str):
                break
            text_parts.append(part)
            path = ".".join(text_parts)
            if path in self.scope.context:
                return self.access(TContext(self.scope.context[path], path), chain[i + 1 :])
            if path in self.scope.fields:
                return self.access(TField(self.scope.fields[path], path), chain[i + 1 :])
            if path not in self.groups:
                raise self.unknown(part_node, path)
        path = ".".join(text_parts)
        leaves = sorted(
            f for f in [*self.scope.fields, *self.scope.context] if f.startswith(path + ".")
        )
        raise _fail(
            node,
            "not-a-value",
            f"'{path}' is a group of fields, not a value",
            f"use one of its fields, e.g. '{leaves[0]}'" if leaves else None,
        )

    def unknown(self, node: p.Expr, path: str) -> ExprProblem:
        names = self.scope.names()
        hint = None
        if path in FUNCTIONS:
            hint = f"{path} is a function: call it, e.g. {FUNCTIONS[path].example}"
        if hint is None and path.lower() in ("true", "false", "none", "null"):
            hint = "write the booleans as True and False; a missing value is tested with present(field)"
        if hint is None:
            hint = did_you_mean(path, names)
        if hint is None:
            hint = "declare it under 'inputs:' (or 'derived:') to use it"
        kind = "field" if "." in path or path not in FUNCTIONS else "name"
        return _fail(node, "unknown-field", f"unknown {kind} '{path}'", hint)

    def access(self, value: TNode, rest: list[tuple[str | int, p.Expr]]) -> TNode:
        for part, node in rest:
            base = strip_optional(value.type)
            if isinstance(part, int):
                if not isinstance(base, ListT):
                    raise _fail(node, "type-mismatch", f"{describe(base)} cannot be indexed")
                value = TItem(base.item, value, part)
            elif isinstance(base, RecordT):
                if part not in base.fields:
                    raise _fail(
                        node,
                        "unknown-field",
                        f"{base.label} has no field '{part}'",
                        did_you_mean(part, base.fields)
                        or f"its fields are {one_of(sorted(base.fields))}",
                    )
                field_type = base.fields[part]
                value = TGet(field_type, value, part, isinstance(field_type, OptionalT))
            elif base == DATE and part in DATE_PARTS:
                value = TDatePart(INTEGER, value, part)
            else:
                hint = "a date has .year, .month and .day" if base == DATE else None
                raise _fail(node, "unknown-field", f"{describe(base)} has no field '{part}'", hint)
        return value

    # expressions ----------------------------------------------------------------------------

    def check(self, node: p.Expr) -> TNode:
        if isinstance(node, p.Const):
            value = node.value
            t: Type = (
                BOOLEAN
                if isinstance(value, bool)
                else INTEGER
                if isinstance(value, int)
                else NUMBER
                if isinstance(value, float)
                else TEXT
            )
            return TConst(t, value)
        if isinstance(node, p.Name | p.Attr | p.Index):
            chain = _chain(node)
            if chain is None:
                assert isinstance(node, p.Attr | p.Index)
                base = self.check(node.obj)
                key: str | int = node.name if isinstance(node, p.Attr) else node.key
                return self.access(base, [(key, node)])
            return self.resolve_chain(node, chain)
        if isinstance(node, p.Unary):
            return self.unary(node)
        if isinstance(node, p.Binary):
            return self.binary(node)
        if isinstance(node, p.BoolOp):
            values = tuple(self.boolean(v, f"'{node.op}'") for v in node.values)
            return TBool(BOOLEAN, node.op, values)
        if isinstance(node, p.Compare):
            return self.compare(node)
        if isinstance(node, p.IfElse):
            test = self.boolean(node.test, "the condition of 'if'")
            body, orelse = self.check(node.body), self.check(node.orelse)
            joined = unify(body.type, orelse.type)
            if joined is None:
                raise _fail(
                    node,
                    "type-mismatch",
                    f"the two branches of 'if' differ: {describe(body.type)} and "
                    f"{describe(orelse.type)}",
                )
            return TIf(joined, test, body, orelse)
        if isinstance(node, p.ListLit):
            items = tuple(self.check(i) for i in node.items)
            item_type: Type = ANY
            for item, source in zip(items, node.items, strict=True):
                joined = unify(item_type, item.type)
                if joined is None:
                    raise _fail(
                        source,
                        "type-mismatch",
                        f"list items must all have one type, but this is {describe(item.type)} "
                        f"after items of type {item_type}",
                    )
                item_type = joined
            return TList(ListT(item_type), items)
        if isinstance(node, p.Call):
            return self.call(node)
        raise _fail(node, "unsupported-syntax", "this is not supported in expressions")

    def boolean(self, node: p.Expr, where: str) -> TNode:
        typed = self.check(node)
        if typed.type not in (BOOLEAN, ANY):
            raise _fail(
                node,
                "type-mismatch",
                f"{where} needs true/false values, but this is {describe(typed.type)}",
                "compare it with something, e.g. 'x > 0'" if is_numeric(typed.type) else None,
            )
        return typed

    def unary(self, node: p.Unary) -> TNode:
        if node.op == "not":
            return TUnary(BOOLEAN, "not", self.boolean(node.operand, "'not'"))
        operand = self.check(node.operand)
        if not is_numeric(operand.type):
            raise _fail(
                node,
                "type-mismatch",
                f"'{node.op}' needs a number, but this is {describe(operand.type)}",
            )
        if isinstance(operand, TConst) and isinstance(operand.value, int | float):
            value = -operand.value if node.op == "-" else operand.value
            return TConst(operand.type, value)
        return TUnary(operand.type, node.op, operand)

    def binary(self, node: p.Binary) -> TNode:
        left, right = self.check(node.left), self.check(node.right)
        for side, source in ((left, node.left), (right, node.right)):
            if not is_numeric(side.type):
                hint = (
                    "a field that may be absent: use value_or(field, default)"
                    if isinstance(side.type, OptionalT)
                    else None
                )
                raise _fail(
                    source,
                    "type-mismatch",
                    f"'{node.op}' needs numbers, but this is {describe(side.type)}",
                    hint,
                )
        integer = left.type == INTEGER and right.type == INTEGER and node.op != "/"
        if node.op == "**":
            exponent = right.value if isinstance(right, TConst) else None
            if not isinstance(exponent, int | float):
                raise _fail(
                    node.right,
                    "unsupported-syntax",
                    "the exponent of '**' must be a number written out",
                    "write x * x for a square",
                )
            if abs(exponent) > 8:
                raise _fail(node.right, "invalid-literal", "the exponent of '**' is limited to 8")
            integer = integer and exponent >= 0
        return TBinary(INTEGER if integer else NUMBER, node.op, left, right)

    def compare(self, node: p.Compare) -> TNode:
        operands = [self.check(node.left)]
        sources = [node.left]
        for op, source in zip(node.ops, node.rights, strict=True):
            right = self.check(source)
            if op in ("in", "not in"):
                right = self.membership(operands[-1], right, source, op)
            else:
                left, right = self.coerce_pair(operands[-1], sources[-1], right, source)
                operands[-1] = left
                self.comparison(op, left, right, node)
            operands.append(right)
            sources.append(source)
        return TCompare(BOOLEAN, operands[0], tuple(node.ops), tuple(operands[1:]))

    def coerce_pair(self, a: TNode, a_src: p.Expr, b: TNode, b_src: p.Expr) -> tuple[TNode, TNode]:
        """Dates against text literals, enum values against text literals."""
        a = self.coerce_literal(a, a_src, b.type)
        b = self.coerce_literal(b, b_src, a.type)
        return a, b

    def coerce_literal(self, literal: TNode, source: p.Expr, other: Type) -> TNode:
        other = strip_optional(other)
        if not (isinstance(literal, TConst) and isinstance(literal.value, str)):
            return literal
        if other == DATE:
            return TConst(DATE, _parse_date(literal.value, source))
        if isinstance(other, EnumT):
            if literal.value not in other.values:
                raise _fail(
                    source,
                    "unknown-enum-value",
                    f"'{literal.value}' is not one of the values: {one_of(other.values)}",
                    did_you_mean(literal.value, other.values),
                )
            return TConst(other, literal.value)
        return literal

    def comparison(self, op: str, a: TNode, b: TNode, node: p.Compare) -> None:
        at, bt = a.type, b.type
        if op in ("==", "!="):
            if unify(strip_optional(at), strip_optional(bt)) is None:
                raise _fail(
                    node,
                    "type-mismatch",
                    f"cannot compare {describe(at)} with {describe(bt)}",
                    _compare_hint(at, bt),
                )
            return
        if isinstance(at, OptionalT) or isinstance(bt, OptionalT):
            raise _fail(
                node,
                "type-mismatch",
                f"'{op}' cannot compare a value that may be absent",
                "use value_or(field, default), or test present(field) first",
            )
        if not comparable(at, bt):
            raise _fail(
                node,
                "type-mismatch",
                f"'{op}' cannot compare {describe(at)} with {describe(bt)}",
                _compare_hint(at, bt),
            )

    def membership(self, a: TNode, right: TNode, r_src: p.Expr, op: str) -> TNode:
        if is_textual(a.type) and is_textual(right.type) and not isinstance(right.type, ListT):
            return right  # substring test
        if not isinstance(right.type, ListT):
            raise _fail(
                r_src,
                "type-mismatch",
                f"'{op}' needs a list on its right, but this is {describe(right.type)}",
                'write x in ["M1", "N1"]',
            )
        target = strip_optional(a.type)
        if isinstance(right, TList) and isinstance(r_src, p.ListLit):
            items = tuple(
                self.coerce_literal(item, src, target)
                for item, src in zip(right.items, r_src.items, strict=True)
            )
            item_type: Type = ANY
            for item in items:
                item_type = unify(item_type, item.type) or item_type
            right = TList(ListT(item_type), items)
        assert isinstance(right.type, ListT)
        item_of: Type = right.type.item
        if unify(target, item_of) is None:
            raise _fail(
                r_src,
                "type-mismatch",
                f"cannot look for {describe(a.type)} in a list of {item_of}",
                _compare_hint(a.type, item_of),
            )
        return right

    def call(self, node: p.Call) -> TNode:
        fn = FUNCTIONS.get(node.func)
        if fn is None:
            raise ExprProblem(
                "unknown-function",
                f"unknown function '{node.func}'",
                node.start,
                node.func_end,
                did_you_mean(node.func, FUNCTIONS)
                or f"the functions are {one_of(sorted(FUNCTIONS))}",
            )
        count = len(node.args)
        if count < fn.min_args or (fn.max_args is not None and count > fn.max_args):
            want = (
                str(fn.min_args)
                if fn.min_args == fn.max_args
                else f"{fn.min_args} or more"
                if fn.max_args is None
                else f"{fn.min_args} to {fn.max_args}"
            )
            raise ExprProblem(
                "wrong-arguments",
                f"{fn.name}() takes {want} argument{'s' * (want != '1')}, but {count} "
                f"{'was' if count == 1 else 'were'} given",
                node.start,
                node.end,
                f"usage: {fn.signature}",
            )
        gens = [a for a in node.args if isinstance(a, p.Generator)]
        if gens and fn.form != "aggregate":
            raise _fail(gens[0], "unsupported-syntax", f"{fn.name}() does not take a generator")
        if fn.name in ("present", "value_or", "date", "years_since"):
            return self.special(fn.name, node)
        if fn.name in ("argmin", "argmax"):
            if not gens:
                raise _fail(
                    node,
                    "wrong-arguments",
                    f"{fn.name}() takes a generator: {fn.signature}",
                )
            gen = self.generator(gens[0])
            iter_type = gen.iter.type
            assert isinstance(iter_type, ListT)
            return self.apply(fn.name, node, [gen.elt.type, iter_type.item], (gen,))
        args = tuple(
            self.generator(a) if isinstance(a, p.Generator) else self.check(a) for a in node.args
        )
        if fn.name == "round" and len(args) == 2:
            places = args[1].value if isinstance(args[1], TConst) else None
            if not (isinstance(places, int) and 0 <= places <= 15):
                raise _fail(
                    node.args[1], "wrong-arguments", "round()'s places must be written out, 0 to 15"
                )
        return self.apply(fn.name, node, [a.type for a in args], args)

    def apply(self, name: str, node: p.Call, types: list[Type], args: tuple[TNode, ...]) -> TNode:
        try:
            result = FUNCTIONS[name].result(types)
        except ArgumentProblem as exc:
            where = node.args[exc.index] if 0 <= exc.index < len(node.args) else node
            raise _fail(
                where, "type-mismatch", exc.message, f"usage: {FUNCTIONS[name].signature}"
            ) from None
        return TCall(result, name, args)

    def generator(self, node: p.Generator) -> TGen:
        source = self.check(node.iter)
        if not isinstance(source.type, ListT):
            raise _fail(
                node.iter,
                "type-mismatch",
                f"a generator loops over a list, but this is {describe(source.type)}",
            )
        if node.var in self.scope.fields or node.var in self.scope.derived:
            raise ExprProblem(
                "shadowed-name",
                f"the loop name '{node.var}' hides a field of the same name",
                node.var_start,
                node.var_end,
                "choose another name, e.g. 'x'",
            )
        inner = _Checker(self.scope.with_locals(**{node.var: source.type.item}))
        elt = inner.check(node.elt)
        cond = (
            inner.boolean(node.cond, "the 'if' of a generator") if node.cond is not None else None
        )
        return TGen(ListT(elt.type), elt, node.var, source, cond)

    def special(self, name: str, node: p.Call) -> TNode:
        if name == "date":
            (arg,) = node.args
            if not (isinstance(arg, p.Const) and isinstance(arg.value, str)):
                raise _fail(
                    arg, "wrong-arguments", 'date() takes a date written out: date("2018-05-20")'
                )
            return TConst(DATE, _parse_date(arg.value, arg))
        if name == "years_since":
            if self.scope.fields.get("inspection.date") != DATE:
                raise _fail(
                    node,
                    "unknown-field",
                    "years_since() counts up to inspection.date, which this standard does not "
                    "declare as a date input",
                    "add 'inspection.date: {type: date}' under inputs, or use years_between(a, b)",
                )
            (arg,) = node.args
            value = self.check(arg)
            if value.type != DATE:
                raise _fail(
                    arg, "type-mismatch", f"years_since() needs a date, not {describe(value.type)}"
                )
            return TCall(INTEGER, "years_since", (value, TField(DATE, "inspection.date")))
        target_node = node.args[0]
        target = self.check(target_node)
        if not isinstance(target, TField | TDerived | TContext | TGet):
            raise _fail(
                target_node,
                "wrong-arguments",
                f"{name}() takes a field, such as measurements.noise_db or d.area",
            )
        if name == "present":
            return TPresent(BOOLEAN, target)
        default = self.check(node.args[1])
        default = self.coerce_literal(default, node.args[1], target.type)
        return self.apply_value_or(node, target, default)

    def apply_value_or(self, node: p.Call, target: TNode, default: TNode) -> TNode:
        try:
            result = FUNCTIONS["value_or"].result([strip_optional(target.type), default.type])
        except ArgumentProblem as exc:
            raise _fail(node.args[1], "type-mismatch", exc.message) from None
        return TValueOr(result, target, default)


def _parse_date(text: str, node: p.Expr) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _fail(
            node, "invalid-literal", f"'{text}' is not a date", "write dates as YYYY-MM-DD"
        ) from None


def _compare_hint(a: Type, b: Type) -> str | None:
    a, b = strip_optional(a), strip_optional(b)
    for x, y in ((a, b), (b, a)):
        if isinstance(x, EnumT) and is_numeric(y):
            return (
                f"the values are text: compare with one of {one_of(repr(v) for v in x.values[:5])}"
            )
        if x == TEXT and is_numeric(y):
            return "quote the number to compare text, or declare the field as a number"
        if x == DATE and is_numeric(y):
            return 'compare dates with dates: x >= "2018-05-20"'
    return None
