"""Errors of qualityscore: one base class, one family per stage, each problem with a stable code.

    QualityScoreError            base; .code, .message, .span, .hint, .diagnostics
     ├── StandardError           a standard is invalid (YAML, schema, expressions); holds every problem
     ├── ResolutionError         no standard or version matches a spec; a cycle or a duplicate
     ├── RecordError             one inspection record cannot be scored (record id, field path)
     ├── InputFileError          a file or folder to read is missing, unreadable or of an unknown kind
     └── LockError               a standard's fingerprint differs from the lock file

Only the CLI catches them; every code is documented in docs/errors.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from qualityscore.source import Span

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    """One problem: a stable kebab-case code, a message, where it is and what to do about it."""

    code: str
    message: str
    span: Span | None = None
    hint: str | None = None
    severity: Severity = "error"

    def render(self) -> str:
        """`file:line:col: code: message`, the source line with a caret, and the hint."""
        where = f"{self.span}: " if self.span is not None else ""
        label = self.code if self.severity == "error" else f"{self.code} (warning)"
        parts = [f"{where}{label}: {self.message}"]
        if self.span is not None and (excerpt := self.span.excerpt()):
            parts.append(excerpt)
        if self.hint:
            parts.append(f"  hint: {self.hint}")
        return "\n".join(parts)

    def to_dict(self) -> dict[str, Any]:
        span = self.span
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "file": span.file if span else None,
            "line": span.line if span else None,
            "column": span.col if span else None,
            "end_line": span.end_line if span else None,
            "end_column": span.end_col if span else None,
            "hint": self.hint,
        }


class QualityScoreError(Exception):
    """Base of every error qualityscore raises on purpose."""

    def __init__(
        self, code: str, message: str, *, span: Span | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.span = span
        self.hint = hint

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return (Diagnostic(self.code, self.message, self.span, self.hint),)

    def render(self) -> str:
        return "\n".join(d.render() for d in self.diagnostics)

    def __str__(self) -> str:
        where = f"{self.span}: " if self.span is not None else ""
        return f"{where}{self.code}: {self.message}"


class StandardError(QualityScoreError):
    """A standard is invalid; `.diagnostics` holds every problem found, in file order."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        found = tuple(diagnostics)
        if not found:
            raise ValueError("StandardError needs at least one diagnostic")
        errors = [d for d in found if d.severity == "error"] or list(found)
        first = errors[0]
        more = len(errors) - 1
        message = first.message + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")
        super().__init__(first.code, message, span=first.span, hint=first.hint)
        self._diagnostics = found

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return self._diagnostics


class ResolutionError(QualityScoreError):
    """No standard or version matches a spec, or standards refer to each other in a cycle."""


class RecordError(QualityScoreError):
    """One inspection record cannot be scored; the batch goes on without it."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        record: str,
        field: str | None = None,
        span: Span | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(code, message, span=span, hint=hint)
        self.record = record
        self.field = field

    def __str__(self) -> str:
        where = f" at {self.field}" if self.field else ""
        return f"{self.record}{where}: {self.code}: {self.message}"

    def __reduce__(self) -> tuple[Any, ...]:  # picklable, for batches scored by worker processes
        return (_record_error, (self.code, self.message, self.record, self.field, self.hint))

    def to_dict(self) -> dict[str, Any]:
        return {
            "record": self.record,
            "field": self.field,
            "code": self.code,
            "message": self.message,
        }


class InputFileError(QualityScoreError):
    """A file or folder to read is missing, unreadable, too large or of an unknown kind."""


class LockError(QualityScoreError):
    """A standard in use does not have the fingerprint the lock file requires."""


def _record_error(
    code: str, message: str, record: str, field: str | None, hint: str | None
) -> RecordError:
    return RecordError(code, message, record=record, field=field, hint=hint)
