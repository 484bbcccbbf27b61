"""yamlio: safe YAML with positions; duplicate and non-text keys, merges, aliases and bombs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from qualityscore.errors import InputFileError, StandardError
from qualityscore.source import SourceText, Span
from qualityscore.yamlio import (
    MAX_BYTES,
    MAX_DEPTH,
    LocDict,
    LocList,
    iter_yaml_documents,
    load_yaml,
    locate,
    offset_map,
    read_source,
    value_span,
)

SCALARS = """\
plain: x >= 1 and y < 2
single: 'it''s y'
double: "a \\"b\\" and\\ty < 2"
literal: |
  x >= 1 and
  y < 2
folded: >-
  x >= 1 and
  y < 2
flow: {a: 1, b: [x, "y"]}
block:
  - one
  - two
"""


def load(text: str, name: str = "t.yaml") -> tuple[SourceText, LocDict]:
    source = SourceText(name, text)
    data = load_yaml(source)
    assert isinstance(data, LocDict)
    return source, data


def where(span: Span | None) -> tuple[int, int, int, int]:
    assert span is not None
    return (span.line, span.col, span.end_line, span.end_col)


def problem(text: str) -> StandardError:
    with pytest.raises(StandardError) as error:
        load_yaml(SourceText("t.yaml", text))
    (diagnostic,) = error.value.diagnostics
    assert diagnostic.code == error.value.code
    return error.value


# -- positions ----------------------------------------------------------------------------------


def test_values_and_keys_know_where_they_are() -> None:
    _, data = load(SCALARS)
    assert data == {
        "plain": "x >= 1 and y < 2",
        "single": "it's y",
        "double": 'a "b" and\ty < 2',
        "literal": "x >= 1 and\ny < 2\n",
        "folded": "x >= 1 and y < 2",
        "flow": {"a": 1, "b": ["x", "y"]},
        "block": ["one", "two"],
    }
    located = data.located
    assert where(located["plain"].span) == (1, 8, 1, 24)
    assert where(located["plain"].key_span) == (1, 1, 1, 6)
    assert where(located["single"].span) == (2, 9, 2, 18)
    assert where(located["double"].span) == (3, 9, 3, 29)
    assert [located[k].style for k in ("plain", "single", "double", "literal", "folded")] == [
        None,
        "'",
        '"',
        "|",
        ">",
    ]
    assert where(located["literal"].span) == (4, 10, 7, 1)  # a block scalar: to the next line
    assert where(located["flow"].span) == (10, 7, 10, 26)
    assert where(located["block"].span) == (12, 3, 12, 4)  # a block list: where it starts
    assert where(data.span) == (1, 1, 1, 2)


def test_items_of_flow_and_block_lists_know_where_they_are() -> None:
    _, data = load(SCALARS)
    flow, block = data["flow"], data["block"]
    assert isinstance(flow, LocDict) and isinstance(block, LocList)
    assert where(flow.located["b"].key_span) == (10, 14, 10, 15)
    assert where(flow["b"].located[1].span) == (10, 21, 10, 24)
    assert where(block.located[1].span) == (13, 5, 13, 8)
    container, found = locate(data, ("flow", "b", 1))
    assert container == "y" and found is not None and found.style == '"'
    container, found = locate(data, ("flow", "nope"))  # stops at the deepest part that exists
    assert container == {"a": 1, "b": ["x", "y"]}
    assert found is data.located["flow"]


@pytest.mark.parametrize(
    ("key", "char", "position"),
    [
        ("plain", "y", (1, 19)),
        ("single", "y", (2, 16)),  # after the doubled quote of it''s
        ("double", "y", (3, 23)),  # after the escaped quotes and the \t escape
        ("literal", "y", (6, 3)),
        ("folded", "y", (9, 3)),  # the folded line break became a space in the value
    ],
)
def test_value_span_finds_a_character_of_each_scalar_style(
    key: str, char: str, position: tuple[int, int]
) -> None:
    source, data = load(SCALARS)
    value, located = data[key], data.located[key]
    i = value.index(char)
    span = value_span(source, located, value, i, i + 1)
    assert (span.line, span.col) == position
    assert source.text[offset_map(source, located, value)[i]] == char


@pytest.mark.parametrize("key", ["plain", "single", "double", "literal", "folded"])
def test_offset_map_is_increasing_and_ends_past_the_value(key: str) -> None:
    source, data = load(SCALARS)
    value, located = data[key], data.located[key]
    mapping = offset_map(source, located, value)
    assert len(mapping) == len(value) + 1
    assert mapping == sorted(mapping)
    assert all(located.start <= m <= located.end for m in mapping)
    first = value_span(source, located, value, 0, len(value))
    assert source.text[mapping[0]] == value[0]
    assert (first.line, first.col) == source.position(mapping[0])


def test_value_span_of_an_expression_in_a_quoted_multiline_flow_value() -> None:
    text = 'rules:\n  - {id: r, require: "x >= 1 and\n      yy < 2"}\n'
    source, data = load(text)
    rule = data["rules"][0]
    value, located = rule["require"], rule.located["require"]
    assert value == "x >= 1 and yy < 2"
    span = value_span(source, located, value, value.index("yy"), value.index("yy") + 2)
    assert (span.line, span.col, span.end_line, span.end_col) == (3, 7, 3, 9)


def test_columns_count_characters_not_bytes() -> None:
    source, data = load("title: {ru: Тормоза, en: Brakes}\n")
    assert where(data["title"].located["en"].span) == (1, 26, 1, 32)
    assert source.position(source.text.index("Brakes")) == (1, 26)


# -- keys ---------------------------------------------------------------------------------------


def test_a_duplicate_key_names_both_places() -> None:
    error = problem("a: 1\nb:\n  c: 2\n  c: 3\n")
    assert error.code == "yaml-duplicate-key"
    assert error.message == "key 'c' appears twice in this mapping (first at line 3, column 3)"
    assert where(error.span) == (4, 3, 4, 4)
    assert error.hint == "keep one of the two; YAML would silently keep only the last one"


@pytest.mark.parametrize(
    ("text", "message", "hint", "column"),
    [
        (
            "on: 1\n",
            "keys must be text, but 'on' is read as a boolean",
            "YAML 1.1 reads on as a boolean; quote it: 'on'",
            1,
        ),
        (
            "a: {en: x, no: y}\n",
            "keys must be text, but 'no' is read as a boolean",
            "YAML 1.1 reads no as a boolean; quote it: 'no'",
            12,
        ),
        ("1: x\n", "keys must be text, but '1' is read as an integer", "quote it: '1'", 1),
        ("null: x\n", "keys must be text, but 'null' is read as null", "quote it: 'null'", 1),
        ("2024-01-01: x\n", "keys must be text, but '2024-01-01' is read as a date", None, 1),
        ("? [a]\n: x\n", "keys must be text, but this is a mapping or list", None, 3),
    ],
)
def test_keys_must_be_text(text: str, message: str, hint: str | None, column: int) -> None:
    error = problem(text)
    assert error.code == "yaml-non-string-key"
    assert error.message == message
    assert error.span is not None and (error.span.line, error.span.col) == (1, column)
    if hint is not None:
        assert error.hint == hint


def test_quoted_keys_are_text() -> None:
    _, data = load("'on': 1\n'1': 2\n'null': 3\n")
    assert data == {"on": 1, "1": 2, "null": 3}


# -- merges -------------------------------------------------------------------------------------


def test_a_merge_key_fills_in_what_the_mapping_lacks() -> None:
    text = (
        "defaults: &d {weight: 0.5, mode: award}\n"
        "tyres:\n"
        "  <<: *d\n"
        "  weight: 0.3\n"
        "brakes: {<<: [*d, {max: 10}]}\n"
    )
    _, data = load(text)
    assert data["tyres"] == {"weight": 0.3, "mode": "award"}
    assert data["brakes"] == {"weight": 0.5, "mode": "award", "max": 10}
    tyres = data["tyres"]
    assert where(tyres.located["weight"].span) == (4, 11, 4, 14)  # its own key wins
    assert where(tyres.located["mode"].span) == (1, 34, 1, 39)  # from the anchored mapping
    assert "<<" not in tyres


def test_a_merge_of_something_else_than_a_mapping_is_refused() -> None:
    error = problem("a: {<<: [1]}\n")
    assert (error.code, error.message) == (
        "yaml-syntax",
        "'<<' merges mappings only; this is not a mapping",
    )
    assert where(error.span) == (1, 10, 1, 11)


# -- aliases and size ---------------------------------------------------------------------------


def test_an_alias_bomb_is_refused_fast() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    text = "\n".join(lines) + "\n"  # 10**10 nodes once expanded
    started = time.perf_counter()
    error = problem(text)
    elapsed = time.perf_counter() - started
    assert error.code == "yaml-alias-limit"
    assert error.message.endswith("nodes; at most 100,000 may come from aliases")
    assert elapsed < 1.0, f"an alias bomb took {elapsed:.2f} s to refuse"


def test_a_few_aliases_are_fine() -> None:
    _, data = load("a: &x [1, 2]\nb: *x\nc: *x\n")
    assert data == {"a": [1, 2], "b": [1, 2], "c": [1, 2]}


@pytest.mark.parametrize("text", ["a: &x [1, *x]\n", "a: &x {b: *x}\n"])
def test_a_recursive_alias_is_refused(text: str) -> None:
    error = problem(text)
    assert error.code == "yaml-recursive-alias"
    assert error.message == "this alias refers to a mapping or list that contains it"
    assert where(error.span)[:2] == (1, 4)


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    deep = "a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n"
    error = problem(deep)
    assert error.code == "yaml-too-deep"
    assert error.message == "mappings and lists are nested more than 100 levels deep here"
    shallow = "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n"
    assert isinstance(load_yaml(SourceText("t.yaml", shallow)), LocDict)


def test_a_document_over_the_size_limit_is_refused_before_parsing() -> None:
    error = problem("#" * (MAX_BYTES + 1))
    assert error.code == "yaml-too-large"
    assert error.span is None


# -- documents ----------------------------------------------------------------------------------


def test_a_standard_is_one_document() -> None:
    error = problem("a: 1\n---\nb: 2\n")
    assert error.code == "yaml-multiple-documents"
    assert where(error.span) == (3, 1, 3, 2)
    source = SourceText("t.yaml", "a: 1\n---\nb: 2\n---\n- 3\n")
    assert list(iter_yaml_documents(source)) == [{"a": 1}, {"b": 2}, [3]]


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"])
def test_an_empty_document_is_none(text: str) -> None:
    assert load_yaml(SourceText("t.yaml", text)) is None


def test_only_plain_tags_are_accepted() -> None:
    for text in ("a: !!python/object:os.system x\n", "a: !include x.yaml\n", "a: !!set {x}\n"):
        assert problem(text).code == "yaml-unsupported-tag"
    _, data = load("a: !!str 1\nb: !!float 2\n")
    assert data == {"a": "1", "b": 2.0}


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        (
            "a: [1, 2\nb: 3\n",
            "did not find expected ',' or ']' (while parsing a flow sequence)",
            (2, 2),
        ),
        (
            "a: 2018-13-01\n",
            "'2018-13-01' is not a valid timestamp: month must be in 1..12",
            (1, 4),
        ),
        (
            "title: Тормоза\x07\n",
            "the character U+0007 is not allowed in YAML text (control characters are not allowed)",
            (1, 15),  # in characters, after the Cyrillic text
        ),
    ],
)
def test_syntax_errors_have_positions(text: str, message: str, position: tuple[int, int]) -> None:
    error = problem(text)
    assert (error.code, error.message) == ("yaml-syntax", message)
    assert where(error.span)[:2] == position


def test_a_tab_indent_gets_its_own_hint() -> None:
    error = problem("a:\n  b: 1\n\tc: 2\n")
    assert error.code == "yaml-syntax"
    assert error.hint == "YAML indents with spaces, never tabs: replace the tab with spaces"


# -- files --------------------------------------------------------------------------------------


def test_read_source_refuses_what_is_not_a_readable_text_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(InputFileError) as error:
        read_source(missing)
    assert (error.value.code, error.value.message) == ("file-not-found", f"no such file: {missing}")
    with pytest.raises(InputFileError) as error:
        read_source(tmp_path)
    assert (error.value.code, error.value.message) == (
        "file-unreadable",
        f"{tmp_path} is a folder, not a file",
    )
    big = tmp_path / "big.yaml"
    big.write_text("a: 1\n" * 10, encoding="utf-8")
    with pytest.raises(InputFileError) as error:
        read_source(big, max_bytes=49)
    assert error.value.code == "file-too-large"
    assert error.value.message == f"{big} has 50 bytes; the limit is 49"
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("title: Prüfung\n".encode("latin-1"))
    with pytest.raises(InputFileError) as error:
        read_source(latin)
    assert error.value.code == "file-not-utf8"
    assert error.value.message == f"{latin} is not UTF-8 text (byte 9 is invalid)"


def test_read_source_drops_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    source = read_source(path)
    assert source.text == "a: 1\n"
    assert load_yaml(source) == {"a": 1}
