"""`qualityscore diff`: rule-level changes between two standards, and the grade migration of records."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from qualityscore import Rating, Registry, load_standard
from qualityscore.cli import main
from qualityscore.diff import diff_standards, render_diff

from .helpers import CASES, demo, write_registry

BRAKE_RULE = """\
  - id: service-brake
    category: brakes
    scale: {of: measurements.brake_pct, points: [[29, 100], [58, 0]]}
"""
PARKING_RULE = """\
  - id: parking-brake
    category: brakes
    require: measurements.brake_pct >= 16
    severity: dangerous
    points: 100
"""
HEADER = """\
demo@1.0.0 -> demo@{version}
  old  <old fingerprint>
  new  <new fingerprint>

"""


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    return write_registry(
        tmp_path / "reg",
        {
            "demo@1.0.0": demo(),
            "demo@1.1.0": demo("1.1.0", threshold="2.0"),
            "demo@1.2.0": demo("1.2.0", rules=PARKING_RULE).replace(BRAKE_RULE, ""),
            "demo@1.3.0": demo("1.3.0", severity="dangerous"),
            "demo@1.4.0": demo("1.4.0", grade_a="score >= 85"),
            "demo@2.0.0": demo("2.0.0").replace(
                "measurements.tread_mm: {type: number, min: 0, max: 30}",
                "measurements.tread_mm: {type: number, min: 0, max: 10}",
            ),
        },
    )


def _masked(text: str, old: str, new: str) -> str:
    return text.replace(old, "<old fingerprint>").replace(new, "<new fingerprint>")


def run_diff(
    capsys: pytest.CaptureFixture[str], registry: Path, old: str, new: str, *options: str
) -> str:
    """`qualityscore diff OLD NEW` through the CLI: its stdout, fingerprints masked."""
    code = main(["diff", old, new, "--standards-dir", str(registry), *options])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    reg = Registry([registry])
    return _masked(
        out,
        load_standard(old, registry=reg).fingerprint,
        load_standard(new, registry=reg).fingerprint,
    )


NO_CHANGES: dict[str, Any] = {"added": [], "removed": [], "changed": []}

# new version, text after the header, the JSON's rules, grades
GOLDEN = [
    pytest.param(
        "1.1.0",
        """\
rules: 1 changed
  rule tyre-tread: require "measurements.tread_mm >= 1.6" -> "measurements.tread_mm >= 2.0"
""",
        {
            "added": [],
            "removed": [],
            "changed": [
                {
                    "rule": "tyre-tread",
                    "changes": [
                        {
                            "field": "require",
                            "old": "measurements.tread_mm >= 1.6",
                            "new": "measurements.tread_mm >= 2.0",
                        }
                    ],
                }
            ],
        },
        NO_CHANGES,
        id="threshold",
    ),
    pytest.param(
        "1.2.0",
        """\
rules: 1 added, 1 removed
  rule parking-brake: added
  rule service-brake: removed
""",
        {"added": ["parking-brake"], "removed": ["service-brake"], "changed": []},
        NO_CHANGES,
        id="added-and-removed-rule",
    ),
    pytest.param(
        "1.3.0",
        """\
rules: 1 changed
  rule tyre-tread: severity "major" -> "dangerous"
""",
        {
            "added": [],
            "removed": [],
            "changed": [
                {
                    "rule": "tyre-tread",
                    "changes": [{"field": "severity", "old": "major", "new": "dangerous"}],
                }
            ],
        },
        NO_CHANGES,
        id="severity",
    ),
    pytest.param(
        "1.4.0",
        """\
grades: 1 changed
  grade A: when "score >= 90" -> "score >= 85"
