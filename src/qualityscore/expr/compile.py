"""Compile typed expression trees into Python AST, and analyse which values they read.

The compiler never sees expression text: it builds `ast` nodes from the checked tree, so that user
text can only ever become a constant. A read of a value the record may lack is guarded: it raises
`Missing` (the rule is not assessed) unless the caller has already checked the value is there.
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any, Literal

from qualityscore.expr import check as c

RefKind = Literal["field", "derived", "context"]
Ref = tuple[RefKind, str]
"""A value an expression reads: a record field, a derived value or a rating-context value."""

_CMP: dict[str, type[ast.cmpop]] = {
    "==": ast.Eq,
    "!=": ast.NotEq,
    "<": ast.Lt,
    "<=": ast.LtE,
    ">": ast.Gt,
    ">=": ast.GtE,
    "in": ast.In,
    "not in": ast.NotIn,
}
_ARITH: dict[str, type[ast.operator]] = {"+": ast.Add, "-": ast.Sub, "*": ast.Mult}
_HELPER_OPS = {"/": "div", "//": "floordiv", "%": "mod", "**": "power"}


def ref_of(node: c.TNode) -> Ref | None:
    if isinstance(node, c.TField):
        return ("field", node.path)
    if isinstance(node, c.TDerived):
        return ("derived", node.name)
    if isinstance(node, c.TContext):
        return ("context", node.path)
    return None


def children(node: c.TNode) -> Iterator[c.TNode]:
    """Every direct sub-expression of a typed node."""
    if isinstance(node, c.TGet | c.TDatePart | c.TItem):
        yield node.obj
    elif isinstance(node, c.TUnary):
        yield node.operand
    elif isinstance(node, c.TBinary):
        yield node.left
        yield node.right
    elif isinstance(node, c.TBool):
        yield from node.values
    elif isinstance(node, c.TCompare):
        yield node.left
        yield from node.rights
    elif isinstance(node, c.TIf):
        yield node.test
        yield node.body
        yield node.orelse
    elif isinstance(node, c.TList):
        yield from node.items
    elif isinstance(node, c.TGen):
        yield node.iter
        yield node.elt
        if node.cond is not None:
            yield node.cond
    elif isinstance(node, c.TCall):
        yield from node.args
    elif isinstance(node, c.TPresent):
        yield node.target
    elif isinstance(node, c.TValueOr):
        yield node.target
        yield node.default


def all_reads(node: c.TNode) -> list[Ref]:
    """Every value the expression may read, in order of first appearance."""
    found: dict[Ref, None] = {}

    def walk(n: c.TNode) -> None:
        ref = ref_of(n)
        if ref is not None:
            found.setdefault(ref)
        for child in children(n):
            walk(child)

    walk(node)
    return list(found)


def strict_reads(node: c.TNode) -> set[Ref]:
    """The values the expression reads whatever the record holds (before any short-circuit).

    If one of them is missing, evaluating the expression would raise `Missing` anyway, so the
    caller may test for them up front and compile the reads without guards.
    """
    ref = ref_of(node)
    if ref is not None:
        return {ref}
    if isinstance(node, c.TBool):
        return strict_reads(node.values[0])
    if isinstance(node, c.TIf):
        return strict_reads(node.test)
    if isinstance(node, c.TCompare):
        return strict_reads(node.left) | strict_reads(node.rights[0])
    if isinstance(node, c.TGen):
        return strict_reads(node.iter)
    if isinstance(node, c.TPresent | c.TValueOr):
        return set()
    out: set[Ref] = set()
    for child in children(node):
        out |= strict_reads(child)
    return out


def constant(value: Any) -> ast.expr:
    """A literal in generated code (frozensets of text included, which compile() accepts)."""
    return ast.Constant(value)


def load_name(ident: str) -> ast.Name:
    """A read of the variable `ident` in generated code."""
    return ast.Name(ident, ast.Load())


def _call(func: ast.expr, *args: ast.expr) -> ast.Call:
    return ast.Call(func, list(args), [])


def is_not_missing(value: ast.expr, missing: ast.expr) -> ast.Compare:
    return ast.Compare(value, [ast.IsNot()], [missing])


class ExprCompiler:
    """Turns typed trees into `ast.expr`, given how the surrounding function names things.

    `load(ref)` gives the local variable holding a value (MISSING when absent); `guarded` are the
    references already known to be present; `helper(name)` and `const(value)` give names of runtime
    helpers and of constants that cannot be literals (dates); `local(var)` renames loop variables.
    """

    def __init__(
        self,
        load: Callable[[Ref], ast.expr],
        helper: Callable[[str], ast.expr],
        const: Callable[[object], ast.expr],
        locals_: dict[str, str] | None = None,
        guarded: frozenset[Ref] | set[Ref] = frozenset(),
        fresh: Callable[[], str] | None = None,
    ) -> None:
        self.hoisted: dict[tuple[str, str], str] = {}
        """(loop variable, field) -> a local already holding that field of the item."""
        self.load = load
        self.helper = helper
        self.const = const
        self.locals = dict(locals_ or {})
        self.guarded = guarded
        self._counter = 0
        self.fresh = fresh or self._fresh

    def _fresh(self) -> str:
        self._counter += 1
        return f"_g{self._counter}"

    def with_guarded(self, guarded: set[Ref] | frozenset[Ref]) -> ExprCompiler:
        return ExprCompiler(self.load, self.helper, self.const, self.locals, guarded, self.fresh)

    def literal(self, value: object) -> ast.expr:
        if isinstance(value, dt.date):
            return self.const(value)
        return constant(value)

    def guard(self, ref: Ref) -> ast.expr:
        value = self.load(ref)
        if ref in self.guarded:
            return value
        return ast.IfExp(
            is_not_missing(value, self.helper("MISSING")), value, _call(self.helper("miss"))
        )

    def compile(self, node: c.TNode) -> ast.expr:
        ref = ref_of(node)
        if ref is not None:
            return self.guard(ref)
        if isinstance(node, c.TConst):
            return self.literal(node.value)
        if isinstance(node, c.TLocal):
            return load_name(self.locals[node.name])
        if isinstance(node, c.TGet):
            if isinstance(node.obj, c.TLocal):
                hoisted = self.hoisted.get((self.locals[node.obj.name], node.key))
                if hoisted is not None:
                    return load_name(hoisted)
            obj = self.compile(node.obj)
            if node.optional:
                return _call(ast.Attribute(obj, "get", ast.Load()), ast.Constant(node.key))
            if node.key == "count":  # a defect's count defaults to 1, and the fast path
                # (compiler.check_defects) accepts a defect without it, unnormalised
                get = ast.Attribute(obj, "get", ast.Load())
                return _call(get, ast.Constant(node.key), ast.Constant(1))
            return ast.Subscript(obj, ast.Constant(node.key), ast.Load())
        if isinstance(node, c.TDatePart):
            assert node.part in c.DATE_PARTS
            return ast.Attribute(self.compile(node.obj), node.part, ast.Load())
        if isinstance(node, c.TItem):
            return _call(self.helper("item"), self.compile(node.obj), ast.Constant(node.index))
        if isinstance(node, c.TUnary):
            op: ast.unaryop = (
                ast.Not() if node.op == "not" else ast.USub() if node.op == "-" else ast.UAdd()
            )
            return ast.UnaryOp(op, self.compile(node.operand))
        if isinstance(node, c.TBinary):
            left, right = self.compile(node.left), self.compile(node.right)
            if node.op in _ARITH:
                return ast.BinOp(left, _ARITH[node.op](), right)
            return _call(self.helper(_HELPER_OPS[node.op]), left, right)
        if isinstance(node, c.TBool):
            op_: ast.boolop = ast.And() if node.op == "and" else ast.Or()
            return ast.BoolOp(op_, [self.compile(v) for v in node.values])
        if isinstance(node, c.TCompare):
            return self.compare(node)
        if isinstance(node, c.TIf):
            return ast.IfExp(
                self.compile(node.test), self.compile(node.body), self.compile(node.orelse)
            )
        if isinstance(node, c.TList):
            return self.list_literal(node)
        if isinstance(node, c.TGen):
            return self.generator(node, None)
        if isinstance(node, c.TCall):
            return self.call(node)
        if isinstance(node, c.TPresent):
            return self.present(node.target)
        if isinstance(node, c.TValueOr):
            return self.value_or(node)
        raise TypeError(f"cannot compile {type(node).__name__}")  # pragma: no cover

    def compare(self, node: c.TCompare) -> ast.expr:
        rights: list[ast.expr] = []
        for op, right in zip(node.ops, node.rights, strict=True):
            if (
                op in ("in", "not in")
                and isinstance(right, c.TList)
                and right.items
                and all(
                    isinstance(i, c.TConst) and not isinstance(i.value, dt.date)
                    for i in right.items
                )
            ):
                values = frozenset(i.value for i in right.items if isinstance(i, c.TConst))
                rights.append(constant(values))
            else:
                rights.append(self.compile(right))
        return ast.Compare(self.compile(node.left), [_CMP[op]() for op in node.ops], rights)

    def list_literal(self, node: c.TList) -> ast.expr:
        return ast.List([self.compile(i) for i in node.items], ast.Load())

    def generator(self, node: c.TGen, key_with_item: bool | None) -> ast.expr:
        var = self.fresh()
        inner = ExprCompiler(
            self.load,
            self.helper,
            self.const,
            {**self.locals, node.var: var},
            self.guarded,
            self.fresh,
        )
        elt = inner.compile(node.elt)
        if key_with_item:
            elt = ast.Tuple([elt, load_name(var)], ast.Load())
        conds = [inner.compile(node.cond)] if node.cond is not None else []
        comp = ast.comprehension(ast.Name(var, ast.Store()), self.compile(node.iter), conds, 0)
        return ast.GeneratorExp(elt, [comp])

    def call(self, node: c.TCall) -> ast.expr:
        name = node.func
        args = node.args
        if name in ("argmin", "argmax"):
            gen = args[0]
            assert isinstance(gen, c.TGen)
            return _call(self.helper(name), self.generator(gen, True))
        compiled = [self.compile(a) for a in args]
        if name in ("min", "max"):
            if len(compiled) == 1:
                return _call(self.helper(f"{name}_of"), compiled[0])
            return _call(self.helper(name), *compiled)
        if name == "round":
            helper = "round_half_up" if len(compiled) == 2 else "round_to_int"
            return _call(self.helper(helper), *compiled)
        if name == "years_since":
            return _call(self.helper("years_between"), *compiled)
        from qualityscore.expr.functions import FUNCTIONS

        helper_name = FUNCTIONS[name].helper
        assert helper_name is not None
        return _call(self.helper(helper_name), *compiled)

    def present(self, target: c.TNode) -> ast.expr:
        ref = ref_of(target)
        if ref is not None:
            return is_not_missing(self.load(ref), self.helper("MISSING"))
        assert isinstance(target, c.TGet)
        return ast.Compare(self.get_optional(target), [ast.IsNot()], [ast.Constant(None)])

    def get_optional(self, target: c.TGet) -> ast.expr:
        return _call(
            ast.Attribute(self.compile(target.obj), "get", ast.Load()), ast.Constant(target.key)
        )

    def value_or(self, node: c.TValueOr) -> ast.expr:
        default = self.compile(node.default)
        ref = ref_of(node.target)
        if ref is not None:
            value = self.load(ref)
            return ast.IfExp(is_not_missing(value, self.helper("MISSING")), value, default)
        target = node.target
        assert isinstance(target, c.TGet)
        obj = self.compile(target.obj)
        fetched = _call(
            ast.Attribute(obj, "get", ast.Load()), ast.Constant(target.key), ast.Constant(None)
        )
        # `d.get(k) if d.get(k) is not None else default`, with the lookup done once:
        return _call(self.helper("or_default"), fetched, default)
