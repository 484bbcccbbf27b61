"""Read inspection records from JSON, JSON Lines, YAML, CSV files, folders and standard input.

Reading streams: JSON Lines and CSV are read a line at a time, so memory stays flat whatever the
file size. Every record read becomes exactly one `Item`; a line that cannot be parsed becomes an
Item carrying its `RecordError`, and the batch goes on.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from qualityscore.errors import InputFileError, QualityScoreError, RecordError
from qualityscore.source import SourceText
from qualityscore.standard.spec import InputSpec
from qualityscore.yamlio import LocDict, LocList, iter_yaml_documents

FORMATS = ("json", "jsonl", "yaml", "csv")
EXTENSIONS = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".csv": "csv",
}
MAX_WHOLE_FILE = 256 * 1024 * 1024
"""JSON and YAML record files are read whole; beyond this size, use JSON Lines."""


@dataclass(frozen=True, slots=True)
class Item:
    """One record as read: its id, its data (or the error that kept it from being read)."""

    id: str
    record: Any = None
    error: RecordError | None = None
    text_values: bool = False
    """True for CSV: every value is text, to be typed by the standard's inputs."""


def _plain(value: Any) -> Any:
    """YAML's position-aware containers as plain dicts and lists (the scorer's fast path wants them)."""
    if isinstance(value, LocDict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, LocList):
        return [_plain(v) for v in value]
    return value


def _record_id(record: Any, fallback: str) -> str:
    if isinstance(record, Mapping):
        rid = record.get("id")
        if isinstance(rid, str | int) and not isinstance(rid, bool) and str(rid):
            return str(rid)
    return fallback


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _json_loads(text: str) -> Any:
    return json.loads(text, parse_constant=_reject_constant)


def record_files(paths: Iterable[str | Path]) -> Iterator[Path | str]:
    """Files named by `paths` ('-' is standard input); folders give their record files, sorted."""
    for raw in paths:
        if str(raw) == "-":
            yield "-"
            continue
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in EXTENSIONS
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            yield from found
        elif path.is_file():
            yield path
        else:
            raise InputFileError(
                "file-not-found",
                f"no such file or folder: {path}",
                hint="give record files (.json, .jsonl, .yaml, .csv), folders of them, or - for "
                "standard input",
            )


def read_records(
    paths: Iterable[str | Path], *, stdin: TextIO | None = None, format: str | None = None
) -> Iterator[Item]:
    """Every record in the files, folders and '-' (standard input) given, in order."""
    for file in record_files(paths):
        if file == "-":
            yield from _read_stream(stdin or sys.stdin, "<stdin>", format)
            continue
        assert isinstance(file, Path)
        kind = format or EXTENSIONS.get(file.suffix.lower())
        if kind is None:
            raise InputFileError(
                "unknown-record-format",
                f"{file}: unknown kind of record file '{file.suffix}'",
                hint="use .json, .jsonl, .yaml or .csv, or --input-format",
            )
        yield from _read_file(file, kind)


def _open_text(path: Path) -> TextIO:
    try:
        return open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputFileError("file-unreadable", f"cannot read {path}: {exc.strerror}") from None