""",
        NO_CHANGES,
        {
            "added": [],
            "removed": [],
            "changed": [
                {
                    "grade": "A",
                    "changes": [{"field": "when", "old": "score >= 90", "new": "score >= 85"}],
                }
            ],
        },
        id="grade-band",
    ),
]


@pytest.mark.parametrize(("version", "text", "rules", "grades"), GOLDEN)
def test_golden_diff(
    capsys: pytest.CaptureFixture[str],
    registry: Path,
    version: str,
    text: str,
    rules: dict[str, Any],
    grades: dict[str, Any],
) -> None:
    new = f"demo@{version}"
    assert run_diff(capsys, registry, "demo@1.0.0", new) == HEADER.format(version=version) + text
    data = json.loads(run_diff(capsys, registry, "demo@1.0.0", new, "-f", "json"))
    assert data["old"] == {"id": "demo", "version": "1.0.0", "fingerprint": "<old fingerprint>"}
    assert data["new"] == {"id": "demo", "version": version, "fingerprint": "<new fingerprint>"}
    assert data["rules"] == rules
    assert data["grades"] == grades
    assert data["identical"] is False
    assert data["migration"] is None
    for section in ("inputs", "categories", "derived", "verdicts", "components"):
        assert data[section] == NO_CHANGES, section
    assert (data["standard"], data["rating"]) == ([], [])


def test_every_kind_of_change(tmp_path: Path) -> None:
    """Inputs, categories, every part of a rule, grades, verdicts and the rating
    (tests/cases/versioning/diff_every_kind_of_change.yaml)."""
    case = yaml.safe_load((CASES / "diff_every_kind_of_change.yaml").read_text(encoding="utf-8"))
    registry = Registry([write_registry(tmp_path, case["registry"])], bundled=False)
    old = load_standard(case["old"], registry=registry)
    new = load_standard(case["new"], registry=registry)
    result = diff_standards(old, new)
    assert _masked(render_diff(result), old.fingerprint, new.fingerprint) == case["text"]
    data = result.to_dict()
    assert data.pop("old") == {"id": "full", "version": "1.0.0", "fingerprint": old.fingerprint}
    assert data.pop("new") == {"id": "full", "version": "2.0.0", "fingerprint": new.fingerprint}
    assert data == {"notes": [], **case["json"]}


def test_same_rules_written_differently_are_no_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "old.yaml"
    new = tmp_path / "new.yaml"
    old.write_text(demo(), encoding="utf-8")
    rewritten = (
        demo(threshold="1.60", points="40.0")
        .replace("findings.major + findings.dangerous > 0", "(findings.major+findings.dangerous)>0")
        .replace("brakes: {weight: 0.5}", "brakes:\n    weight: 0.50  # half")
    )
    assert rewritten != demo()
    new.write_text(rewritten, encoding="utf-8")
    assert main(["diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    fingerprint = load_standard(old).fingerprint
    assert out == (
        "demo@1.0.0 -> demo@1.0.0\n"
        f"  old  {fingerprint}\n"
        f"  new  {fingerprint}\n"
        "\n"
        "note: the two standards have the same fingerprint\n"
        "\n"
        "no changes: the rules, categories and rating are the same\n"
    )
    assert main(["diff", str(old), str(new), "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["identical"] is True
    assert data["rules"] == NO_CHANGES


RECORDS = [
    {"id": "r1", "measurements": {"brake_pct": 70, "tread_mm": 1.8}},
    {"id": "r2", "measurements": {"brake_pct": 70, "tread_mm": 5}},
    {"id": "r3", "measurements": {"brake_pct": 43.5, "tread_mm": 1.9}},
    {"id": "r4", "measurements": {"brake_pct": 43.5, "tread_mm": 1.0}},
    {"id": "r5", "measurements": {"brake_pct": 20, "tread_mm": 3}},
    {"id": "r6", "measurements": {"tread_mm": 1.7}},
    {"id": "r7", "measurements": {"brake_pct": 70, "tread_mm": -1}},
    {"id": "r8", "measurements": {"brake_pct": 58, "tread_mm": 1.6}},
]


@pytest.fixture
def records(tmp_path: Path) -> Path:
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    return path


def test_migration_text(capsys: pytest.CaptureFixture[str], registry: Path, records: Path) -> None:
    out = run_diff(
        capsys, registry, "demo@1.0.0", "demo@1.1.0", "--records", str(records), "--top", "2"
    )
    assert out == HEADER.format(version="1.1.0") + (
        "rules: 1 changed\n"
        '  rule tyre-tread: require "measurements.tread_mm >= 1.6" -> '
        '"measurements.tread_mm >= 2.0"\n'
        "\n"
        "migration: 8 records read, 7 scored by both, 1 rejected (1 by the old, 1 by the new)\n"
        "  4 changed grade; scores: 0 up, 4 down, 3 unchanged\n"
        "\n"
        "  grade old \\ new  A  B  C  total\n"
        "  A                1  3  .      4\n"
        "  B                .  .  1      1\n"
        "  C                .  .  2      2\n"
        "  total            1  3  3      7\n"
        "\n"
        "  verdict old \\ new  fail  pass  total\n"
        "  fail                  1     .      1\n"
        "  pass                  4     2      6\n"
        "  total                 5     2      7\n"
        "\n"
        "moved most (top 2 by score change):\n"
        "  r6  100 A/pass  ->  60 B/fail  -40  tyre-tread 0 -> -40\n"
        "  r1  100 A/pass  ->  80 B/fail  -20  tyre-tread 0 -> -40\n"
        "\n"
        "rejected:\n"
        "  r7 (by both): measurements.tread_mm: record-out-of-range: measurements.tread_mm is -1, "
        "outside the allowed range [0, 30]\n"
    )


def test_migration_json(capsys: pytest.CaptureFixture[str], registry: Path, records: Path) -> None:
    out = run_diff(
        capsys, registry, "demo@1.0.0", "demo@1.1.0", "--records", str(records), "-f", "json"
    )
    data = json.loads(out)
    assert data["migration"] == {
        "records": 7,
        "matrix": {"A": {"A": 1, "B": 3}, "B": {"C": 1}, "C": {"C": 2}},
        "read": 8,
        "rejected": 1,
        "rejected_by": {"old": 1, "new": 1},
        "grade_changed": 4,
        "verdicts": {"fail": {"fail": 1}, "pass": {"fail": 4, "pass": 2}},
        "scores": {"up": 0, "down": 4, "same": 3, "unscored": 0},
    }
    # --top defaults to 10: every record that moved, the biggest move first, ties in input order
    assert [(m["record"], m["delta"]) for m in data["movers"]] == [
        ("r6", -40.0),
        ("r1", -20.0),
        ("r3", -20.0),
        ("r8", -20.0),
    ]
    assert data["movers"][2] == {
        "record": "r3",
        "old": {"score": 75.0, "grade": "B", "verdict": "pass"},
        "new": {"score": 55.0, "grade": "C", "verdict": "fail"},
        "delta": -20.0,
        "rules": [{"rule": "tyre-tread", "old": 0.0, "new": -40.0}],
    }
    assert data["rejected"] == [
        {
            "record": "r7",
            "by": "both",
            "code": "record-out-of-range",
            "field": "measurements.tread_mm",
            "message": "measurements.tread_mm is -1, outside the allowed range [0, 30]",
        }
    ]


def test_rejected_by_the_new_standard_only(
    capsys: pytest.CaptureFixture[str], registry: Path, tmp_path: Path
) -> None:
    path = tmp_path / "records.json"
    path.write_text(
        json.dumps([{"id": "deep", "measurements": {"tread_mm": 12}}, {"id": "ok"}]),
        encoding="utf-8",
    )
    data = json.loads(
        run_diff(capsys, registry, "demo@1.0.0", "demo@2.0.0", "--records", str(path), "-f", "json")
    )
    assert data["inputs"]["changed"] == [
        {
            "input": "measurements.tread_mm",
            "changes": [{"field": "max", "old": 30, "new": 10}],
        }
    ]
    assert (data["migration"]["records"], data["migration"]["rejected_by"]) == (
        1,
        {"old": 0, "new": 1},
    )
    assert [(r["record"], r["by"], r["code"]) for r in data["rejected"]] == [
        ("deep", "new", "record-out-of-range")
    ]


def test_matrix_adds_up_to_the_records_scored(registry: Path, tmp_path: Path) -> None:
    """Many records, some not scorable: the matrix, checked against scoring each record alone."""
    rng = random.Random(7)
    records = []
    for n in range(300):
        measurements: dict[str, Any] = {}
        if rng.random() < 0.9:
            measurements["brake_pct"] = rng.choice([10, 29, 35.5, 50, 57.9, 58, 90, 160])
        if rng.random() < 0.9:
            measurements["tread_mm"] = rng.choice([0.5, 1.6, 1.7, 1.99, 2.0, 8, 12, 31])
        records.append({"id": f"v{n}", "measurements": measurements})
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    reg = Registry([registry], bundled=False)
    old, new = (load_standard(s, registry=reg) for s in ("demo@1.0.0", "demo@2.0.0"))
    migration = diff_standards(old, new, records=[path]).migration
    assert migration is not None
    expected: dict[str, dict[str, int]] = {}
    scored = 0
    for record in records:
        a, b = old.score_many([record]), new.score_many([record])
        x, y = next(a), next(b)
        if isinstance(x, Rating) and isinstance(y, Rating):
            scored += 1
            assert x.grade is not None
            assert y.grade is not None
            row = expected.setdefault(x.grade, {})
            row[y.grade] = row.get(y.grade, 0) + 1
    assert migration.matrix == expected
    assert sum(n for row in migration.matrix.values() for n in row.values()) == migration.records
    assert migration.records == scored
    assert migration.records + migration.rejected == migration.read == len(records)
    assert 0 < migration.rejected_old < migration.rejected_new  # 10 < tread <= 30: new only
    assert migration.up + migration.down + migration.same + migration.unscored == scored


def test_components_are_compared_rule_by_rule(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    road = """\
standard: road
version: {version}
title: Roadworthiness
inputs:
  measurements.tread_mm: {{type: number}}
