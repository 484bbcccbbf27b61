"""Run the test cases standards carry (`tests:`, and `<version>.tests.yaml` beside the file).

Each case scores its record with exactly that version of the standard and compares what it expects
(score, grade, verdict, coverage, findings, not_assessed, categories, version, or a record error)
with what came out. Rule coverage counts the rules that fired (failed, matched a defect or moved
points) in at least one case: a rule that only ever passes is not tested.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from qualityscore.errors import Diagnostic, QualityScoreError, RecordError
from qualityscore.rating import Rating
from qualityscore.ruleset import CompiledStandard
from qualityscore.standard.check import check_file
from qualityscore.standard.load import validation_diagnostics
from qualityscore.standard.registry import Registry, bundled_root, standard_files
from qualityscore.standard.spec import Spec, TestCaseSpec, _describe
from qualityscore.yamlio import LocDict, LocList, load_yaml, read_source


class _TestsFile(Spec):
    tests: list[TestCaseSpec]


@dataclass(frozen=True)
class Mismatch:
    field: str
    expected: Any
    actual: Any


@dataclass(frozen=True)
class CaseResult:
    name: str
    status: str  # pass | fail | error
    mismatches: tuple[Mismatch, ...] = ()
    message: str = ""
    fired: frozenset[str] = frozenset()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "mismatches": [
                {"field": m.field, "expected": _plain(m.expected), "actual": _plain(m.actual)}
                for m in self.mismatches
            ],
            "message": self.message,
        }


@dataclass(frozen=True)
class StandardResult:
    path: Path
    id: str | None
    version: str | None
    cases: tuple[CaseResult, ...] = ()
    rules: tuple[str, ...] = ()
    problems: tuple[Diagnostic, ...] = ()
    exercised: frozenset[str] = field(default_factory=frozenset)

    @property
    def coverage(self) -> float:
        """Percentage of the standard's own rules that fired in at least one case."""
        if not self.rules:
            return 100.0
        return 100.0 * len(self.exercised & set(self.rules)) / len(self.rules)

    @property
    def not_exercised(self) -> list[str]:
        return [r for r in self.rules if r not in self.exercised]

    def ok(self, *, coverage_min: float | None = None, fail_on_empty: bool = False) -> bool:
        if self.problems or any(c.status != "pass" for c in self.cases):
            return False
        if fail_on_empty and not self.cases:
            return False
        return coverage_min is None or self.coverage >= coverage_min

    def to_dict(
        self, *, coverage_min: float | None = None, fail_on_empty: bool = False
    ) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "standard": self.id,
            "version": self.version,
            "ok": self.ok(coverage_min=coverage_min, fail_on_empty=fail_on_empty),
            "cases": [c.to_dict() for c in self.cases],
            "coverage": round(self.coverage, 1),
            "not_exercised": self.not_exercised,
            "problems": [d.to_dict() for d in self.problems],
        }


def _plain(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return sorted(value)
    return value


def tests_beside(path: Path) -> Path:
    """`<version>.tests.yaml` next to `<version>.yaml`."""
    return path.with_name(path.name[: -len(".yaml")] + ".tests.yaml")


def _extra_cases(path: Path) -> tuple[list[TestCaseSpec], list[Diagnostic]]:
    extra = tests_beside(path)
    if not extra.is_file():
        return [], []
    try:
        source = read_source(extra)
        data = load_yaml(source)
    except QualityScoreError as exc:
        return [], list(exc.diagnostics)
    if isinstance(data, LocList):
        wrapped = LocDict(data.span)
        wrapped["tests"] = data
        data = wrapped
    if not isinstance(data, LocDict):
        return [], [
            Diagnostic(
                "wrong-type",
                f"a tests file holds a list of test cases, but this one holds {_describe(data)}",
                source.span(0),
                "write '- name: ...' items, each with a record and an expect",
            )
        ]
    try:
        return list(_TestsFile.model_validate(data).tests), []
    except ValidationError as exc:
        return [], validation_diagnostics(exc, data, _TestsFile)


def _close(a: float | None, b: float | None, tolerance: float) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=0, abs_tol=tolerance)


def run_case(standard: CompiledStandard, case: TestCaseSpec) -> CaseResult:
    """Score a case's record with `standard` and compare it with the expectation."""
    expect = case.expect
    try:
        rating = standard.scorer(True, "en")(case.record, case.name, ())
    except RecordError as exc:
        if expect.error is not None:
            if exc.code == expect.error:
                return CaseResult(case.name, "pass")
            return CaseResult(
                case.name, "fail", (Mismatch("error", expect.error, exc.code),), str(exc)
            )
        return CaseResult(case.name, "error", message=f"{exc.code}: {exc.message}")
    fired = frozenset(f.rule for f in rating.findings)
    if expect.error is not None:
        return CaseResult(case.name, "fail", (Mismatch("error", expect.error, None),), fired=fired)
    return CaseResult(
        case.name,
        "pass" if not (mismatches := _compare(expect, rating, standard)) else "fail",
        tuple(mismatches),
        fired=fired,
    )


