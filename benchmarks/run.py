"""Measure qualityscore on the reference workload against a hand-written function, in one run.

    python benchmarks/run.py [--records N] [--rounds R] [--quick] [--clock cpu|wall]

Generates the workload with the shared scripts (../shared/bench: gen_standard.py, gen_records.py;
imported by path, never copied), writes it as a qualityscore standard (benchmarks/data/, ignored by
git), checks every record's (score, grade) against the hand-written function, then times every
variant over the same records, interleaved in rounds (each round runs each variant once, in a
rotating order), and prints each variant's speed and its ratio to the hand-written function.
Exits 1 when a result differs from the hand-written function other than on a rounding midpoint.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib.util
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any

import workload
from qualityscore import RuleSet, load_standard

HERE = Path(__file__).resolve().parent
SHARED_BENCH = Path(os.environ.get("QUALITYSCORE_BENCH", HERE.parent.parent / "shared" / "bench"))
"""The shared workload generators (override with QUALITYSCORE_BENCH=DIR)."""
DATA = HERE / "data"
RECORD_SEED = 1
STANDARD_SEED = 7
TARGETS = {"fast": 1.5, "full": 0.7}
COMPILE_TARGET_MS = 50.0


# -- the workload ----------------------------------------------------------------------------------


def shared_module(name: str, bench: Path = SHARED_BENCH) -> ModuleType:
    """One of the shared generator scripts, imported from its file."""
    path = bench / f"{name}.py"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: the shared workload generators are needed")
    spec = importlib.util.spec_from_file_location(f"qs_bench_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # so that its worker processes can pickle its functions
    spec.loader.exec_module(module)
    return module


@dataclass
class Workload:
    neutral: dict[str, Any]
    standard_path: Path
    records_path: Path
    records: list[dict[str, Any]]
    exact: list[dict[str, Any]]
    """The same records with every reading parsed from its text as a Fraction."""


def make_workload(
    n: int,
    *,
    data: Path = DATA,
    seed: int = RECORD_SEED,
    standard_seed: int = STANDARD_SEED,
    bench: Path = SHARED_BENCH,
) -> Workload:
    """Generate (or reuse) the standard and the first `n` records, and read them back."""
    neutral = shared_module("gen_standard", bench).generate(standard_seed)
    data.mkdir(parents=True, exist_ok=True)
    standard_path = data / f"bench-reference-s{standard_seed}.yaml"
    text = workload.standard_yaml(neutral)
    if not standard_path.is_file() or standard_path.read_text(encoding="utf-8") != text:
        standard_path.write_text(text, encoding="utf-8")
    records_path = data / f"records-{n}-s{seed}.jsonl"
    if not records_path.is_file():
        jobs = 2 if n > 10_000 else 1
        shared_module("gen_records", bench).generate_file(n, seed, records_path, jobs)
    lines = records_path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    exact = [json.loads(line, parse_float=Fraction) for line in lines]
    return Workload(neutral, standard_path, records_path, records, exact)


# -- correctness -----------------------------------------------------------------------------------


def grade_of(neutral: dict[str, Any], overall: float, record: dict[str, Any]) -> str:
    """The grade WORKLOAD.md gives a record whose rounded overall is `overall`."""
    knockout = neutral["knockout"]
    if any(d["severity"] == knockout["severity"] for d in record["defects"]):
        return str(knockout["grade"])
    for grade, threshold in neutral["grades"]:
        if overall >= threshold:
            return str(grade)
    return str(neutral["fallback_grade"])


def half_even(exact: Fraction, places: int) -> Fraction:
    """`exact` rounded to `places` decimals, halves to even (Python's round() on a Fraction)."""
    return round(exact, places)


def classify(
    neutral: dict[str, Any],
    record: dict[str, Any],
    exact: Fraction,
    baseline: tuple[float, str],
    found: tuple[float | None, str],
) -> str:
    """'equal', 'tie' or 'other' for one record's result against the baseline's.

    'tie': the exact overall is a rounding midpoint, the two scores are its two neighbours, the
    one found is the standard's declared rounding of it (half_even), and each grade follows from
    its own score. Anything else that differs is 'other': a real bug.
    """
    if found == baseline:
        return "equal"
    places = neutral["rounding"]["decimals"]
    if neutral["rounding"]["mode"] != "half_even":  # pragma: no cover - the workload's is
        raise ValueError(f"unexpected rounding mode {neutral['rounding']['mode']!r}")
    scaled = exact * 10**places
    if (scaled * 2).denominator != 1 or scaled.denominator == 1:
        return "other"  # not a midpoint
    low = Fraction(math.floor(scaled), 10**places)
    high = low + Fraction(1, 10**places)
    neighbours = {float(low), float(high)}
    score, grade = found
    if (
        score is not None
        and {score, baseline[0]} == neighbours
        and score == float(half_even(exact, places))
        and grade == grade_of(neutral, score, record)
        and baseline[1] == grade_of(neutral, baseline[0], record)
    ):
        return "tie"
    return "other"


@dataclass
class Check:
    """How one variant's results compare with the hand-written function's."""

    equal: int = 0
    tie: int = 0
    other: int = 0
    examples: list[str] = field(default_factory=list)


def check(
    work: Workload, variants: dict[str, Callable[[dict[str, Any]], tuple[float | None, str]]]
) -> dict[str, Check]:
    """Compare every record's (score, grade) from each variant with the hand-written function's."""
    baseline = workload.handwritten(work.neutral)
    out = {name: Check() for name in variants}
    for i, (record, exact_record) in enumerate(zip(work.records, work.exact, strict=True)):
        expected = baseline(record)
        exact: Fraction | None = None
        for name, variant in variants.items():
            found = variant(record)
            if found == expected:
                out[name].equal += 1
                continue
            if exact is None:
                exact = workload.exact_overall(work.neutral, exact_record)
            kind = classify(work.neutral, record, exact, expected, found)
            setattr(out[name], kind, getattr(out[name], kind) + 1)
            if kind == "other" and len(out[name].examples) < 5:
                out[name].examples.append(
                    f"record {i + 1}: exact {float(exact)!r}, hand-written {expected}, {found}"
                )
    return out


def qualityscore_variants(
    rules: RuleSet,
) -> dict[str, Callable[[dict[str, Any]], tuple[float | None, str]]]:
    score = rules.score

    def fast(record: dict[str, Any]) -> tuple[float | None, str]:
        rating = score(record, findings=False)
        return rating.score, rating.grade

    def full(record: dict[str, Any]) -> tuple[float | None, str]:
        rating = score(record)
        return rating.score, rating.grade

    return {"fast": fast, "full": full}


def correctness(work: Workload, rules: RuleSet | None = None) -> dict[str, Check]:
    """The check of run.py: the generated peer and both qualityscore modes, every record."""
    rules = rules or load_standard(work.standard_path)
    variants: dict[str, Callable[[dict[str, Any]], tuple[float | None, str]]] = {
        "peer": workload.straight_line(work.neutral),
        **qualityscore_variants(rules),
    }
    return check(work, variants)


# -- timing ----------------------------------------------------------------------------------------


@dataclass
class Variant:
    key: str
    label: str
    run: Callable[[Sequence[dict[str, Any]]], object]
    """Scores every record once (consuming each result, keeping none)."""
    times: list[float] = field(default_factory=list)


def _loop(function: Callable[[dict[str, Any]], Any]) -> Callable[[Sequence[dict[str, Any]]], int]:
    def run(records: Sequence[dict[str, Any]]) -> int:
        for record in records:
            function(record)
        return len(records)

    return run


def variants(work: Workload, rules: RuleSet) -> list[Variant]:
    score = rules.score

    def fast(records: Sequence[dict[str, Any]]) -> int:
        for record in records:
            score(record, findings=False)
        return len(records)

    def full(records: Sequence[dict[str, Any]]) -> int:
        count = 0
        for record in records:
            count += len(score(record).findings)
        return count

    return [
        Variant("hand", "hand-written function", _loop(workload.handwritten(work.neutral))),
        Variant(
            "peer", "generated straight-line Python", _loop(workload.straight_line(work.neutral))
        ),
        Variant("fast", "RuleSet.score(findings=False)", fast),
        Variant("full", "RuleSet.score() with findings", full),
    ]


CLOCKS: dict[str, Callable[[], float]] = {"cpu": time.process_time, "wall": time.perf_counter}
BLOCK = 500
"""Records per block: within a round, every variant scores a block before the next block starts."""


def measure(
    variants_: list[Variant],
    records: Sequence[dict[str, Any]],
    rounds: int,
    clock: Callable[[], float] = time.process_time,
) -> list[Variant]:
    """Time every variant over all the records once per round, interleaved block by block.

    A round walks the records in blocks of BLOCK; each block is scored by every variant in turn
    (in an order that rotates from block to block), so a busy moment of a shared machine falls on
    all variants alike. A variant's time for the round is the sum over its blocks.
    """
    for variant in variants_:  # warm up: compiled functions, caches
        variant.run(records[:BLOCK])
    blocks = [records[i : i + BLOCK] for i in range(0, len(records), BLOCK)]
    k = len(variants_)
    for _ in range(rounds):
        gc.collect()
        totals = [0.0] * k
        for b, block in enumerate(blocks):
            for j in range(k):
                i = (b + j) % k
                start = clock()
                variants_[i].run(block)
                totals[i] += clock() - start
        for variant, total in zip(variants_, totals, strict=True):
            variant.times.append(total)
    return variants_


def compile_times(
    path: Path, runs: int, clock: Callable[[], float] = time.process_time
) -> dict[str, float]:
    """Best-of-`runs` milliseconds: load_standard, the fast function, the validator, findings."""
    best: dict[str, float] = {}

    def keep(name: str, seconds: float) -> None:
        best[name] = min(best.get(name, math.inf), seconds * 1000)

    for _ in range(runs):
        start = clock()
        rules = load_standard(path)
        loaded = clock()
        standard = rules.standards[0]
        standard.function("fast")
        fast = clock()
        standard.scorer(False, "en")  # the record validator, and the scorer around the function
        ready = clock()
        standard.function("findings")
        findings = clock()
        keep("load", loaded - start)
        keep("fast", fast - loaded)
        keep("scorer", ready - fast)
        keep("total", ready - start)
        keep("findings", findings - ready)
    return best


# -- report ----------------------------------------------------------------------------------------


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}"