categories:
  tyres: {{weight: 1.0}}
rules:
  - {{id: tread, category: tyres, require: measurements.tread_mm >= {threshold}, points: 60}}
rating:
  grades: [{{grade: ok}}]
"""
    unified = """\
standard: unified
version: {version}
title: Unified
inputs:
  comfort.noise_db: {{type: number}}
categories:
  comfort: {{weight: 0.5}}
components:
  road: {{standard: road@{road}, weight: {weight}}}
rules:
  - {{id: noise, category: comfort, scale: {{of: comfort.noise_db, points: [[60, 0], [80, 100]]}}}}
rating:
  grades: [{{grade: ok}}]
"""
    registry = write_registry(
        tmp_path,
        {
            "road@1.0.0": road.format(version="1.0.0", threshold="1.6"),
            "road@1.1.0": road.format(version="1.1.0", threshold="2.0"),
            "unified@1.0.0": unified.format(version="1.0.0", road="1.0.0", weight="0.5"),
            "unified@1.1.0": unified.format(version="1.1.0", road="1.1.0", weight="0.5"),
        },
    )
    reg = Registry([registry])
    road_old, road_new = (load_standard(f"road@{v}", registry=reg) for v in ("1.0.0", "1.1.0"))
    out = run_diff(capsys, registry, "unified@1.0.0", "unified@1.1.0")
    assert out == (
        "unified@1.0.0 -> unified@1.1.0\n"
        "  old  <old fingerprint>\n"
        "  new  <new fingerprint>\n"
        "\n"
        "rules: 1 changed\n"
        '  rule road/tread: require "measurements.tread_mm >= 1.6" -> '
        '"measurements.tread_mm >= 2.0"\n'
        "\n"
        "components: 1 changed\n"
        '  component road: standard "road@1.0.0" -> "road@1.1.0"\n'
        f'  component road: fingerprint "{road_old.fingerprint}" -> "{road_new.fingerprint}"\n'
    )


def test_a_range_compares_the_newest_version(registry: Path) -> None:
    reg = Registry([registry], bundled=False)
    result = diff_standards(
        load_standard("demo@1.0.0", registry=reg), load_standard("demo@^1", registry=reg)
    )
    assert result.new.version == "1.4.0"
    assert result.notes == (
        "the new spec 'demo@^1' admits 1.0.0, 1.1.0, 1.2.0, 1.3.0, 1.4.0; comparing the newest, "
        "1.4.0",
    )
    assert re.match(r"sha256:[0-9a-f]{64}$", result.new.fingerprint)


def test_missing_records_file_is_a_user_error(
    capsys: pytest.CaptureFixture[str], registry: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.jsonl"
    code = main(
        [
            "diff",
            "demo@1.0.0",
            "demo@1.1.0",
            "--standards-dir",
            str(registry),
            "--records",
            str(missing),
        ]
    )
    assert code == 1
    assert capsys.readouterr().err == (
        f"file-not-found: no such file or folder: {missing}\n"
        "  hint: give record files (.json, .jsonl, .yaml, .csv), folders of them, or - for "
        "standard input\n"
    )


ORDERS = """\
standard: orders
version: {version}
title: Orders
inputs:
  measurements.tread_mm: {{type: number}}
