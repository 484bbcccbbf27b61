"""Standard specs (`id`, `id@1.2.0`, `id@^1.2`, `id@~1.2`, `id@>=1,<2`) and semantic version ranges."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qualityscore.standard.spec import ID_PATTERN, SEMVER_PATTERN

Version = tuple[int, int, int]

_PARTIAL = re.compile(r"^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(-[0-9A-Za-z.-]+)?$")
_COMPARATOR = re.compile(r"^(\^|~|>=|<=|>|<|=)?\s*(.+)$")


class RangeSyntaxError(ValueError):
    """A version range that cannot be parsed."""


@dataclass(frozen=True)
class Bound:
    op: str  # '>=', '<', '=', '>'...
    version: Version
    pre: str = ""

    def admits(self, v: Version, pre: str) -> bool:
        if self.op == "=":
            return v == self.version and pre == self.pre
        key = (v, pre == "", pre)
        mine = (self.version, self.pre == "", self.pre)
        return {
            ">=": key >= mine,
            ">": key > mine,
            "<=": key <= mine,
            "<": key < mine,
        }[self.op]


@dataclass(frozen=True)
class VersionRange:
    """A union (`||`) of intersections of bounds."""

    text: str
    alternatives: tuple[tuple[Bound, ...], ...]

    @property
    def exact(self) -> str | None:
        """The single version this range pins, if it pins one."""
        if len(self.alternatives) == 1 and len(self.alternatives[0]) == 1:
            bound = self.alternatives[0][0]
            if bound.op == "=":
                return ".".join(map(str, bound.version)) + (f"-{bound.pre}" if bound.pre else "")
        return None

    def admits(self, version: str) -> bool:
        match = re.match(SEMVER_PATTERN, version)
        if match is None:
            return False
        v = (int(match[1]), int(match[2]), int(match[3]))
        pre = (match[4] or "").lstrip("-")
        if pre and self.exact is None:
            return False  # pre-releases are only ever chosen by an exact pin
        return any(all(b.admits(v, pre) for b in alt) for alt in self.alternatives)


ANY_VERSION = VersionRange("*", ((),))


def parse_range(text: str) -> VersionRange:
    """Parse an npm-style range: `1.2.3`, `^1.2`, `~1.2`, `>=1,<2`, `1.x`, `*`, `a || b`."""
    text = text.strip()
    if not text or text in ("*", "x", "X"):
        return VersionRange(text or "*", ((),))
    alternatives = []
    for alt in text.split("||"):
        parts = [p for p in re.split(r"[,\s]+", alt.strip()) if p]
        merged: list[str] = []
        for part in parts:  # '>= 1' written with a space
            if merged and merged[-1] in (">=", "<=", ">", "<", "=", "^", "~"):
                merged[-1] += part
            else:
                merged.append(part)
        if not merged:
            raise RangeSyntaxError(f"'{text}' has an empty alternative")
        bounds: list[Bound] = []
        for part in merged:
            bounds.extend(_comparator(part, text))
        alternatives.append(tuple(bounds))
    return VersionRange(text, tuple(alternatives))


def _comparator(part: str, whole: str) -> list[Bound]:
    match = _COMPARATOR.match(part)
    assert match is not None
    op, rest = match.group(1) or "", match.group(2)
    partial = _PARTIAL.match(rest.strip())
    if partial is None:
        where = f" in '{whole}'" if part != whole else ""
        raise RangeSyntaxError(f"'{part}'{where} is not a version or range")
    raw = [partial.group(i) for i in (1, 2, 3)]
    pre = (partial.group(4) or "").lstrip("-")
    nums: list[int] = []
    for item in raw:
        if item is None or item in "xX*":
            break
        nums.append(int(item))
    given = len(nums)
    v = tuple(nums + [0] * (3 - given))
    major, minor, patch = v
    full: Version = (major, minor, patch)

    def upper(level: int) -> Version:  # the next version at that level
        if level == 0:
            return (major + 1, 0, 0)
        if level == 1:
            return (major, minor + 1, 0)
        return (major, minor, patch + 1)

    if given == 0:
        return [] if op in ("", "=", ">=", "<=", "^", "~") else [Bound("<", (0, 0, 0))]
    if op == "^":
        level = 0 if major > 0 or given == 1 else 1 if minor > 0 or given == 2 else 2
        return [Bound(">=", full, pre), Bound("<", upper(level))]
    if op == "~":
        return [Bound(">=", full, pre), Bound("<", upper(0 if given == 1 else 1))]
    if op in ("", "="):
        if given == 3:
            return [Bound("=", full, pre)]
        return [Bound(">=", full), Bound("<", upper(given - 1))]
    if op == ">=":
        return [Bound(">=", full, pre)]
    if op == "<":
        return [Bound("<", full, pre)]
    if op == ">":
        return [Bound(">", full, pre)] if given == 3 else [Bound(">=", upper(given - 1))]
    # '<='
    return [Bound("<=", full, pre)] if given == 3 else [Bound("<", upper(given - 1))]


@dataclass(frozen=True)
class SpecRef:
    """`id@range` as written."""

    id: str
    range: VersionRange

    def __str__(self) -> str:
        return self.id if self.range.text == "*" else f"{self.id}@{self.range.text}"


def parse_ref(text: str) -> SpecRef:
    """Parse `id` or `id@range`; raises RangeSyntaxError."""
    ident, _, rng = text.strip().partition("@")
    if not re.match(ID_PATTERN, ident):
        raise RangeSyntaxError(
            f"'{ident}' is not a standard id (lowercase letters, digits, '-' and '.')"
        )
    return SpecRef(ident, parse_range(rng) if rng else ANY_VERSION)
