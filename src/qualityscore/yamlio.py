"""Safe, position-aware YAML loading.

Only the safe loader is used (libyaml's when it is installed). Documents are composed into nodes and
then built by this module, so that every mapping and list remembers the file, line and column of
each of its entries, duplicate keys are refused with both places named, keys must be text, and
aliases are bounded before anything is built: an alias bomb is refused in milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from qualityscore.errors import InputFileError, StandardError
from qualityscore.source import SourceText, Span

try:  # libyaml is much faster; the pure-Python safe loader is the same language
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 16 * 1024 * 1024
"""Largest YAML document read, in bytes."""
MAX_ALIAS_NODES = 100_000
"""How many nodes aliases may add to a document when it is expanded."""
MAX_DEPTH = 100
"""Deepest nesting of mappings and lists."""

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_SCALAR_TAGS = frozenset(
    "tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "timestamp")
)
_KIND = {
    "tag:yaml.org,2002:int": "an integer",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:timestamp": "a date",
}


class Located:
    """Where one value of a mapping or list is: its span, its key's span, and its scalar style.

    Spans are made when asked for (they are needed for messages only), from the YAML node's marks.
    """

    __slots__ = ("_key", "_node", "_source")

    def __init__(self, source: SourceText, node: Node, key: Node | None = None) -> None:
        self._source = source
        self._node = node
        self._key = key

    @property
    def span(self) -> Span:
        return _span(self._source, self._node)

    @property
    def key_span(self) -> Span | None:
        return _span(self._source, self._key) if self._key is not None else None

    @property
    def style(self) -> str | None:
        node = self._node
        return (node.style or None) if isinstance(node, ScalarNode) else None

    @property
    def start(self) -> int:
        return int(self._node.start_mark.index)

    @property
    def end(self) -> int:
        return int(self._node.end_mark.index)


def _where_span(where: Span | tuple[SourceText, Node]) -> Span:
    return where if isinstance(where, Span) else _span(*where)


class LocDict(dict[str, Any]):
    """A mapping from YAML that knows where it and each of its entries are."""

    __slots__ = ("_where", "located")

    def __init__(self, span: Span | tuple[SourceText, Node]) -> None:
        super().__init__()
        self._where: Span | tuple[SourceText, Node] = span
        self.located: dict[str, Located] = {}

    @property
    def span(self) -> Span:
        return _where_span(self._where)


class LocList(list[Any]):
    """A list from YAML that knows where it and each of its items are."""

    __slots__ = ("_where", "located")

    def __init__(self, span: Span | tuple[SourceText, Node]) -> None:
        super().__init__()
        self._where: Span | tuple[SourceText, Node] = span
        self.located: list[Located] = []

    @property
    def span(self) -> Span:
        return _where_span(self._where)


def read_source(path: str | Path, *, max_bytes: int = MAX_BYTES) -> SourceText:
    """Read a UTF-8 text file, refusing what is missing, too large or not text."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise InputFileError("file-not-found", f"no such file: {p}") from None
    except OSError as exc:
        raise InputFileError("file-unreadable", f"cannot read {p}: {exc.strerror}") from None
    if p.is_dir():
        raise InputFileError("file-unreadable", f"{p} is a folder, not a file")
    if size > max_bytes:
        raise InputFileError(
            "file-too-large",
            f"{p} has {size:,} bytes; the limit is {max_bytes:,}",
            hint="split the file, or use JSON Lines for large batches of records",
        )
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            "file-not-utf8", f"{p} is not UTF-8 text (byte {exc.start} is invalid)"
        ) from None
    except OSError as exc:
        raise InputFileError("file-unreadable", f"cannot read {p}: {exc.strerror}") from None
    return SourceText(str(path), text)


def load_yaml(source: SourceText) -> Any:
    """The single document of `source`, built with positions; None when it is empty."""
    documents = list(_compose_all(source, single=True))
    return _build(source, documents[0]) if documents else None


def iter_yaml_documents(source: SourceText) -> Iterator[Any]:
    """Every document of a multi-document YAML stream, built one at a time."""
    for node in _compose_all(source, single=False):
        yield _build(source, node)


def _fail(code: str, message: str, span: Span | None, hint: str | None = None) -> StandardError:
    from qualityscore.errors import Diagnostic

    return StandardError([Diagnostic(code, message, span, hint)])


def _span(source: SourceText, node: Node) -> Span:
    start, end = node.start_mark, node.end_mark
    if end.line > start.line and node.tag in (_MAP, _SEQ):
        # a block collection: point at where it starts, not at all of it
        return Span(
            source.name, start.line + 1, start.column + 1, start.line + 1, start.column + 2, source
        )
    return Span(source.name, start.line + 1, start.column + 1, end.line + 1, end.column + 1, source)


