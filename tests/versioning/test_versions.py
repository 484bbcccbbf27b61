"""Version ranges, the registry's search order and conflicts, and per-record version selection."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from qualityscore import (
    InputFileError,
    Rating,
    RecordError,
    Registry,
    ResolutionError,
    StandardError,
    load_standard,
)
from qualityscore.cli import main
from qualityscore.standard.registry import ENV_VAR, bundled_root
from qualityscore.standard.versions import RangeSyntaxError, parse_range, parse_ref

from .helpers import demo, write_registry

# range, version, admitted
RANGES = [
    # caret: compatible within the leftmost non-zero part
    ("^1.2", "1.2.0", True),
    ("^1.2", "1.9.9", True),
    ("^1.2", "1.1.9", False),
    ("^1.2", "2.0.0", False),
    ("^1", "1.99.0", True),
    ("^1", "2.0.0", False),
    ("^0.2.3", "0.2.9", True),
    ("^0.2.3", "0.2.2", False),
    ("^0.2.3", "0.3.0", False),
    ("^0.0.3", "0.0.3", True),
    ("^0.0.3", "0.0.4", False),
    ("^2018", "2018.5.1", True),
    ("^2018", "2023.0.0", False),
    # tilde: patch updates (minor ones when only the major is given)
    ("~1.2", "1.2.9", True),
    ("~1.2", "1.3.0", False),
    ("~1.2.3", "1.2.3", True),
    ("~1.2.3", "1.2.2", False),
    ("~1.2.3", "1.3.0", False),
    ("~1", "1.5.0", True),
    ("~1", "2.0.0", False),
    # comparisons, joined by ',' or spaces, with or without a space after the operator
    (">=1,<2", "1.0.0", True),
    (">=1,<2", "1.9.9", True),
    (">=1,<2", "2.0.0", False),
    (">=1,<2", "0.9.9", False),
    (">=1 <2", "1.5.0", True),
    (">=1 <2", "2.0.0", False),
    (">= 1.2", "1.2.0", True),
    (">= 1.2", "1.1.9", False),
    (">1.2.3", "1.2.3", False),
    (">1.2.3", "1.2.4", True),
    (">1.2", "1.2.9", False),
    (">1.2", "1.3.0", True),
    ("<=1.2", "1.2.9", True),
    ("<=1.2", "1.3.0", False),
    ("<=1.2.3", "1.2.3", True),
    ("<=1.2.3", "1.2.4", False),
    ("<1.2", "1.1.9", True),
    ("<1.2", "1.2.0", False),
    # x-ranges and partial versions
    ("1.x", "1.0.0", True),
    ("1.x", "1.5.2", True),
    ("1.x", "2.0.0", False),
    ("1.2.x", "1.2.7", True),
    ("1.2.*", "1.3.0", False),
    ("1.2", "1.2.5", True),
    ("1.2", "1.3.0", False),
    ("*", "0.0.1", True),
    ("*", "99.0.0", True),
    ("x", "3.1.4", True),
    # exact
    ("1.2.3", "1.2.3", True),
    ("1.2.3", "1.2.4", False),
    ("=1.2.3", "1.2.3", True),
    ("v1.2.3", "1.2.3", True),
    # pre-releases are chosen only by an exact pin
    ("1.3.0-beta.1", "1.3.0-beta.1", True),
    ("1.3.0-beta.1", "1.3.0", False),
    ("^1.2", "1.3.0-beta.1", False),
    (">=1.0.0-alpha", "1.0.0-beta", False),
    (">=1.0.0-alpha", "1.0.0", True),
    ("*", "2.0.0-rc.1", False),
    # unions
    ("^1 || ^3", "1.5.0", True),
    ("^1 || ^3", "2.0.0", False),
    ("^1 || ^3", "3.1.0", True),
    ("<1.2 || >=2", "1.1.0", True),
    ("<1.2 || >=2", "1.5.0", False),
    ("<1.2 || >=2", "2.0.0", True),
    ("1.0.0 || 1.2.0", "1.2.0", True),
    ("1.0.0 || 1.2.0", "1.1.0", False),
]


@pytest.mark.parametrize(("text", "version", "admitted"), RANGES)
def test_range_admits(text: str, version: str, admitted: bool) -> None:
    assert parse_range(text).admits(version) is admitted


@pytest.mark.parametrize(
    ("text", "exact"),
    [
        ("1.2.3", "1.2.3"),
        ("=1.2.3", "1.2.3"),
        ("1.3.0-beta.1", "1.3.0-beta.1"),
        ("1.2", None),
        ("^1.2.3", None),
        ("1.0.0 || 1.2.0", None),
    ],
)
def test_range_exact(text: str, exact: str | None) -> None:
    assert parse_range(text).exact == exact


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("^", "'^' is not a version or range"),
        ("1.2.3.4", "'1.2.3.4' is not a version or range"),
        (">=abc", "'>=abc' is not a version or range"),
        ("^1 || 2.y", "'2.y' in '^1 || 2.y' is not a version or range"),
        ("^1 ||", "'^1 ||' has an empty alternative"),
    ],
)
def test_range_syntax_errors(text: str, message: str) -> None:
    with pytest.raises(RangeSyntaxError) as caught:
        parse_range(text)
    assert str(caught.value) == message


def test_ref_needs_an_id() -> None:
    assert str(parse_ref("demo@^1.2")) == "demo@^1.2"
    assert str(parse_ref("demo")) == "demo"
    with pytest.raises(RangeSyntaxError) as caught:
        parse_ref("Demo@1")
    assert str(caught.value) == (
        "'Demo' is not a standard id (lowercase letters, digits, '-' and '.')"
    )


# the registry ----------------------------------------------------------------------------------


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    write_registry(
        tmp_path / "reg",
        {f"demo@{v}": demo(v) for v in ("1.0.0", "1.1.0", "1.2.0-beta.1", "2.0.0", "10.0.0")},
    )
    return Registry([tmp_path / "reg"], bundled=False, environment=False)


@pytest.mark.parametrize(
    ("spec", "found"),
    [
        ("demo", ["1.0.0", "1.1.0", "2.0.0", "10.0.0"]),
        ("demo@^1", ["1.0.0", "1.1.0"]),
        ("demo@~1.0", ["1.0.0"]),
        ("demo@>=1.1,<10", ["1.1.0", "2.0.0"]),
        ("demo@1.x || 10.x", ["1.0.0", "1.1.0", "10.0.0"]),
        ("demo@1.2.0-beta.1", ["1.2.0-beta.1"]),
        ("demo@2.0.0", ["2.0.0"]),
    ],
)
def test_find_versions_oldest_first(registry: Registry, spec: str, found: list[str]) -> None:
    assert [e.version for e in registry.find(spec)] == found


def test_spec_matching_nothing_lists_the_versions(registry: Registry) -> None:
    with pytest.raises(ResolutionError) as caught:
        load_standard("demo@^3", registry=registry)
    error = caught.value
    assert error.code == "no-matching-version"
    assert error.message == (
        "no version of 'demo' matches '^3'; there are 1.0.0, 1.1.0, 1.2.0-beta.1, 2.0.0 and 10.0.0"
    )
    assert error.hint == "use one of those versions, e.g. demo@10.0.0"


def test_spec_matching_nothing_through_the_cli(
    registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    record = registry.roots[0] / "r.json"
    record.write_text('{"measurements": {"tread_mm": 3}}', encoding="utf-8")
    code = main(["score", str(record), "-s", "demo@^3", "--standards-dir", str(registry.roots[0])])
    assert code == 1
    assert capsys.readouterr().err == (
        "no-matching-version: no version of 'demo' matches '^3'; there are 1.0.0, 1.1.0, "
        "1.2.0-beta.1, 2.0.0 and 10.0.0\n"
        "  hint: use one of those versions, e.g. demo@10.0.0\n"
    )


def test_unknown_standard_suggests_a_close_id(registry: Registry) -> None:
    with pytest.raises(ResolutionError) as caught:
        registry.find("dmeo@1")
    assert caught.value.code == "unknown-standard"
    assert caught.value.message == f"no standard 'dmeo' in {registry.roots[0]}"
    assert caught.value.hint == "did you mean 'demo'?"


def test_same_version_in_two_folders_is_an_error(tmp_path: Path) -> None:
    first = write_registry(tmp_path / "first", {"demo@1.0.0": demo(), "demo@1.1.0": demo("1.1.0")})
    second = write_registry(tmp_path / "second", {"demo@1.0.0": demo(points="50")})
    registry = Registry([first, second], bundled=False, environment=False)
    with pytest.raises(ResolutionError) as caught:
        load_standard("demo@1.1.0", registry=registry)  # the conflict is on an id in use
    assert caught.value.code == "duplicate-standard"
    assert caught.value.message == (
        f"demo@1.0.0 is defined twice: {first}/demo/1.0.0.yaml and {second}/demo/1.0.0.yaml"
    )
    assert caught.value.hint == "give one of them another version, or remove one of the folders"
    assert [tuple(e.root for e in places) for places in registry.duplicates()] == [(first, second)]


def test_standards_dir_is_searched_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = write_registry(tmp_path / "mine", {"demo@2.0.0": demo("2.0.0", points="10")})
    shared = write_registry(tmp_path / "shared", {"demo@1.0.0": demo()})
    monkeypatch.setenv(ENV_VAR, str(shared))
    registry = Registry([mine])
    assert registry.roots == (mine, shared, bundled_root())
    assert [(e.version, e.root) for e in registry.find("demo")] == [
        ("1.0.0", shared),
        ("2.0.0", mine),
    ]
    # the CLI builds the same registry from --standards-dir and the environment
    code = main(["standards", "list", "-f", "json", "--standards-dir", str(mine)])
    assert code == 0
    listed = [
        (e["id"], e["version"], e["path"])
        for e in json.loads(capsys.readouterr().out)
        if e["id"] == "demo"
    ]
    assert listed == [
        ("demo", "1.0.0", str(shared / "demo" / "1.0.0.yaml")),
        ("demo", "2.0.0", str(mine / "demo" / "2.0.0.yaml")),
    ]


def test_environment_variable_adds_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one = write_registry(tmp_path / "one", {"demo@1.0.0": demo()})
    two = write_registry(tmp_path / "two", {"other@1.0.0": demo(ident="other")})
    monkeypatch.setenv(ENV_VAR, f"{one}{os.pathsep}{two}")
    registry = Registry(bundled=False)
    assert registry.roots == (one, two)
    assert load_standard("other", registry=registry).id == "other"
    assert load_standard("demo", registry=registry).version == "1.0.0"
    assert Registry(bundled=False, environment=False).roots == ()


def test_missing_standards_dir_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nowhere"))
    with pytest.raises(InputFileError) as caught:
        Registry()
    assert caught.value.render() == (
        f"standards-dir-missing: the standards folder {tmp_path / 'nowhere'} does not exist\n"
        "  hint: check --standards-dir and $QUALITYSCORE_STANDARDS"
    )


def test_file_named_for_another_version(tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg", {"demo@1.0.0": demo("1.1.0")})
    with pytest.raises(StandardError) as caught:
        load_standard("demo", registry=Registry([root], bundled=False, environment=False))
    assert caught.value.render() == (
        f"{root}/demo/1.0.0.yaml:2:10: path-mismatch: this file is named 1.0.0.yaml, but has "
        "version 1.1.0\n"
        "    2 | version: 1.1.0\n"
        "      |          ^^^^^\n"
        "  hint: the registry layout is <id>/<version>.yaml: rename the file or the version"
    )


def test_file_in_the_folder_of_another_id(tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg", {"demo@1.0.0": demo(ident="other")})
    with pytest.raises(StandardError) as caught:
        load_standard("demo", registry=Registry([root], bundled=False, environment=False))
    assert caught.value.diagnostics[0].render() == (
        f"{root}/demo/1.0.0.yaml:1:11: path-mismatch: this file is in the folder 'demo', but "
        "names the standard 'other'\n"
        "    1 | standard: other\n"
        "      |           ^^^^^\n"
        "  hint: the registry layout is <id>/<version>.yaml: rename the folder or the id"
    )


# per-record selection by inspection.date ---------------------------------------------------


@pytest.fixture
def dated(tmp_path: Path) -> Registry:
    versions = {
        "1.0.0": "effective: {from: 2018-01-01, until: 2020-12-31}",
        "2.0.0": "effective: {from: 2021-01-01, until: 2022-12-31}",
        "2.1.0": "effective: {from: 2022-07-01}",
        "3.0.0": "effective: {from: 2030-01-01}",
    }
    root = write_registry(
        tmp_path / "dated",
        {f"demo@{v}": demo(v, effective=line) for v, line in versions.items()},
    )
    return Registry([root], bundled=False, environment=False)


NOT_IN_FORCE = "no version of demo is in force on {day}; scored with the newest, {newest}"

# spec, inspection date, version chosen, warning
SELECTION = [
    ("demo", "2019-06-01", "1.0.0", None),
    ("demo", "2018-01-01", "1.0.0", None),  # 'from' is inclusive
    ("demo", "2020-12-31", "1.0.0", None),  # ... and so is 'until'
    ("demo", "2021-01-01", "2.0.0", None),
    ("demo", "2022-06-30", "2.0.0", None),
    ("demo", "2022-08-01", "2.1.0", None),  # two in force: the newer one
    ("demo", "2029-12-31", "2.1.0", None),  # no 'until': in force from then on
    ("demo", "2031-05-05", "3.0.0", None),
    ("demo", "2017-12-31", "3.0.0", NOT_IN_FORCE),
    ("demo@^2", "2021-06-01", "2.0.0", None),
    ("demo@^2", "2023-03-03", "2.1.0", None),
    ("demo@^2", "2019-06-01", "2.1.0", NOT_IN_FORCE),
    ("demo@^1 || ^2", "2019-06-01", "1.0.0", None),
    ("demo@<3", "2031-05-05", "2.1.0", None),
    ("demo@1.0.0", "2031-05-05", "1.0.0", None),  # one version: never a warning
]


@pytest.mark.parametrize(("spec", "day", "version", "warning"), SELECTION)
def test_version_in_force_on_the_inspection_date(
    dated: Registry, spec: str, day: str, version: str, warning: str | None
) -> None:
    rules = load_standard(spec, registry=dated)
    chosen, warnings = rules.select(dt.date.fromisoformat(day))
    assert chosen.version == version
    expected = [warning.format(day=day, newest=rules.version)] if warning else []
    assert warnings == expected
    rating = rules.score(
        {"inspection": {"date": day}, "measurements": {"tread_mm": 3.0, "brake_pct": 70.0}}
    )
    assert rating.standard.version == version
    assert list(rating.warnings) == expected


def test_record_without_a_date_gets_the_newest(dated: Registry) -> None:
    rules = load_standard("demo@^2", registry=dated)
    rating = rules.score({"measurements": {"tread_mm": 3.0}})
    assert rating.standard.version == "2.1.0"
    assert rating.warnings == (
        "the record has no inspection.date; scored with the newest version of demo, 2.1.0",
    )


def test_dates_as_dates_and_text(dated: Registry) -> None:
    rules = load_standard("demo", registry=dated)
    records = [
        {"inspection": {"date": dt.date(2019, 1, 1)}},
        {"inspection": {"date": dt.datetime(2021, 3, 1, 10, 30)}},
        {"inspection": {"date": "2023-01-01"}},
        {"id": "bad", "inspection": {"date": "yesterday"}},
    ]
    out = list(rules.score_many(records))
    assert [o.standard.version for o in out[:3] if isinstance(o, Rating)] == [
        "1.0.0",
        "2.0.0",
        "2.1.0",
    ]
    error = out[3]
    assert isinstance(error, RecordError)
    assert (error.record, error.field, error.code, error.message) == (
        "bad",
        "inspection.date",
        "record-wrong-type",
        "inspection.date should be a date (YYYY-MM-DD), but is the text 'yesterday'",
    )