def _compare(expect: Any, rating: Rating, standard: CompiledStandard) -> list[Mismatch]:
    out: list[Mismatch] = []
    tolerance = 0.5 * 10.0**-standard.plan.places
    if expect.score is not None and not _close(expect.score, rating.score, tolerance * 1.0001):
        out.append(Mismatch("score", expect.score, rating.score))
    for key in ("grade", "verdict"):
        wanted = getattr(expect, key)
        if wanted is not None and wanted != getattr(rating, key):
            out.append(Mismatch(key, wanted, getattr(rating, key)))
    if expect.version is not None and expect.version != rating.standard.version:
        out.append(Mismatch("version", expect.version, rating.standard.version))
    if expect.coverage is not None and not _close(expect.coverage, rating.coverage, 1e-4):
        out.append(Mismatch("coverage", expect.coverage, rating.coverage))
    if expect.findings is not None:
        actual = {f.rule for f in rating.findings}
        if set(expect.findings) != actual:
            out.append(Mismatch("findings", sorted(expect.findings), sorted(actual)))
    if expect.not_assessed is not None and set(expect.not_assessed) != set(rating.not_assessed):
        out.append(
            Mismatch("not_assessed", sorted(expect.not_assessed), sorted(rating.not_assessed))
        )
    for name, wanted in (expect.categories or {}).items():
        got: float | None
        if name in rating.categories:
            got = rating.categories[name].score
        elif name in rating.components:
            got = rating.components[name].score
        else:
            out.append(Mismatch(f"categories.{name}", wanted, "no such category"))
            continue
        if not _close(wanted, got, tolerance * 1.0001):
            out.append(Mismatch(f"categories.{name}", wanted, got))
    return out


def run_file_tests(path: Path, registry: Registry) -> StandardResult:
    """Check one standard file and run all of its cases."""
    report = check_file(path, registry)
    extra, extra_problems = _extra_cases(path)
    if report.standard is None or not report.ok:
        problems = [d for d in report.diagnostics if d.severity == "error"] + extra_problems
        return StandardResult(path, None, None, problems=tuple(problems))
    standard = report.standard
    cases = [*standard.resolved.tests, *extra]
    results = tuple(run_case(standard, case) for case in cases)
    exercised = frozenset().union(*(r.fired for r in results)) if results else frozenset()
    return StandardResult(
        path,
        standard.id,
        standard.version,
        results,
        tuple(r.id for r in standard.plan.rules),
        tuple(extra_problems),
        exercised,
    )


def run_tests(
    paths: Sequence[str | Path] | None, registry: Registry | None = None
) -> list[StandardResult]:
    """Run the tests of every standard file under `paths` (default: the bundled standards)."""
    registry = registry or Registry()
    files = standard_files(paths if paths else [bundled_root()])
    return [run_file_tests(path, registry) for path in files]


def render_results(
    results: Sequence[StandardResult],
    *,
    coverage_min: float | None = None,
    fail_on_empty: bool = False,
) -> str:
    """PASS/FAIL/ERROR per case with expected against actual, and rule coverage per standard."""
    lines: list[str] = []
    counts = {"pass": 0, "fail": 0, "error": 0}
    for result in results:
        name = f"{result.id} {result.version}" if result.id else "(invalid standard)"
        lines.append(f"{name}  ({result.path})")
        for problem in result.problems:
            lines.append("  " + problem.render().replace("\n", "\n  "))
            counts["error"] += 1
        for case in result.cases:
            counts[case.status] += 1
            lines.append(f"  {case.status.upper():<5} {case.name}")
            for m in case.mismatches:
                lines.append(
                    f"        {m.field}: expected {_show(m.expected)}, got {_show(m.actual)}"
                )
            if case.message and case.status != "fail":
                lines.append(f"        {case.message}")
        if result.id is not None:
            if not result.cases:
                lines.append("  no test cases" + (" (--fail-on-empty)" if fail_on_empty else ""))
            total = len(result.rules)
            fired = len(result.exercised & set(result.rules))
            line = f"  rules: {fired} of {total} exercised ({result.coverage:.1f}%)"
            if coverage_min is not None and result.coverage < coverage_min:
                line += f", below --coverage-min {coverage_min:g}%"
            lines.append(line)
            if result.not_exercised:
                lines.append("  not exercised: " + ", ".join(result.not_exercised))
        lines.append("")
    cases = counts["pass"] + counts["fail"] + counts["error"]
    failed = [
        r for r in results if not r.ok(coverage_min=coverage_min, fail_on_empty=fail_on_empty)
    ]
    lines.append(
        f"{len(results)} standard{'s' * (len(results) != 1)}, {cases} case{'s' * (cases != 1)}: "
        f"{counts['pass']} passed, {counts['fail']} failed, {counts['error']} errors"
        + (f"; {len(failed)} standard{'s' * (len(failed) != 1)} not ok" if failed else "")
    )
    return "\n".join(lines) + "\n"


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)