def report(
    work: Workload,
    measured: list[Variant],
    compiled: dict[str, float],
    checks: dict[str, Check],
    rounds: int,
    clock: str = "cpu",
) -> tuple[list[str], bool]:
    """The printed report, and whether every target was met."""
    n = len(work.records)
    hand = next(v for v in measured if v.key == "hand")
    lines = [
        f"qualityscore benchmark: {n:,} records x {rounds} rounds ({clock} time, "
        f"interleaved in blocks of {BLOCK}), CPython {platform.python_version()}, "
        f"{os.cpu_count()} cores, {dt.date.today()}",
        "",
        f"{'variant':<40} {'best rec/s':>11} {'median rec/s':>13} {'x hand (best)':>14} "
        f"{'x hand (median)':>16}",
    ]
    ratios: dict[str, float] = {}
    for v in measured:
        best, median = min(v.times), statistics.median(v.times)
        per_round = statistics.median(h / t for h, t in zip(hand.times, v.times, strict=True))
        ratios[v.key] = min(hand.times) / best
        lines.append(
            f"{v.label:<40} {_rate(n, best):>11} {_rate(n, median):>13} "
            f"{ratios[v.key]:>14.2f} {per_round:>16.2f}"
        )
    lines += [
        "('x hand (median)' is the median over rounds of the ratio within each round.)",
        "",
        f"compile: load_standard {compiled['load']:.1f} ms + fast function {compiled['fast']:.1f} "
        f"ms + validator {compiled['scorer']:.1f} ms = {compiled['total']:.1f} ms "
        f"(findings function, built on first use: {compiled['findings']:.1f} ms)",
        "",
        "correctness, (score, grade) against the hand-written function:",
    ]
    for name, result in checks.items():
        lines.append(
            f"  {name:<5} {result.equal:>7,} equal, {result.tie:>4} tie (exact midpoint), "
            f"{result.other:>4} other"
        )
        lines += [f"        {example}" for example in result.examples]
    met = True
    lines += ["", "targets:"]
    for key, target in TARGETS.items():
        ok = ratios[key] >= target
        met = met and ok
        label = next(v.label for v in measured if v.key == key)
        lines.append(
            f"  {label:<40} >= {target}x: {ratios[key]:.2f}x  {'met' if ok else 'NOT MET'}"
        )
    ok = compiled["total"] < COMPILE_TARGET_MS
    met = met and ok
    lines.append(
        f"  {'compile (load + fast function)':<40} < {COMPILE_TARGET_MS:.0f} ms: "
        f"{compiled['total']:.1f} ms  {'met' if ok else 'NOT MET'}"
    )
    other = sum(c.other for c in checks.values())
    lines.append(
        f"  {'mismatches other than ties':<40} = 0: {other}  {'met' if not other else 'NOT MET'}"
    )
    return lines, met and not other


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000, help="records (default 20,000)")
    parser.add_argument("--rounds", type=int, default=7, help="timing rounds (default 7)")
    parser.add_argument("--quick", action="store_true", help="2,000 records, 3 rounds: a smoke run")
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="cpu",
        help="cpu: this process's CPU time (default; steadier on a shared machine); wall: elapsed",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    n, rounds = (2_000, 3) if args.quick else (args.records, args.rounds)
    work = make_workload(n)
    compiled = compile_times(work.standard_path, runs=7, clock=CLOCKS[args.clock])
    rules = load_standard(work.standard_path)
    checks = correctness(work, rules)
    measured = measure(variants(work, rules), work.records, rounds, CLOCKS[args.clock])
    lines, _ = report(work, measured, compiled, checks, rounds, args.clock)
    print("\n".join(lines))
    return 1 if any(c.other for c in checks.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