def _read_file(path: Path, kind: str) -> Iterator[Item]:
    name = str(path)
    if kind in ("jsonl", "csv"):
        with _open_text(path) as stream:
            yield from (_jsonl(stream, name) if kind == "jsonl" else _csv(stream, name))
        return
    size = path.stat().st_size
    if size > MAX_WHOLE_FILE:
        raise InputFileError(
            "file-too-large",
            f"{path} has {size:,} bytes; {kind.upper()} files are read whole, up to "
            f"{MAX_WHOLE_FILE:,}",
            hint="write large batches as JSON Lines (.jsonl), which is read a line at a time",
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield Item(
            name,
            error=RecordError("record-not-utf8", f"not UTF-8 text (byte {exc.start})", record=name),
        )
        return
    yield from _whole(text, name, kind)


def _read_stream(stream: TextIO, name: str, format: str | None) -> Iterator[Item]:
    if format == "jsonl":
        yield from _jsonl(stream, name)
        return
    if format == "csv":
        yield from _csv(stream, name)
        return
    if format in ("json", "yaml"):
        yield from _whole(stream.read(), name, format)
        return
    # Sniff: a first line that is a whole JSON object means JSON Lines, streamed.
    first = ""
    for line in stream:
        if line.strip():
            first = line
            break
    if not first:
        return
    try:
        value = _json_loads(first)
    except ValueError:
        value = None
    if isinstance(value, dict):
        yield from _jsonl(_chain_lines(first, stream), name)
        return
    rest = first + stream.read()
    yield from _whole(rest, name, "json" if first.lstrip().startswith(("[", "{")) else "yaml")


def _chain_lines(first: str, stream: TextIO) -> Iterator[str]:
    yield first
    yield from stream


def _whole(text: str, name: str, kind: str) -> Iterator[Item]:
    if kind == "json":
        try:
            data = _json_loads(text)
        except ValueError as exc:
            yield Item(
                name, error=RecordError("record-invalid-json", _json_message(exc), record=name)
            )
            return
        yield from _items(data, name)
        return
    try:
        for n, document in enumerate(iter_yaml_documents(SourceText(name, text))):
            yield from _items(_plain(document), name if n == 0 else f"{name}#{n + 1}")
    except QualityScoreError as exc:
        where = f"{name}:{exc.span.line}" if exc.span is not None else name
        yield Item(where, error=RecordError("record-invalid-yaml", exc.message, record=where))


def _items(data: Any, name: str) -> Iterator[Item]:
    if isinstance(data, list):
        for i, record in enumerate(data):
            yield Item(_record_id(record, f"{name}[{i}]"), record)
    elif data is not None:
        yield Item(_record_id(data, name), data)


def _json_message(exc: ValueError, *, whole_file: bool = False) -> str:
    if isinstance(exc, json.JSONDecodeError):
        where = f"line {exc.lineno} column {exc.colno}" if whole_file else f"column {exc.colno}"
        message = exc.msg[:1].lower() + exc.msg[1:]
        message = f"{message} {where}" if message.endswith(" at") else f"{message} at {where}"
        return f"invalid JSON: {message}"
    return f"invalid JSON: {exc}"


def _jsonl(lines: Iterable[str], name: str) -> Iterator[Item]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        try:
            record = _json_loads(line.rstrip("\r\n"))
        except ValueError as exc:
            yield Item(
                where, error=RecordError("record-invalid-json", _json_message(exc), record=where)
            )
            continue
        yield Item(_record_id(record, where), record)


def _csv(stream: TextIO, name: str) -> Iterator[Item]:
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        yield Item(
            f"{name}:1", error=RecordError("record-invalid-csv", str(exc), record=f"{name}:1")
        )
        return
    columns = [h.strip() for h in header]
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            where = f"{name}:{reader.line_num}"
            yield Item(where, error=RecordError("record-invalid-csv", str(exc), record=where))
            continue
        where = f"{name}:{reader.line_num}"
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            yield Item(
                where,
                error=RecordError(
                    "record-invalid-csv",
                    f"the row has {len(row)} cells, the header {len(columns)}",
                    record=where,
                ),
            )
            continue
        record: dict[str, Any] = {}
        for column, cell in zip(columns, row, strict=True):
            if cell == "" or not column:
                continue  # an empty cell is an absent value
            node = record
            *groups, leaf = column.split(".")
            for group in groups:
                child = node.setdefault(group, {})
                if not isinstance(child, dict):
                    break
                node = child
            else:
                node[leaf] = cell
        yield Item(_record_id(record, where), record, text_values=True)


_TRUE = frozenset({"true", "yes", "1", "y", "on"})
_FALSE = frozenset({"false", "no", "0", "n", "off"})


def type_text_values(
    record: dict[str, Any], inputs: Mapping[str, InputSpec], record_id: str
) -> dict[str, Any]:
    """Give the text cells of a CSV record the types the standard declares (in place)."""
    for path, spec in inputs.items():
        node: Any = record
        *groups, leaf = path.split(".")
        for group in groups:
            node = node.get(group) if isinstance(node, dict) else None
        if not isinstance(node, dict) or not isinstance(node.get(leaf), str):
            continue
        text = node[leaf].strip()
        try:
            node[leaf] = _typed(text, spec.type)
        except ValueError:
            raise RecordError(
                "record-wrong-type",
                f"{path} should be {_WORDS[spec.type]}, but is the text {text!r}",
                record=record_id,
                field=path,
            ) from None
    return record


_WORDS = {
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "date": "a date (YYYY-MM-DD)",
    "defects": "a JSON list of defects",
    "text": "text",
    "enum": "one of the listed values",
}


def _typed(text: str, kind: str) -> Any:
    if kind == "number":
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(text)
        return value
    if kind == "integer":
        return int(text)
    if kind == "boolean":
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError(text)
    if kind == "defects":
        value = _json_loads(text)
        if not isinstance(value, list):
            raise ValueError(text)
        return value
    return text


def stdin_text() -> TextIO:
    """Standard input as UTF-8 text, whatever the locale."""
    return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig")
