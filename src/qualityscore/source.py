"""Source texts and spans: where in which file a piece of a standard or a record came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True, eq=False)
class SourceText:
    """The text of one file (or string) that spans point into."""

    name: str
    text: str

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines() or [""]

    def line(self, number: int) -> str:
        """The text of 1-based line `number`, without its line break ('' past the end)."""
        if 1 <= number <= len(self.lines):
            return self.lines[number - 1]
        return ""

    def position(self, index: int) -> tuple[int, int]:
        """1-based (line, column) of character `index` of the text."""
        index = max(0, min(index, len(self.text)))
        line = self.text.count("\n", 0, index) + 1
        start = self.text.rfind("\n", 0, index) + 1
        return line, index - start + 1

    def span(self, start: int, end: int | None = None) -> Span:
        """The span of characters [start, end) of the text."""
        line, col = self.position(start)
        end_line, end_col = self.position(start + 1 if end is None or end <= start else end)
        return Span(self.name, line, col, end_line, end_col, source=self)


@dataclass(frozen=True)
class Span:
    """A region of a source: 1-based line and column of its start, and of the character after it."""

    file: str
    line: int
    col: int
    end_line: int
    end_col: int
    source: SourceText | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def excerpt(self) -> str:
        """The source line with a caret under the span, or '' when the text is unknown."""
        if self.source is None:
            return ""
        text = self.source.line(self.line).expandtabs(1)
        if not text.strip():
            return ""
        width = self.end_col - self.col if self.end_line == self.line else len(text) - self.col + 1
        width = max(1, min(width, len(text) - self.col + 1))
        gutter = f"{self.line:>5} | "
        return f"{gutter}{text}\n{' ' * (len(gutter) - 2)}| {' ' * (self.col - 1)}{'^' * width}"
