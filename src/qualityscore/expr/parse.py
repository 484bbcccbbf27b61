"""Parse expression text with the standard library's `ast` into a small, whitelisted syntax tree.

Only the forms listed in docs/expressions.md are accepted; anything else (lambdas, attribute access
to Python internals, assignments, comprehensions with several `for`, keyword arguments ...) is an
`ExprProblem` at the exact offset of the offending syntax.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

_LINE_BREAK = re.compile(r"\r\n|\r|\n")

MAX_LENGTH = 4000
"""Longest expression accepted, in characters."""
MAX_NODES = 500
"""Largest expression accepted, in syntax nodes."""


class ExprProblem(Exception):
    """A problem in one expression, at character offsets [start, end) of its text."""

    def __init__(
        self, code: str, message: str, start: int, end: int, hint: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.start = start
        self.end = max(end, start + 1)
        self.hint = hint


@dataclass(frozen=True)
class Expr:
    """A node of a parsed expression; `start`/`end` are character offsets in the expression text."""

    start: int
    end: int


@dataclass(frozen=True)
class Const(Expr):
    value: bool | int | float | str


@dataclass(frozen=True)
class Name(Expr):
    id: str


@dataclass(frozen=True)
class Attr(Expr):
    obj: Expr
    name: str


@dataclass(frozen=True)
class Index(Expr):
    """`x["key"]` or `x[0]`: a field whose name is not an identifier, or a list item."""

    obj: Expr
    key: str | int


@dataclass(frozen=True)
class Unary(Expr):
    op: str  # 'not', '-', '+'
    operand: Expr


@dataclass(frozen=True)
class Binary(Expr):
    op: str  # '+', '-', '*', '/', '//', '%', '**'
    left: Expr
    right: Expr


@dataclass(frozen=True)
class BoolOp(Expr):
    op: str  # 'and', 'or'
    values: tuple[Expr, ...]


@dataclass(frozen=True)
class Compare(Expr):
    left: Expr
    ops: tuple[str, ...]  # '==', '!=', '<', '<=', '>', '>=', 'in', 'not in'
    rights: tuple[Expr, ...]


@dataclass(frozen=True)
class IfElse(Expr):
    test: Expr
    body: Expr
    orelse: Expr


@dataclass(frozen=True)
class ListLit(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Call(Expr):
    func: str
    args: tuple[Expr, ...]
    func_end: int


@dataclass(frozen=True)
class Generator(Expr):
    """`elt for var in iter [if cond]`, only as the argument of an aggregating function."""

    elt: Expr
    var: str
    iter: Expr
    cond: Expr | None
    var_start: int
    var_end: int


_BINOPS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
}
_CMPOPS: dict[type[ast.cmpop], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
}
_UNSUPPORTED: dict[type[ast.AST], str] = {
    ast.Lambda: "lambda functions",
    ast.NamedExpr: "the := operator",
    ast.ListComp: "list comprehensions",
    ast.SetComp: "set comprehensions",
    ast.DictComp: "dict comprehensions",
    ast.Dict: "dict literals",
    ast.Set: "set literals",
    ast.Tuple: "tuples",
    ast.Starred: "starred arguments",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.JoinedStr: "f-strings",
    ast.FormattedValue: "f-strings",
    ast.Slice: "slices",
    ast.Is: "'is' comparisons",
    ast.IsNot: "'is not' comparisons",
    ast.BitAnd: "bitwise operators",
    ast.BitOr: "bitwise operators",
    ast.BitXor: "bitwise operators",
    ast.LShift: "bitwise operators",
    ast.RShift: "bitwise operators",
    ast.Invert: "bitwise operators",
    ast.MatMult: "the @ operator",
}
_HINTS: dict[str, str] = {
    "lambda functions": "write the condition directly, or use a generator: any(d.x > 1 for d in defects)",
    "'is' comparisons": "use == or present(field)",
    "'is not' comparisons": "use != or present(field)",
    "tuples": "use a list: [a, b]",
    "list comprehensions": "aggregate a generator instead: sum(d.count for d in defects)",
}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        # Lines as Python's tokenizer counts them (it breaks at \r too); line 2 of the wrapped
        # source is line 1 here.
        self.lines = ["", *_LINE_BREAK.split(text)]
        self.line_starts = [0, *(m.end() for m in _LINE_BREAK.finditer(text)), len(text) + 1]
        self.count = 0
        self.ascii = text.isascii()
        # one line of ASCII text: an ast column is the offset (the text is line 2 of the parse)
        self.simple = self.ascii and len(self.line_starts) == 2

    def offset(self, lineno: int | None, col: int | None) -> int:
        """Character offset in `text` of an ast position (1-based line of the wrapped source, byte col)."""
        if lineno is None or col is None:
            return 0
        line = lineno - 2
        if line < 0:
            return 0
        if line >= len(self.line_starts) - 1:
            return len(self.text)
        if self.ascii:  # a byte is a character
            return self.line_starts[line] + min(col, len(self.lines[line + 1]))
        raw = self.lines[line + 1].encode("utf-8")[:col]
        return self.line_starts[line] + len(raw.decode("utf-8", errors="ignore"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        if self.simple and isinstance(node, ast.expr) and node.lineno == node.end_lineno == 2:
            start, end = node.col_offset, node.end_col_offset or node.col_offset
            return start, max(end, start + 1)
        start = self.offset(getattr(node, "lineno", None), getattr(node, "col_offset", None))
        end = self.offset(getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None))
        return start, max(end, start + 1)

    def fail(self, node: ast.AST, code: str, message: str, hint: str | None = None) -> ExprProblem:
        start, end = self.span(node)
        return ExprProblem(code, message, start, end, hint)

    def unsupported(self, node: ast.AST, what: str | None = None) -> ExprProblem:
        what = what or _UNSUPPORTED.get(type(node), f"'{type(node).__name__}' syntax")
        return self.fail(
            node,
            "unsupported-syntax",
            f"{what} are not supported in expressions"
            if what.endswith("s")
            else f"{what} is not supported in expressions",
            _HINTS.get(what, "see docs/expressions.md for what expressions may contain"),
        )

    def check_name(self, node: ast.AST, name: str) -> None:
        if name.startswith("_"):
            raise self.fail(
                node,
                "forbidden-name",
                f"'{name}' is not allowed: names starting with '_' would reach Python internals",
                "expressions see only the standard's inputs, derived values and functions",
            )

    def convert(self, node: ast.AST) -> Expr:
        self.count += 1
        if self.count > MAX_NODES:
            raise ExprProblem(  # a property of the whole expression: point at its start
                "expression-too-large",
                f"the expression has more than {MAX_NODES} parts",
                0,
                len(self.text),
                "split it into derived values",
            )
        start, end = self.span(node)
        if type(node) in _UNSUPPORTED:
            raise self.unsupported(node)
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool | int | float | str):
                if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**15:
                    raise self.fail(node, "invalid-literal", "integers are limited to 15 digits")
                return Const(start, end, value)
            if value is None:
                raise self.fail(
                    node,
                    "unsupported-syntax",
                    "None is not supported in expressions",
                    "a missing field makes its rule not_assessed; test for it with present(field)",
                )
            raise self.unsupported(node, f"{type(value).__name__} literals")
        if isinstance(node, ast.Name):
            self.check_name(node, node.id)
            return Name(start, end, node.id)
        if isinstance(node, ast.Attribute):
            if node.attr.startswith("_"):
                raise ExprProblem(
                    "forbidden-name",
                    f"'{node.attr}' is not allowed: names starting with '_' would reach Python "
                    "internals",
                    end - len(node.attr),
                    end,
                    "expressions see only the standard's inputs, derived values and functions",
                )
            obj = self.convert(node.value)
            if isinstance(obj, Const):
                raise self.fail(node, "unsupported-syntax", "literals have no attributes")
            return Attr(start, end, obj, node.attr)
        if isinstance(node, ast.Subscript):
            obj = self.convert(node.value)
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str | int):
                if isinstance(key.value, bool):
                    raise self.fail(
                        key, "unsupported-syntax", "an index must be text or an integer"
                    )
                if isinstance(key.value, str):
                    self.check_name(key, key.value)
                return Index(start, end, obj, key.value)
            if isinstance(key, ast.UnaryOp) and isinstance(key.op, ast.USub):
                inner = key.operand
                if isinstance(inner, ast.Constant) and type(inner.value) is int:
                    return Index(start, end, obj, -inner.value)
            raise self.fail(
                key,
                "unsupported-syntax",
                "only a literal text or integer may appear inside [ ]",
                'write vehicle["class"] for a field named like a Python keyword, or items[0]',
            )
        if isinstance(node, ast.UnaryOp):
            op = {ast.Not: "not", ast.USub: "-", ast.UAdd: "+"}.get(type(node.op))
            if op is None:
                raise self.unsupported(node.op if type(node.op) in _UNSUPPORTED else node)
            return Unary(start, end, op, self.convert(node.operand))
        if isinstance(node, ast.BinOp):
            bop = _BINOPS.get(type(node.op))
            if bop is None:
                raise self.unsupported(node, _UNSUPPORTED[type(node.op)])
            return Binary(start, end, bop, self.convert(node.left), self.convert(node.right))
        if isinstance(node, ast.BoolOp):
            name = "and" if isinstance(node.op, ast.And) else "or"
            return BoolOp(start, end, name, tuple(self.convert(v) for v in node.values))
        if isinstance(node, ast.Compare):
            ops = []
            for cmp in node.ops:
                op_name = _CMPOPS.get(type(cmp))
                if op_name is None:
                    raise self.fail(
                        node,
                        "unsupported-syntax",
                        f"{_UNSUPPORTED[type(cmp)]} are not supported in expressions",
                        _HINTS.get(_UNSUPPORTED[type(cmp)]),
                    )
                ops.append(op_name)
            return Compare(
                start,
                end,
                self.convert(node.left),
                tuple(ops),
                tuple(self.convert(c) for c in node.comparators),
            )
        if isinstance(node, ast.IfExp):
            return IfElse(
                start,
                end,
                self.convert(node.test),
                self.convert(node.body),
                self.convert(node.orelse),
            )
        if isinstance(node, ast.List):
            return ListLit(start, end, tuple(self.convert(e) for e in node.elts))
        if isinstance(node, ast.Call):
            return self.call(node, start, end)
        if isinstance(node, ast.GeneratorExp):
            raise self.fail(
                node,
                "unsupported-syntax",
                "a generator must be the only argument of a function such as any(), all(), "
                "sum(), count(), min() or max()",
            )
        raise self.unsupported(node)

    def call(self, node: ast.Call, start: int, end: int) -> Call:
        if type(node.func) in _UNSUPPORTED:
            raise self.unsupported(node.func)
        if not isinstance(node.func, ast.Name):
            raise self.fail(
                node.func,
                "unsupported-syntax",
                "only the functions listed in docs/expressions.md can be called, by name",
                "methods are not available; write startswith(d.code, '5.2') for d.code.startswith",
            )
        self.check_name(node.func, node.func.id)
        if node.keywords:
            raise self.fail(
                node.keywords[0].value,
                "unsupported-syntax",
                "keyword arguments are not supported in expressions",
                "pass the arguments in order",
            )
        args: list[Expr] = []
        for arg in node.args:
            if isinstance(arg, ast.GeneratorExp):
                if len(node.args) != 1:
                    raise self.fail(
                        arg,
                        "unsupported-syntax",
                        "a generator must be the function's only argument",
                    )
                args.append(self.generator(arg))
            else:
                args.append(self.convert(arg))
        _, func_end = self.span(node.func)
        return Call(start, end, node.func.id, tuple(args), func_end)

    def generator(self, node: ast.GeneratorExp) -> Generator:
        start, end = self.span(node)
        if len(node.generators) != 1:
            raise self.fail(  # a comprehension has no position of its own
                node, "unsupported-syntax", "a generator may have only one 'for'"
            )
        comp = node.generators[0]
        if comp.is_async:
            raise self.unsupported(node, "async generators")
        if not isinstance(comp.target, ast.Name):
            raise self.fail(
                comp.target,
                "unsupported-syntax",
                "a generator's 'for' takes one name",
                "write 'for d in defects' and use d.code, d.severity",
            )
        self.check_name(comp.target, comp.target.id)
        if len(comp.ifs) > 1:
            raise self.fail(
                comp.ifs[1],
                "unsupported-syntax",
                "a generator may have only one 'if'",
                "join with 'and'",
            )
        cond = self.convert(comp.ifs[0]) if comp.ifs else None
        var_start, var_end = self.span(comp.target)
        return Generator(
            start,
            end,
            self.convert(node.elt),
            comp.target.id,
            self.convert(comp.iter),
            cond,
            var_start,
            var_end,
        )


def parse_expression(text: str) -> Expr:
    """Parse one expression; raises ExprProblem with offsets into `text`."""
    if not isinstance(text, str) or not text.strip():
        raise ExprProblem(
            "expression-syntax", "the expression is empty", 0, max(1, len(text or ""))
        )
    if len(text) > MAX_LENGTH:
        raise ExprProblem(
            "expression-too-large",
            f"the expression has {len(text)} characters; the limit is {MAX_LENGTH}",
            0,
            1,
            "split it into derived values",
        )
    parser = _Parser(text)
    # Parenthesised so that an expression may span several lines of a YAML block scalar.
    try:
        tree = ast.parse("(\n" + text + "\n)", mode="eval")
    except SyntaxError as exc:
        offset = parser.offset(exc.lineno, (exc.offset or 1) - 1)
        message = (exc.msg or "invalid syntax").strip().split(" (detected at line")[0]
        unmatched = _unmatched_closer(text)
        if "Perhaps you forgot a comma" in message:
            message = "two values follow each other with no operator between them"
        elif "Maybe you meant '=='" in message:
            message = "'=' is not a comparison; write '=='"
        if unmatched is not None:
            offset = unmatched
            message = f"'{text[unmatched]}' closes a bracket that was never opened"
        elif "was never closed" in message or (exc.lineno or 0) > len(parser.line_starts):
            unclosed = _unclosed_bracket(text)
            if unclosed is not None:
                offset = unclosed
                message = f"'{text[unclosed]}' is never closed"
            else:
                offset = len(text.rstrip()) - 1
                message = "the expression ends too early"
        raise ExprProblem(
            "expression-syntax",
            f"invalid expression: {message}",
            max(0, min(offset, len(text) - 1)),
            max(1, min(offset + 1, len(text))),
            "expressions use Python syntax: a >= 1.6 and b in ['M1', 'N1']",
        ) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ExprProblem("expression-syntax", f"invalid expression: {exc}", 0, len(text)) from None
    try:
        return parser.convert(tree.body)
    except RecursionError:
        raise ExprProblem(
            "expression-too-large", "the expression is nested too deeply", 0, len(text)
        ) from None


def _brackets(text: str) -> tuple[int | None, int | None]:
    """Offsets of the first closing bracket that closes nothing, and of the first bracket that
    is never closed (quotes are skipped)."""
    stack: list[int] = []
    quote: str | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote is not None:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            stack.append(i)
        elif ch in ")]}":
            if not stack:
                return i, None
            stack.pop()
        i += 1
    return None, (stack[0] if stack else None)


def _unmatched_closer(text: str) -> int | None:
    return _brackets(text)[0]


def _unclosed_bracket(text: str) -> int | None:
    return _brackets(text)[1]