derived:
  margin: {margin}
categories:
  tyres: {{weight: 1.0}}
rules:
  - {rule}
rating:
  grades:
{grades}
  grade_order: [A, B, F]
  verdicts:
{verdicts}
"""


def test_kinds_derived_values_and_the_order_of_grades(tmp_path: Path) -> None:
    grades = ["    - {grade: F, when: findings.total > 2}", "    - {grade: A, when: score >= 90}"]
    verdicts = [
        "    - {verdict: fail, when: score < 50}",
        "    - {verdict: pass, when: score >= 50}",
    ]
    last = "    - {verdict: none}"
    old = ORDERS.format(
        version="1.0.0",
        margin="measurements.tread_mm - 1.6",
        rule="{id: tread, category: tyres, require: margin >= 0, points: 40}",
        grades="\n".join([*grades, "    - {grade: B}"]),
        verdicts="\n".join([*verdicts, last]),
    )
    new = ORDERS.format(
        version="2.0.0",
        margin="measurements.tread_mm - 2",
        rule="{id: tread, category: tyres, points: -40 if margin < 0 else 0}",
        grades="\n".join([grades[1], grades[0], "    - {grade: B}"]),
        verdicts="\n".join([*verdicts[::-1], last]),
    )
    registry = Registry(
        [write_registry(tmp_path, {"orders@1.0.0": old, "orders@2.0.0": new})], bundled=False
    )
    result = diff_standards(
        load_standard("orders@1.0.0", registry=registry),
        load_standard("orders@2.0.0", registry=registry),
    )
    text = render_diff(result)
    assert text.split("\n\n", 1)[1] == (
        "derived values: 1 changed\n"
        '  derived margin: value "measurements.tread_mm - 1.6" -> "measurements.tread_mm - 2"\n'
        "\n"
        "rules: 1 changed\n"
        '  rule tread: kind "require" -> "points"\n'
        '  rule tread: require "margin >= 0" -> (none)\n'
        '  rule tread: points 40 -> "-40 if margin < 0 else 0"\n'
        "\n"
        "rating: 2 changed\n"
        '  rating: grades.order ["F", "A", "B"] -> ["A", "F", "B"]\n'
        '  rating: verdicts.order ["fail", "pass", "none"] -> ["pass", "fail", "none"]\n'
    )
    assert result.to_dict()["derived"]["changed"] == [
        {
            "derived": "margin",
            "changes": [
                {
                    "field": "value",
                    "old": "measurements.tread_mm - 1.6",
                    "new": "measurements.tread_mm - 2",
                }
            ],
        }
    ]