def _compose_all(source: SourceText, *, single: bool) -> Iterator[Node]:
    if len(source.text) > MAX_BYTES:
        raise _fail(
            "yaml-too-large",
            f"the document has {len(source.text):,} characters; the limit is {MAX_BYTES:,}",
            None,
        )
    try:
        loader = _Loader(source.text)  # the pure-Python reader checks the characters here
    except yaml.reader.ReaderError as exc:
        raise _reader_problem(source, exc) from None
    try:
        count = 0
        while loader.check_node():
            node = loader.get_node()
            if node is None:  # pragma: no cover - check_node said there is one
                break
            count += 1
            if single and count > 1:
                raise _fail(
                    "yaml-multiple-documents",
                    "a standard is one YAML document, but this file has another one here",
                    _span(source, node),
                    hint="remove the '---' line, or put the second document in its own file",
                )
            if "*" in source.text or "&" in source.text:  # no alias can hide in a text without them
                _check_size(source, node)
            yield node
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        span = None
        if mark is not None:
            span = source.span(min(mark.index, len(source.text)))
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        hint = (
            "check the indentation and quoting here; quote a whole value that contains "
            "': ' or ' #', or starts with a quote, '[', '{', '*', '&', '!' or '%'"
        )
        if mark is not None and source.text[mark.index : mark.index + 1] == "\t":
            hint = "YAML indents with spaces, never tabs: replace the tab with spaces"
        raise _fail("yaml-syntax", f"{problem}{context}", span, hint) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_problem(source, exc) from None
    except yaml.YAMLError as exc:
        raise _fail("yaml-syntax", str(exc).strip(), None) from None
    finally:
        loader.dispose()


def _reader_problem(source: SourceText, exc: yaml.reader.ReaderError) -> StandardError:
    """A character YAML does not allow; libyaml counts its position in UTF-8 bytes."""
    position = exc.position
    if _Loader.__name__.startswith("C"):
        position = len(source.text.encode("utf-8")[:position].decode("utf-8", errors="ignore"))
    char = exc.character
    number = char if isinstance(char, int) else ord(char) if isinstance(char, str) else 0
    return _fail(
        "yaml-syntax",
        f"the character U+{number:04X} is not allowed in YAML text ({exc.reason})",
        source.span(position),
        hint='remove it; in a double-quoted string it may be written as an escape, e.g. "\\a"',
    )


def _check_size(source: SourceText, root: Node) -> None:
    """Refuse alias bombs, recursive aliases and over-deep nesting before building anything."""
    memo: dict[int, int] = {}
    active: set[int] = set()
    first_repeat: list[Node] = []

    def size(node: Node, depth: int) -> int:
        key = id(node)
        if key in memo:
            if not first_repeat:
                first_repeat.append(node)
            return memo[key]
        if key in active:
            raise _fail(
                "yaml-recursive-alias",
                "this alias refers to a mapping or list that contains it",
                _span(source, node),
                hint="recursive structures cannot be scored; write the data out",
            )
        if depth > MAX_DEPTH:
            raise _fail(
                "yaml-too-deep",
                f"mappings and lists are nested more than {MAX_DEPTH} levels deep here",
                _span(source, node),
            )
        total = 1
        if isinstance(node, (MappingNode, SequenceNode)):
            active.add(key)
            children: list[Node] = (
                [n for pair in node.value for n in pair]
                if isinstance(node, MappingNode)
                else list(node.value)
            )
            for child in children:
                total += size(child, depth + 1)
            active.discard(key)
        memo[key] = total
        return total

    expanded = size(root, 0)
    if expanded - len(memo) > MAX_ALIAS_NODES:
        where = _span(source, first_repeat[0]) if first_repeat else _span(source, root)
        raise _fail(
            "yaml-alias-limit",
            f"aliases expand this document to {expanded:,} nodes; "
            f"at most {MAX_ALIAS_NODES:,} may come from aliases",
            where,
            hint="this looks like an alias bomb; write the repeated parts out, or use fewer aliases",
        )


