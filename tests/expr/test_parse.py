"""expr.parse: the whitelisted syntax tree, its offsets, and what is refused where."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualityscore.expr import parse as p
from qualityscore.expr.parse import MAX_LENGTH, MAX_NODES, ExprProblem, parse_expression


def refused(text: str) -> ExprProblem:
    with pytest.raises(ExprProblem) as problem:
        parse_expression(text)
    return problem.value


def test_a_comparison_of_a_dotted_field() -> None:
    tree = parse_expression("measurements.tyre_tread_mm >= 1.6")
    assert tree == p.Compare(
        0,
        33,
        p.Attr(0, 26, p.Name(0, 12, "measurements"), "tyre_tread_mm"),
        (">=",),
        (p.Const(30, 33, 1.6),),
    )


def test_every_accepted_form() -> None:
    assert parse_expression("not a") == p.Unary(0, 5, "not", p.Name(4, 5, "a"))
    assert parse_expression("-a") == p.Unary(0, 2, "-", p.Name(1, 2, "a"))
    assert parse_expression("a // 2") == p.Binary(0, 6, "//", p.Name(0, 1, "a"), p.Const(5, 6, 2))
    assert parse_expression("a and b or c") == p.BoolOp(
        0,
        12,
        "or",
        (p.BoolOp(0, 7, "and", (p.Name(0, 1, "a"), p.Name(6, 7, "b"))), p.Name(11, 12, "c")),
    )
    assert parse_expression("a < b <= c") == p.Compare(
        0, 10, p.Name(0, 1, "a"), ("<", "<="), (p.Name(4, 5, "b"), p.Name(9, 10, "c"))
    )
    assert parse_expression("a not in [1]") == p.Compare(
        0, 12, p.Name(0, 1, "a"), ("not in",), (p.ListLit(9, 12, (p.Const(10, 11, 1),)),)
    )
    assert parse_expression("a if b else c") == p.IfElse(
        0, 13, p.Name(5, 6, "b"), p.Name(0, 1, "a"), p.Name(12, 13, "c")
    )
    assert parse_expression('v["class"]') == p.Index(0, 10, p.Name(0, 1, "v"), "class")
    assert parse_expression("xs[-1]") == p.Index(0, 6, p.Name(0, 2, "xs"), -1)
    assert parse_expression("round(x, 1)") == p.Call(
        0, 11, "round", (p.Name(6, 7, "x"), p.Const(9, 10, 1)), 5
    )
    assert parse_expression("True") == p.Const(0, 4, True)
    assert parse_expression("'M1'") == p.Const(0, 4, "M1")


def test_a_generator_as_the_only_argument() -> None:
    tree = parse_expression("sum(d.count for d in defects if d.area == 'body')")
    assert isinstance(tree, p.Call) and tree.func == "sum"
    (gen,) = tree.args
    assert isinstance(gen, p.Generator)
    assert (gen.var, gen.var_start, gen.var_end) == ("d", 16, 17)
    assert gen.elt == p.Attr(4, 11, p.Name(4, 5, "d"), "count")
    assert gen.iter == p.Name(21, 28, "defects")
    assert isinstance(gen.cond, p.Compare)


def test_offsets_are_characters_across_lines_and_non_ascii_text() -> None:
    text = "'Тормоза' == x and\n  y >= 1"
    tree = parse_expression(text)
    assert isinstance(tree, p.BoolOp)
    compare, second = tree.values
    assert isinstance(compare, p.Compare) and compare.rights == (p.Name(13, 14, "x"),)
    assert isinstance(second, p.Compare) and second.left == p.Name(21, 22, "y")
    assert text[21] == "y"


@pytest.mark.parametrize(
    ("text", "code", "message", "where"),
    [
        ("", "expression-syntax", "the expression is empty", (0, 1)),
        ("a >=", "expression-syntax", "invalid expression: the expression ends too early", (3, 4)),
        (
            "a b",
            "expression-syntax",
            "invalid expression: two values follow each other with no operator between them",
            (0, 1),
        ),
        ("min(a, 3", "expression-syntax", "invalid expression: '(' is never closed", (3, 4)),
        (
            "(a))",
            "expression-syntax",
            "invalid expression: ')' closes a bracket that was never opened",
            (3, 4),
        ),
        (
            "a = 1",
            "expression-syntax",
            "invalid expression: '=' is not a comparison; write '=='",
            (0, 1),
        ),
        ("'abc", "expression-syntax", "invalid expression: unterminated string literal", (0, 1)),
        ("(1, 2)", "unsupported-syntax", "tuples are not supported in expressions", (0, 6)),
        (
            "a is b",
            "unsupported-syntax",
            "'is' comparisons are not supported in expressions",
            (0, 6),
        ),
        ("None", "unsupported-syntax", "None is not supported in expressions", (0, 4)),
        ("{1: 2}", "unsupported-syntax", "dict literals are not supported in expressions", (0, 6)),
        ("{1}", "unsupported-syntax", "set literals are not supported in expressions", (0, 3)),
        (
            "lambda: 1",
            "unsupported-syntax",
            "lambda functions are not supported in expressions",
            (0, 9),
        ),
        (
            "(a := 1)",
            "unsupported-syntax",
            "the := operator is not supported in expressions",
            (1, 7),
        ),
        ("a @ b", "unsupported-syntax", "the @ operator is not supported in expressions", (0, 5)),
        (
            "a << 1",
            "unsupported-syntax",
            "bitwise operators are not supported in expressions",
            (0, 6),
        ),
        ("~a", "unsupported-syntax", "bitwise operators are not supported in expressions", (0, 1)),
        ("f'x'", "unsupported-syntax", "f-strings are not supported in expressions", (0, 4)),
        ("1j", "unsupported-syntax", "complex literals are not supported in expressions", (0, 2)),
        (
            "f(*a)",
            "unsupported-syntax",
            "starred arguments are not supported in expressions",
            (2, 4),
        ),
        (
            "f(x=1)",
            "unsupported-syntax",
            "keyword arguments are not supported in expressions",
            (4, 5),
        ),
        (
            "x.y()",
            "unsupported-syntax",
            "only the functions listed in docs/expressions.md can be called, by name",
            (0, 3),
        ),
        (
            "a[b]",
            "unsupported-syntax",
            "only a literal text or integer may appear inside [ ]",
            (2, 3),
        ),
        (
            "a[1:2]",
            "unsupported-syntax",
            "only a literal text or integer may appear inside [ ]",
            (2, 5),
        ),
        ("a[True]", "unsupported-syntax", "an index must be text or an integer", (2, 6)),
        ("1 .real", "unsupported-syntax", "literals have no attributes", (0, 7)),
        (
            "[x for x in y]",
            "unsupported-syntax",
            "list comprehensions are not supported in expressions",
            (0, 14),
        ),
        (
            "x for x in y",
            "unsupported-syntax",
            "a generator must be the only argument of a function such as any(), all(), sum(), "
            "count(), min() or max()",
            (0, 12),
        ),
        (
            "min(1, (x for x in y))",
            "unsupported-syntax",
            "a generator must be the function's only argument",
            (7, 21),
        ),
        (
            "f(x for x in y for z in w)",
            "unsupported-syntax",
            "a generator may have only one 'for'",
            (1, 26),
        ),
        (
            "f(x for x in y if a if b)",
            "unsupported-syntax",
            "a generator may have only one 'if'",
            (23, 24),
        ),
        (
            "f(x for (a, b) in y)",
            "unsupported-syntax",
            "a generator's 'for' takes one name",
            (8, 14),
        ),
        (
            "_a",
            "forbidden-name",
            "'_a' is not allowed: names starting with '_' would reach Python internals",
            (0, 2),
        ),
        (
            "a.__class__",
            "forbidden-name",
            "'__class__' is not allowed: names starting with '_' would reach Python internals",
            (2, 11),
        ),
        (
            "a['_x']",
            "forbidden-name",
            "'_x' is not allowed: names starting with '_' would reach Python internals",
            (2, 6),
        ),
        ("10000000000000000", "invalid-literal", "integers are limited to 15 digits", (0, 17)),
    ],
)
def test_refused_with_its_code_message_and_place(
    text: str, code: str, message: str, where: tuple[int, int]
) -> None:
    problem = refused(text)
    assert (problem.code, problem.message, (problem.start, problem.end)) == (code, message, where)


def test_hints_say_what_to_write_instead() -> None:
    assert refused("(1, 2)").hint == "use a list: [a, b]"
    assert refused("a is not None").hint == "use != or present(field)"
    assert refused("a b").hint == "expressions use Python syntax: a >= 1.6 and b in ['M1', 'N1']"
    assert refused("x.startswith('a')").hint == (
        "methods are not available; write startswith(d.code, '5.2') for d.code.startswith"
    )


def test_size_limits() -> None:
    long = refused("1" + " + 1" * (MAX_LENGTH // 4))
    assert long.code == "expression-too-large"
    assert long.message == f"the expression has {MAX_LENGTH + 1} characters; the limit is 4000"
    many = " + ".join(["x"] * (MAX_NODES // 2 + 1))
    problem = refused(many)
    assert (problem.code, problem.message) == (
        "expression-too-large",
        "the expression has more than 500 parts",
    )
    assert (problem.start, problem.end) == (0, len(many))  # the whole expression
    assert parse_expression(" + ".join(["x"] * (MAX_NODES // 2 - 1)))


# -- never crash ----------------------------------------------------------------------------------

TOKENS = st.sampled_from(
    [
        "a",
        "b.c",
        "x",
        "d",
        "defects",
        "1",
        "2.5",
        "-",
        "+",
        "*",
        "/",
        "//",
        "%",
        "**",
        "(",
        ")",
        "[",
        "]",
        ",",
        "'t'",
        '"u"',
        "==",
        "!=",
        "<",
        ">=",
        " in ",
        " not ",
        " and ",
        " or ",
        " if ",
        " else ",
        " for ",
        " is ",
        "None",
        "True",
        "min",
        "sum",
        "round",
        "present",
        "value_or",
        ".",
        ":",
        "lambda",
        "_",
        "__class__",
        "{",
        "}",
        "=",
        "@",
        "\n",
        " ",
        "\\",
        "'",
        '"',
        "#",
        "1e999",
        "0x1F",
        "10**20",
        "f'",
        "Тормоза",
        "\x00",
        "\t",
    ]
)
EXPRESSIONISH = st.lists(TOKENS, max_size=25).map("".join)


def parses_or_refuses(text: str) -> None:
    try:
        tree = parse_expression(text)
    except ExprProblem as problem:
        assert problem.code in {
            "expression-syntax",
            "expression-too-large",
            "unsupported-syntax",
            "forbidden-name",
            "invalid-literal",
        }
        assert 0 <= problem.start < problem.end <= max(len(text), 1)
        assert problem.message
    else:
        assert isinstance(tree, p.Expr)
        assert 0 <= tree.start < tree.end <= len(text)


@given(st.text(max_size=60))
def test_any_text_parses_or_is_refused(text: str) -> None:
    parses_or_refuses(text)


@given(EXPRESSIONISH)
def test_expression_like_text_parses_or_is_refused(text: str) -> None:
    parses_or_refuses(text)


def test_offsets_count_a_carriage_return_as_python_does() -> None:
    """Found by Hypothesis: Python's tokenizer breaks lines at \\r too, so '\\rA' put A at 2..3."""
    assert parse_expression("\rA") == p.Name(1, 2, "A")
    assert parse_expression("a +\r\n b") == p.Binary(
        0, 7, "+", p.Name(0, 1, "a"), p.Name(6, 7, "b")
    )
