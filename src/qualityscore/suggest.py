"""'Did you mean' suggestions for unknown names, keys and values."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(name: str, candidates: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The candidate most like `name`, if one is close enough.

    Dotted paths are compared whole and by their last part, so that `measurements.tyre_tred_mm`
    finds `measurements.tyre_tread_mm` and `tyre_tread_mm` finds it too.
    """
    options = sorted(set(candidates))
    if not options:
        return None
    lowered = {c.lower(): c for c in options}
    if name.lower() in lowered and lowered[name.lower()] != name:
        return lowered[name.lower()]
    found = difflib.get_close_matches(name, options, n=1, cutoff=cutoff)
    if found:
        return found[0]
    tails: dict[str, str] = {}
    for option in options:
        tails.setdefault(option.rsplit(".", 1)[-1], option)
    found = difflib.get_close_matches(name.rsplit(".", 1)[-1], list(tails), n=1, cutoff=cutoff)
    return tails[found[0]] if found else None


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint `did you mean 'x'?`, or None when nothing is close."""
    match = closest(name, candidates)
    return f"did you mean '{match}'?" if match is not None else None


def one_of(values: Iterable[object]) -> str:
    """`a, b or c`, for messages that list what is allowed."""
    items = [str(v) for v in values]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def all_of(values: Iterable[object]) -> str:
    """`a, b and c`, for messages that list what there is."""
    items = [str(v) for v in values]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
