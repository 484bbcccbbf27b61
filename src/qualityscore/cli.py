"""The `qualityscore` command: a thin adapter over the library (options -> one call -> render -> exit code).

Exit codes: 0 all good; 1 a user-facing problem (invalid standard, rejected records, a failed test,
--fail-under not met); 2 a usage error; 3 an internal error (with --debug, its traceback).
"""

from __future__ import annotations

import gc
import json
import sys
import time
import traceback
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from qualityscore import api
from qualityscore.errors import QualityScoreError, RecordError
from qualityscore.rating import Rating

# typer exposes BadParameter, Exit and Abort; usage errors in general are its bases (typer bundles
# or depends on click, depending on its version, so they are found through the class hierarchy).
UsageError: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError"
)
ClickException: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)

app = typer.Typer(
    name="qualityscore",
    help="Rate vehicle quality from inspection records with versioned, compiled standards.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
standards_app = typer.Typer(help="What the registry of standards holds.", no_args_is_help=True)
app.add_typer(standards_app, name="standards")

StandardsDir = Annotated[
    list[Path] | None,
    typer.Option(
        "--standards-dir",
        help="A folder of <id>/<version>.yaml standards, searched before the bundled ones "
        "(repeatable; also $QUALITYSCORE_STANDARDS).",
        file_okay=False,
    ),
]
Spec = Annotated[
    str,
    typer.Option(
        "--standard", "-s", help="A standard: id, id@range (e.g. euro-ncap@^2023) or a file path."
    ),
]
Lang = Annotated[str, typer.Option("--lang", help="Language of titles and messages (en, ru, ...).")]


class ScoreFormat(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    md = "md"
    html = "html"


class TextFormat(StrEnum):
    text = "text"
    json = "json"


class InputFormat(StrEnum):
    json = "json"
    jsonl = "jsonl"
    yaml = "yaml"
    csv = "csv"


def _registry(dirs: list[Path] | None) -> Any:
    from qualityscore.standard.registry import Registry

    return Registry(dirs or ())


def _err(text: str) -> None:
    print(text, file=sys.stderr)


class _Progress:
    """A one-line progress report on stderr, for long batches on a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.start = time.monotonic()
        self.last = self.start
        self.shown = False

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < 0.25:
            return
        self.last = now
        rate = done / max(now - self.start, 1e-9)
        sys.stderr.write(f"\r  scored {done:,} records ({rate:,.0f}/s)")
        sys.stderr.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()


MAX_ERROR_LINES = 50


@app.command()
def score(
    paths: Annotated[
        list[str],
        typer.Argument(help="Record files (.json, .jsonl, .yaml, .csv), folders of them, or -."),
    ],
    standard: Spec = api.DEFAULT_STANDARD,
    fmt: Annotated[
        ScoreFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ScoreFormat.table,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write here (atomically) instead of stdout."),
    ] = None,
    errors: Annotated[
        Path | None,
        typer.Option("--errors", help="Write one JSON line per rejected record here."),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", help="Processes to score with (0: all cores).")
    ] = 1,
    lang: Lang = "en",
    fail_under: Annotated[
        str | None,
        typer.Option("--fail-under", help="Exit 1 when a rating's grade is worse than this one."),
    ] = None,
    locked: Annotated[
        Path | None,
        typer.Option(
            "--locked", help="Refuse standards whose fingerprint differs from this lock file."
        ),
    ] = None,
    input_format: Annotated[
        InputFormat | None,
        typer.Option("--input-format", help="How to read the input (default: by file extension)."),
    ] = None,
    standards_dir: StandardsDir = None,
) -> int:
    """Score inspection records; print one rating per record and a summary on stderr."""
    from qualityscore.lock import verify_lock
    from qualityscore.records import read_records, record_files, stdin_text
    from qualityscore.report import RENDERERS, atomic_output

    ruleset = api.load_standard(standard, registry=_registry(standards_dir))
    if locked is not None:
        verify_lock(ruleset, locked)
    order = _fail_under_order(ruleset, fail_under)
    categories = list(dict.fromkeys(c.name for s in ruleset.standards for c in s.plan.categories))
    components = list(dict.fromkeys(c.name for s in ruleset.standards for c in s.plan.components))
    files = list(record_files(paths))  # a missing file is reported before any output is written
    items = read_records(
        files,
        stdin=stdin_text() if "-" in paths else None,
        format=input_format.value if input_format else None,
    )
    read = scored = rejected = below = 0
    # What exists now (the compiled standards, the modules) lives as long as the batch: keep the
    # garbage collector from scanning it again every few thousand findings (a third of the time).
    gc.freeze()
    progress = _Progress(sys.stderr.isatty())
    with atomic_output(output, sys.stdout) as out, _errors_out(errors) as error_file:
        renderer = RENDERERS[fmt.value](out, categories, components)
        for outcome in ruleset.score_many(items, lang=lang, workers=workers):
            read += 1
            if isinstance(outcome, Rating):
                scored += 1
                renderer.write(outcome)
                if order is not None and _below(outcome, order):
                    below += 1
            else:
                rejected += 1
                _report_rejection(outcome, rejected, error_file)
            progress.update(read)
        renderer.close()
    progress.done()
    if rejected > MAX_ERROR_LINES:
        _err(
            f"... and {rejected - MAX_ERROR_LINES} more rejected records"
            + (f" (all in {errors})" if errors else " (use --errors FILE for all)")
        )
    summary = f"{read} read, {scored} scored, {rejected} rejected"
    if order is not None:
        summary += f"; {below} below grade {fail_under}"
    _err(summary)
    return 1 if rejected or below else 0


def _errors_out(path: Path | None) -> Any:
    import contextlib

    from qualityscore.report import atomic_output

    if path is None:
        return contextlib.nullcontext(None)
    return atomic_output(path, sys.stderr)


def _report_rejection(error: RecordError, count: int, error_file: TextIO | None) -> None:
    if error_file is not None:
        error_file.write(json.dumps(error.to_dict(), ensure_ascii=False) + "\n")
    if count <= MAX_ERROR_LINES:  # the message names the field
        hint = f" ({error.hint})" if error.hint else ""
        _err(f"rejected {error.record}: {error.code}: {error.message}{hint}")


def _fail_under_order(ruleset: Any, grade: str | None) -> dict[str, list[str]] | None:
    """For each version: its grades, best first; a usage error if `grade` is not one of them."""
    if grade is None:
        return None
    orders = {s.version: s.plan.grade_order for s in ruleset.standards}
    known = sorted({g for order in orders.values() for g in order})
    if not any(grade in order for order in orders.values()):
        raise typer.BadParameter(
            f"'{grade}' is not a grade of {ruleset.id}; its grades are {', '.join(known)}",
            param_hint="--fail-under",
        )
    return {version: [*order] for version, order in orders.items()} | {"__grade__": [grade]}


def _below(rating: Rating, orders: dict[str, list[str]]) -> bool:
    threshold = orders["__grade__"][0]
    order = orders.get(rating.standard.version, [])
    if rating.grade not in order or threshold not in order:
        return True  # insufficient-data, or no grade: never good enough
    return order.index(rating.grade) > order.index(threshold)


@app.command()
def explain(
    record: Annotated[
        str, typer.Argument(help="A record file (or -) holding the record to explain.")
    ],
    standard: Spec = api.DEFAULT_STANDARD,
    record_id: Annotated[
        str | None, typer.Option("--record", help="Which record, when the file holds several.")
    ] = None,
    lang: Lang = "en",
    fmt: Annotated[
        TextFormat, typer.Option("--format", "-f", help="text or json.")
    ] = TextFormat.text,
    standards_dir: StandardsDir = None,
) -> int:
    """Explain one record: every rule's outcome and the values it read, and what decided the grade."""
    from qualityscore.records import read_records, stdin_text

    ruleset = api.load_standard(standard, registry=_registry(standards_dir))
    items = list(read_records([record], stdin=stdin_text() if record == "-" else None))
    if record_id is not None:
        items = [i for i in items if i.id == record_id]
        if not items:
            raise typer.BadParameter(f"no record '{record_id}' in {record}", param_hint="--record")
    if len(items) != 1:
        raise typer.BadParameter(
            f"{record} holds {len(items)} records; choose one with --record ID"
            if items
            else f"{record} holds no record",
            param_hint="RECORD",
        )
    item = items[0]
    if item.error is not None:
        raise item.error
    if item.text_values:
        from qualityscore.records import type_text_values

        chosen, _ = ruleset.standard_for(item.record, item.id)
        type_text_values(item.record, {p: s for p, (s, _) in chosen.inputs.items()}, item.id)
    explanation = ruleset.explain(item.record, lang=lang, record_id=item.id)
    if fmt is TextFormat.json:
        print(json.dumps(explanation.to_dict(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(explanation.render())
    return 0


@app.command()
def check(
    paths: Annotated[list[Path], typer.Argument(help="Standard files, or folders of them.")],
    fmt: Annotated[
        TextFormat, typer.Option("--format", "-f", help="text or json.")
    ] = TextFormat.text,
    standards_dir: StandardsDir = None,
) -> int:
    """Validate and compile standards; report every problem as file:line:col: code: message."""
    from qualityscore.standard.check import check_paths

    reports = check_paths(paths, _registry(standards_dir))
    failed = [r for r in reports if not r.ok]
    if fmt is TextFormat.json:
        print(
            json.dumps(
                [
                    {
                        "file": str(r.path),
                        "ok": r.ok,
                        "standard": r.standard.ref.id if r.standard else None,
                        "version": r.standard.version if r.standard else None,
                        "diagnostics": [d.to_dict() for d in r.diagnostics],
                    }
                    for r in reports
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for report in reports:
            for diagnostic in report.diagnostics:
                print(diagnostic.render())
                print()
        problems = sum(len([d for d in r.diagnostics if d.severity == "error"]) for r in reports)
        _err(
            f"checked {len(reports)} standard file{'s' * (len(reports) != 1)}: "
            f"{len(reports) - len(failed)} ok, {len(failed)} with errors"
            + (f" ({problems} problem{'s' * (problems != 1)})" if problems else "")
        )
    return 1 if failed else 0


@app.command("test")
def test_cmd(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Standard files or folders (default: the bundled standards)."),
    ] = None,
    coverage_min: Annotated[
        float | None,
        typer.Option(
            "--coverage-min", help="Fail when a standard's tests exercise fewer rules (%)."
        ),
    ] = None,
    fail_on_empty: Annotated[
        bool, typer.Option("--fail-on-empty", help="Fail when a standard has no tests.")
    ] = False,
    fmt: Annotated[
        TextFormat, typer.Option("--format", "-f", help="text or json.")
    ] = TextFormat.text,
    standards_dir: StandardsDir = None,
) -> int:
    """Run the standards' own test cases; report PASS/FAIL/ERROR and rule coverage."""
    from qualityscore.testing import render_results, run_tests

    registry = _registry(standards_dir)
    results = run_tests(paths or None, registry)
    ok = all(r.ok(coverage_min=coverage_min, fail_on_empty=fail_on_empty) for r in results)
    if fmt is TextFormat.json:
        print(
            json.dumps(
                [
                    r.to_dict(coverage_min=coverage_min, fail_on_empty=fail_on_empty)
                    for r in results
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        sys.stdout.write(
            render_results(results, coverage_min=coverage_min, fail_on_empty=fail_on_empty)
        )
    return 0 if ok else 1


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help="The old standard: id@version or a file.")],
    new: Annotated[str, typer.Argument(help="The new standard: id@version or a file.")],
    records: Annotated[
        list[str] | None,
        typer.Option("--records", help="Score these records under both and show the migration."),
    ] = None,
    fmt: Annotated[
        TextFormat, typer.Option("--format", "-f", help="text or json.")
    ] = TextFormat.text,
    top: Annotated[
        int, typer.Option("--top", help="How many of the records that moved most to show.")
    ] = 10,
    standards_dir: StandardsDir = None,
) -> int:
    """Show what changed between two standards, and with --records how ratings move."""
    from qualityscore.diff import diff_standards, render_diff

    registry = _registry(standards_dir)
    result = diff_standards(
        api.load_standard(old, registry=registry),
        api.load_standard(new, registry=registry),
        records=records,
        top=top,
    )
    if fmt is TextFormat.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(render_diff(result))
    return 0


@standards_app.command("list")
def standards_list(
    fmt: Annotated[
        TextFormat, typer.Option("--format", "-f", help="text or json.")
    ] = TextFormat.text,
    standards_dir: StandardsDir = None,
) -> int:
    """List every standard and version the registry holds."""
    from qualityscore.standard.catalog import catalog, render_catalog

    entries = catalog(_registry(standards_dir))
    if fmt is TextFormat.json:
        print(json.dumps([e.to_dict() for e in entries], ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(render_catalog(entries))
    return 0


@standards_app.command("show")
def standards_show(
    spec: Annotated[str, typer.Argument(help="id, id@range or a file.")],
    resolved: Annotated[
        bool,
        typer.Option("--resolved", help="The flat standard after inheritance and composition."),
    ] = False,
    standards_dir: StandardsDir = None,
) -> int:
    """Print a standard as YAML (as written, or --resolved)."""
    from qualityscore.standard.catalog import show

    sys.stdout.write(show(spec, _registry(standards_dir), resolved=resolved))
    return 0


class SchemaKind(StrEnum):
    standard = "standard"
    record = "record"


@app.command()
def schema(
    kind: Annotated[
        SchemaKind,
        typer.Argument(help="standard: the format of standards; record: a standard's records."),
    ],
    standard: Spec = api.DEFAULT_STANDARD,
    standards_dir: StandardsDir = None,
) -> int:
    """Print a JSON Schema (draft 2020-12), for editors and other tools."""
    from qualityscore.schema import record_schema, standard_schema

    if kind is SchemaKind.standard:
        data = standard_schema()
    else:
        data = record_schema(api.load_standard(standard, registry=_registry(standards_dir)))
    print(json.dumps(data, ensure_ascii=False, indent=2))
    return 0


@app.command()
def new(
    ident: Annotated[str, typer.Argument(metavar="ID", help="The id of the new standard.")],
    directory: Annotated[
        Path, typer.Option("--dir", help="The registry folder to create <ID>/1.0.0.yaml in.")
    ] = Path("standards"),
    version: Annotated[str, typer.Option("--version", help="Its first version.")] = "1.0.0",
) -> int:
    """Scaffold a standard (inputs, a category, a rule, grades and a passing test)."""
    from qualityscore.scaffold import scaffold

    path = scaffold(ident, directory, version=version)
    _err(f"created {path}\nnext: qualityscore check {path} && qualityscore test {path}")
    return 0


@app.command()
def lock(
    specs: Annotated[
        list[str] | None, typer.Argument(help="Standards to lock (default: the unified standard).")
    ] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="The lock file to write.")] = Path(
        "qualityscore.lock"
    ),
    standards_dir: StandardsDir = None,
) -> int:
    """Write the fingerprints of the standards in use to a lock file (for --locked)."""
    from qualityscore.lock import write_lock

    registry = _registry(standards_dir)
    rulesets = [api.load_standard(s, registry=registry) for s in (specs or [api.DEFAULT_STANDARD])]
    count = write_lock(rulesets, output)
    _err(f"wrote {output} with {count} fingerprint{'s' * (count != 1)}")
    return 0


@app.callback(
    epilog="Add --debug anywhere to see the traceback of an internal error (exit code 3)."
)
def _root() -> None:
    """Rate vehicle quality from inspection records with versioned, compiled standards."""


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]
    try:
        result = app(args=args, prog_name="qualityscore", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        _err("aborted")
        return 130
    except ClickException as exc:  # usage errors: a bad option, a missing argument
        show: Any = getattr(exc, "show")  # noqa: B009 - typer's (click's) errors render themselves
        show(file=sys.stderr)
        return 2
    except QualityScoreError as exc:
        _err(exc.render())
        return 1
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the only place a traceback may be shown
        if debug:
            traceback.print_exc()
        else:
            _err(
                f"internal error: {type(exc).__name__}: {exc}\n"
                "this is a bug in qualityscore; run again with --debug for the traceback and "
                "report it"
            )
        return 3
    return result if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
