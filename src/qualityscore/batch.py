"""Score streams of records: exactly one rating or one error per record, in input order.

With several workers, records are scored in chunks by forked processes; a bounded window of
chunks is in flight at a time, so memory stays flat however long the stream is.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from qualityscore.errors import QualityScoreError, RecordError
from qualityscore.rating import Rating
from qualityscore.records import Item

if TYPE_CHECKING:
    from qualityscore.ruleset import RuleSet

CHUNK = 256
"""Records a worker scores at a time."""

Outcome = Rating | RecordError


def as_item(record: Any, number: int) -> Item:
    """A plain record (or an Item from `read_records`) as an Item with an id."""
    if isinstance(record, Item):
        return record
    rid = None
    if isinstance(record, dict):
        value = record.get("id")
        if isinstance(value, str | int) and not isinstance(value, bool):
            rid = str(value)
    return Item(rid or f"record {number}", record)


def score_item(ruleset: RuleSet, item: Item, findings: bool, lang: str) -> Outcome:
    """The rating of one item, or the error that kept it from being rated."""
    if item.error is not None:
        return item.error
    try:
        record = item.record
        standard, warnings = ruleset.standard_for(record, item.id)
        if item.text_values and isinstance(record, dict):
            from qualityscore.records import type_text_values

            record = type_text_values(
                record, {p: spec for p, (spec, _) in standard.inputs.items()}, item.id
            )
        return standard.scorer(findings, lang)(record, item.id, warnings)
    except RecordError as exc:
        return exc
    except QualityScoreError as exc:  # pragma: no cover - scoring raises record errors only
        return RecordError(exc.code, exc.message, record=item.id)


_WORKER_RULESET: RuleSet | None = None


def _score_chunk(args: tuple[list[Item], bool, str]) -> list[Outcome]:
    items, findings, lang = args
    assert _WORKER_RULESET is not None
    return [score_item(_WORKER_RULESET, item, findings, lang) for item in items]


def score_stream(
    ruleset: RuleSet,
    records: Iterable[Any],
    *,
    findings: bool = True,
    lang: str = "en",
    workers: int = 1,
) -> Iterator[Outcome]:
    """Score every record (mappings or Items) and yield one outcome per record, in order."""
    items = (as_item(record, n) for n, record in enumerate(records, start=1))
    workers = min(workers, os.cpu_count() or 1) if workers > 0 else os.cpu_count() or 1
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for item in items:
            yield score_item(ruleset, item, findings, lang)
        return
    yield from _parallel(ruleset, items, findings, lang, workers)


def _parallel(
    ruleset: RuleSet, items: Iterator[Item], findings: bool, lang: str, workers: int
) -> Iterator[Outcome]:
    global _WORKER_RULESET
    _WORKER_RULESET = ruleset  # inherited by the forked workers
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        pending: deque[Any] = deque()
        window = workers * 4
        while True:
            while len(pending) < window:
                chunk = list(islice(items, CHUNK))
                if not chunk:
                    break
                pending.append(pool.apply_async(_score_chunk, ((chunk, findings, lang),)))
            if not pending:
                break
            yield from pending.popleft().get()
