"""Render ratings as table, json, jsonl, csv, markdown or html, streaming, and write files atomically."""

from __future__ import annotations

import contextlib
import csv
import html
import json
import os
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from qualityscore.rating import Rating

FORMATS = ("table", "json", "jsonl", "csv", "md", "html")


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, allow_nan=False)


class Renderer(ABC):
    """Writes ratings one at a time; `close()` finishes the document."""

    def __init__(
        self, out: TextIO, categories: Sequence[str] = (), components: Sequence[str] = ()
    ) -> None:
        self.out = out
        self.categories = list(categories)
        self.components = list(components)
        self.count = 0

    @property
    def extra_columns(self) -> list[str]:
        """category.<name> and component.<name> score columns, for the tabular formats."""
        return [f"category.{c}" for c in self.categories] + [
            f"component.{c}" for c in self.components
        ]

    def write(self, rating: Rating) -> None:
        self.count += 1
        self._write(rating)

    @abstractmethod
    def _write(self, rating: Rating) -> None:
        """Write one rating."""

    def close(self) -> None:  # noqa: B027 - most formats need no footer
        """Finish the document (closing brackets, table footer)."""


class JsonRenderer(Renderer):
    def _write(self, rating: Rating) -> None:
        self.out.write(("[\n" if self.count == 1 else ",\n") + _json(rating.to_dict()))

    def close(self) -> None:
        self.out.write("[]\n" if self.count == 0 else "\n]\n")


class JsonlRenderer(Renderer):
    def _write(self, rating: Rating) -> None:
        self.out.write(_json(rating.to_dict()) + "\n")


_COLUMNS = ("record", "standard", "version", "score", "grade", "verdict", "coverage", "findings")


def _row(rating: Rating, categories: Sequence[str], components: Sequence[str] = ()) -> list[str]:
    return [
        rating.record,
        rating.standard.id,
        rating.standard.version,
        _num(rating.score),
        rating.grade or "",
        rating.verdict or "",
        _num(rating.coverage),
        str(len(rating.findings)),
        *[
            _num(rating.categories[name].score) if name in rating.categories else ""
            for name in categories
        ],
        *[
            _num(rating.components[name].score) if name in rating.components else ""
            for name in components
        ],
    ]


class CsvRenderer(Renderer):
    def __init__(
        self, out: TextIO, categories: Sequence[str] = (), components: Sequence[str] = ()
    ) -> None:
        super().__init__(out, categories, components)
        self.writer = csv.writer(out, lineterminator="\n")
        self.writer.writerow([*_COLUMNS, "fingerprint", *self.extra_columns])

    def _write(self, rating: Rating) -> None:
        row = _row(rating, self.categories, self.components)
        self.writer.writerow(
            [*row[: len(_COLUMNS)], rating.standard.fingerprint, *row[len(_COLUMNS) :]]
        )


class MarkdownRenderer(Renderer):
    def __init__(
        self, out: TextIO, categories: Sequence[str] = (), components: Sequence[str] = ()
    ) -> None:
        super().__init__(out, categories, components)
        head = [*_COLUMNS, *self.extra_columns]
        out.write("| " + " | ".join(head) + " |\n")
        out.write("|" + "|".join(["---"] * len(head)) + "|\n")

    def _write(self, rating: Rating) -> None:
        cells = [c.replace("|", "\\|") for c in _row(rating, self.categories, self.components)]
        self.out.write("| " + " | ".join(cells) + " |\n")


class HtmlRenderer(Renderer):
    def __init__(
        self, out: TextIO, categories: Sequence[str] = (), components: Sequence[str] = ()
    ) -> None:
        super().__init__(out, categories, components)
        head = "".join(f"<th>{html.escape(h)}</th>" for h in [*_COLUMNS, *self.extra_columns])
        out.write(
            '<!doctype html>\n<html><head><meta charset="utf-8"><title>qualityscore ratings</title>'
            "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:2px 6px}td.n{text-align:right}</style>"
            f"</head><body>\n<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
        )

    def _write(self, rating: Rating) -> None:
        cells = _row(rating, self.categories, self.components)
        numeric = {3, 6, 7}
        tds = "".join(
            f'<td class="n">{html.escape(c)}</td>'
            if i in numeric or i >= len(_COLUMNS)
            else f"<td>{html.escape(c)}</td>"
            for i, c in enumerate(cells)
        )
        self.out.write(f"<tr>{tds}</tr>\n")

    def close(self) -> None:
        self.out.write("</tbody>\n</table>\n</body></html>\n")


class TableRenderer(Renderer):
    """A fixed-width table for people; long batches stream row by row."""

    WIDTHS = (28, 8, 18, 16, 9, 8)

    def __init__(
        self, out: TextIO, categories: Sequence[str] = (), components: Sequence[str] = ()
    ) -> None:
        super().__init__(out, categories, components)
        head = ("record", "score", "grade", "verdict", "coverage", "findings")
        out.write(self._line(head) + "\n")
        out.write(self._line(tuple("-" * w for w in self.WIDTHS)) + "\n")

    def _line(self, cells: Sequence[str]) -> str:
        parts = []
        for i, (cell, width) in enumerate(zip(cells, self.WIDTHS, strict=True)):
            text = cell if len(cell) <= width else cell[: width - 1] + "…"
            parts.append(text.rjust(width) if i in (1, 4, 5) else text.ljust(width))
        return "  ".join(parts).rstrip()

    def _write(self, rating: Rating) -> None:
        coverage = "" if rating.coverage is None else f"{rating.coverage * 100:.0f}%"
        self.out.write(
            self._line(
                (
                    rating.record,
                    _num(rating.score),
                    rating.grade or "",
                    rating.verdict or "",
                    coverage,
                    str(len(rating.findings)),
                )
            )
            + "\n"
        )


RENDERERS: dict[str, type[Renderer]] = {
    "table": TableRenderer,
    "json": JsonRenderer,
    "jsonl": JsonlRenderer,
    "csv": CsvRenderer,
    "md": MarkdownRenderer,
    "html": HtmlRenderer,
}


@contextlib.contextmanager
def atomic_output(path: str | Path | None, stdout: TextIO) -> Iterator[TextIO]:
    """Write to `path` through a temporary file renamed into place at the end (stdout if None).

    If the block fails, the temporary file is removed and `path` is left as it was.
    """
    if path is None or str(path) == "-":
        yield stdout
        return
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