class _Builder:
    def __init__(self, source: SourceText) -> None:
        self.source = source
        self.constructor = SafeConstructor()
        self.depth = -1  # the document's top mapping is level 0

    def deeper(self, node: Node) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _fail(
                "yaml-too-deep",
                f"mappings and lists are nested more than {MAX_DEPTH} levels deep here",
                _span(self.source, node),
            )

    def build(self, node: Node) -> Any:
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                raise self.unsupported(node)
            out = LocList((self.source, node))
            source = self.source
            self.deeper(node)
            for item in node.value:
                out.append(self.build(item))
                out.located.append(Located(source, item))
            self.depth -= 1
            return out
        if isinstance(node, MappingNode):
            if node.tag != _MAP:
                raise self.unsupported(node)
            self.deeper(node)
            built = self.mapping(node)
            self.depth -= 1
            return built
        raise self.unsupported(node)  # pragma: no cover - the composer makes only these three

    def scalar(self, node: ScalarNode) -> Any:
        if node.tag not in _SCALAR_TAGS:
            raise self.unsupported(node)
        if node.tag == _STR:
            return node.value
        try:
            return self.constructor.yaml_constructors[node.tag](self.constructor, node)
        except (ConstructorError, ValueError, OverflowError) as exc:
            raise _fail(
                "yaml-syntax",
                f"{node.value!r} is not a valid {node.tag.rsplit(':', 1)[-1]}: {exc}",
                _span(self.source, node),
                hint="quote the value to keep it as text",
            ) from None

    def mapping(self, node: MappingNode) -> LocDict:
        out = LocDict((self.source, node))
        first: dict[str, Node] = {}
        merged: list[tuple[str, Any, Located]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.extend(self.merge_sources(value_node))
                continue
            key = self.key(key_node)
            if key in first:
                earlier = _span(self.source, first[key])
                raise _fail(
                    "yaml-duplicate-key",
                    f"key '{key}' appears twice in this mapping "
                    f"(first at line {earlier.line}, column {earlier.col})",
                    _span(self.source, key_node),
                    hint="keep one of the two; YAML would silently keep only the last one",
                )
            first[key] = key_node
            out[key] = self.build(value_node)
            out.located[key] = Located(self.source, value_node, key_node)
        for key, value, where in merged:  # '<<: *defaults': explicit keys win
            if key not in out:
                out[key] = value
                out.located[key] = where
        return out

    def merge_sources(self, node: Node) -> list[tuple[str, Any, Located]]:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        entries: list[tuple[str, Any, Located]] = []
        for source in sources:
            if not isinstance(source, MappingNode):
                raise _fail(
                    "yaml-syntax",
                    "'<<' merges mappings only; this is not a mapping",
                    _span(self.source, source),
                )
            built = self.mapping(source)
            entries.extend((k, v, built.located[k]) for k, v in built.items())
        return entries

    def key(self, node: Node) -> str:
        if isinstance(node, ScalarNode) and node.tag == _STR:
            return str(node.value)
        kind = _KIND.get(node.tag, "a mapping or list")
        shown = node.value if isinstance(node, ScalarNode) else "..."
        hint = f"quote it: '{shown}'" if isinstance(node, ScalarNode) else None
        if node.tag == "tag:yaml.org,2002:bool":
            hint = f"YAML 1.1 reads {shown} as a boolean; quote it: '{shown}'"
        found = (
            f"{shown!r} is read as {kind}" if isinstance(node, ScalarNode) else f"this is {kind}"
        )
        raise _fail(
            "yaml-non-string-key",
            f"keys must be text, but {found}",
            _span(self.source, node),
            hint=hint,
        )

    def unsupported(self, node: Node) -> StandardError:
        return _fail(
            "yaml-unsupported-tag",
            f"the tag {node.tag} is not supported; only plain mappings, lists and scalars are",
            _span(self.source, node),
            hint="remove the '!' tag",
        )


def _build(source: SourceText, node: Node) -> Any:
    return _Builder(source).build(node)


def locate(root: Any, loc: tuple[int | str, ...]) -> tuple[Any, Located | None]:
    """Follow `loc` (keys and indexes) from `root`: the deepest container reached and the last entry."""
    container = root
    found: Located | None = None
    for part in loc:
        # two branches (not one 'or') so that the type checker knows which index is which
        if isinstance(container, LocDict) and isinstance(part, str) and part in container.located:  # noqa: SIM114
            found = container.located[part]
            container = container[part]
        elif (
            isinstance(container, LocList) and isinstance(part, int) and 0 <= part < len(container)
        ):
            found = container.located[part]
            container = container[part]
        else:
            break
    return container, found


def offset_map(source: SourceText, located: Located, value: str) -> list[int]:
    """For each character of a scalar's value (and one past its end), its index in the source text.

    The value is aligned with the raw text of the scalar: quotes, indentation, escapes and folded
    line breaks in the raw text are skipped, so that a position inside an expression written in a
    quoted or block scalar maps back to the exact line and column of the file.
    """
    raw_start, raw_end = located.start, max(located.end, located.start)
    raw = source.text[raw_start:raw_end]
    i = 0
    if located.style in ("|", ">"):
        i = raw.find("\n") + 1 if "\n" in raw else len(raw)  # skip the header and its comment
    elif located.style in ("'", '"'):
        i = 1
    out: list[int] = []
    for ch in value:
        j = i
        while j < len(raw):
            r = raw[j]
            if r == ch or (ch == " " and r == "\n") or (ch == "\n" and r == "\n"):
                break
            j += 1
        if j >= len(raw):  # an escape we did not follow: stay where we are
            out.append(raw_start + min(i, max(len(raw) - 1, 0)))
            continue
        out.append(raw_start + j)
        i = j + 1
    out.append(raw_start + i if i <= len(raw) else raw_end)
    return out


def value_span(source: SourceText, located: Located, value: str, start: int, end: int) -> Span:
    """The span of characters [start, end) of a scalar's value, in its file."""
    mapping = offset_map(source, located, value)
    start = max(0, min(start, len(value)))
    end = max(start + 1, min(end, len(value)))
    first = mapping[start] if start < len(mapping) else mapping[-1]
    last = mapping[end - 1] if end - 1 < len(mapping) else mapping[-1]
    return source.span(first, last + 1)
