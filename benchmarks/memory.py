"""Peak memory and wall time of `qualityscore score` on a large JSON Lines file with broken lines.

    python benchmarks/memory.py [--records 200000] [--workers 1] [--keep]

Generates the reference workload's records (../shared/bench/gen_records.py) into a temporary
folder, inserts a few dozen broken lines of assorted kinds (broken JSON, a line that is no object,
a wrong type, an unknown enum value or severity, NaN, a value out of range), and runs

    qualityscore score FILE -s <the workload standard> -f jsonl -o OUT --errors ERRORS

as a child process, measuring its peak resident memory (wait4's ru_maxrss) and wall time. Then it
checks that every valid line has exactly one rating, in order, every broken line exactly one error,
and that the summary line "N read, N scored, N rejected" reconciles. Exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import workload
from run import RECORD_SEED, STANDARD_SEED, shared_module

TARGET_MIB = 250.0
QUALITYSCORE = Path(sys.executable).with_name("qualityscore")


def broken_lines(template: dict[str, Any]) -> list[tuple[str, str]]:
    """(kind, line) for every kind of broken line, each line made from a valid record."""

    def variant(**changes: Any) -> str:
        record = json.loads(json.dumps(template))
        for path, value in changes.items():
            node = record
            *groups, leaf = path.split("__")
            for group in groups:
                node = node[int(group)] if isinstance(node, list) else node[group]
            node[leaf] = value
        return json.dumps(record, separators=(",", ":"))

    valid = json.dumps(template, separators=(",", ":"))
    defect = {"code": "D001", "severity": "minor", "zone": "body"}
    return [
        ("broken JSON: cut short", valid[: len(valid) // 2]),
        ("broken JSON: trailing text", valid + " trailing"),
        ("broken JSON: single quotes", "{'measurements': {}}"),
        ("broken JSON: NaN", variant(measurements__m03=float("nan"))),
        ("broken JSON: Infinity", variant(measurements__m05=float("inf"))),
        ("not an object: list", "[1, 2, 3]"),
        ("not an object: text", '"an inspection"'),
        ("not an object: number", "42"),
        ("not an object: null", "null"),
        ("wrong type: reading as text", variant(measurements__m07="12.5")),
        ("wrong type: reading as boolean", variant(measurements__m08=True)),
        ("wrong type: measurements as list", variant(measurements=[1.0, 2.0])),
        ("wrong type: defects as text", variant(defects="none")),
        ("wrong type: defect code as number", variant(defects=[{**defect, "code": 7}])),
        ("wrong type: defect as number", variant(defects=[5])),
        ("missing: defect code", variant(defects=[{"severity": "minor", "zone": "body"}])),
        ("unknown enum value: zone", variant(defects=[{**defect, "zone": "roof"}])),
        ("unknown severity", variant(defects=[{**defect, "severity": "catastrophic"}])),
        ("out of range: above max", variant(measurements__m11=150.0)),
        ("out of range: below min", variant(measurements__m12=-0.5)),
    ]


def write_input(path: Path, n: int, jobs: int) -> set[int]:
    """Write `n` workload records with broken lines among them; return the broken line numbers."""
    gen_records = shared_module("gen_records")
    clean = path.with_name("clean.jsonl")
    gen_records.generate_file(n, RECORD_SEED, clean, jobs)
    with open(clean, encoding="utf-8") as f:
        template = json.loads(f.readline())
    kinds = broken_lines(template)
    inserts = [line for _ in range(2) for _, line in kinds]  # two of each kind
    every = max(1, n // len(inserts))
    broken: set[int] = set()
    number = 0
    with open(clean, encoding="utf-8") as src, open(path, "w", encoding="utf-8") as out:
        for i, line in enumerate(src):
            if i % every == every // 2 and inserts:
                out.write(inserts.pop() + "\n")
                number += 1
                broken.add(number)
            out.write(line)
            number += 1
        for line in inserts:
            out.write(line + "\n")
            number += 1
            broken.add(number)
    clean.unlink()
    return broken


def run_scoring(command: list[str], stderr_path: Path) -> tuple[int, float, float, float]:
    """Run `command`; its exit code, wall seconds, CPU seconds and peak resident memory in MiB."""
    with open(stderr_path, "w", encoding="utf-8") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4 already
    cpu = usage.ru_utime + usage.ru_stime
    return process.returncode, wall, cpu, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def check_outputs(
    records: Path, total: int, broken: set[int], *, out: Path, errors: Path, stderr: str
) -> list[str]:
    """Every failed check, as a message (none when all hold)."""
    failures: list[str] = []
    name = str(records)
    expected = (f"{name}:{k}" for k in range(1, total + 1) if k not in broken)
    count = 0
    with open(out, encoding="utf-8") as f:
        for line, want in zip(f, _padded(expected), strict=False):
            count += 1
            rating = json.loads(line)
            wrong = rating.get("record") != want or not isinstance(rating.get("score"), float)
            if wrong and not failures:  # the first wrong line tells enough
                failures.append(
                    f"output line {count}: expected a rating of {want}, got {line[:120]}"
                )
    valid = total - len(broken)
    if count != valid:
        failures.append(f"{count} ratings written for {valid} valid lines")
    with open(errors, encoding="utf-8") as f:
        rejected = [json.loads(line) for line in f]
    got = sorted(int(e["record"].rsplit(":", 1)[1]) for e in rejected)
    if got != sorted(broken):
        failures.append(f"errors for lines {got}, expected exactly {sorted(broken)}")
    summary = f"{total} read, {valid} scored, {len(broken)} rejected"
    if summary not in stderr.splitlines():
        last = stderr.strip().splitlines()[-1:] or ["(nothing)"]
        failures.append(f"summary line {summary!r} missing; stderr ends with {last[0]!r}")
    return failures


def _padded(items: Iterable[str]) -> Iterable[str | None]:
    yield from items
    while True:
        yield None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000, help="valid records (200,000)")
    parser.add_argument("--workers", type=int, default=1, help="qualityscore score --workers")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="qualityscore-memory-"))
    try:
        neutral = shared_module("gen_standard").generate(STANDARD_SEED)
        standard = folder / "bench-reference.yaml"
        standard.write_text(workload.standard_yaml(neutral), encoding="utf-8")
        records = folder / "records.jsonl"
        started = time.perf_counter()
        broken = write_input(records, args.records, jobs=2)
        made = time.perf_counter() - started
        total = args.records + len(broken)
        out, errors, stderr = folder / "ratings.jsonl", folder / "errors.jsonl", folder / "stderr"
        command = [
            str(QUALITYSCORE), "score", str(records), "-s", str(standard), "-f", "jsonl",
            "-o", str(out), "--errors", str(errors), "--workers", str(args.workers),
        ]  # fmt: skip
        code, wall, cpu, peak = run_scoring(command, stderr)
        text = stderr.read_text(encoding="utf-8")
        failures = check_outputs(records, total, broken, out=out, errors=errors, stderr=text)
        if code != 1:  # rejected records make the exit code 1
            failures.append(f"exit code {code}, expected 1 (some records are rejected)")
        mib = 1024 * 1024
        print(
            f"qualityscore score, {total:,} lines ({len(broken)} broken), "
            f"--workers {args.workers}, CPython {platform.python_version()}, "
            f"{os.cpu_count()} cores\n"
            f"  input {records.stat().st_size / mib:,.0f} MiB (generated in {made:.1f} s), "
            f"output {out.stat().st_size / mib:,.0f} MiB\n"
            f"  wall time  {wall:.1f} s ({total / wall:,.0f} lines/s, start-up included), "
            f"CPU time {cpu:.1f} s ({total / cpu:,.0f} lines per CPU second)\n"
            f"  peak RSS   {peak:.1f} MiB (target < {TARGET_MIB:.0f} MiB: "
            f"{'met' if peak < TARGET_MIB else 'NOT MET'})\n"
            f"  summary    {text.strip().splitlines()[-1] if text.strip() else '(none)'}"
        )
        if peak >= TARGET_MIB:
            failures.append(f"peak memory {peak:.1f} MiB is not under {TARGET_MIB:.0f} MiB")
        for failure in failures:
            print(f"  FAILED: {failure}")
        if not failures:
            print("  checks     one rating per valid line, in order; one error per broken line: ok")
        return 1 if failures else 0
    finally:
        if args.keep:
            print(f"  files kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
