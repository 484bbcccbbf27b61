"""load -> dump -> load of a standard is lossless (Hypothesis over generated standards, and the bundled ones)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from qualityscore.source import SourceText
from qualityscore.standard.load import dump_standard, parse_standard
from qualityscore.standard.registry import bundled_root, standard_files

# Text that YAML likes to reinterpret: booleans, numbers, nulls, dates, comments, indicators.
awkward = st.sampled_from(
    [
        "no",
        "on",
        "yes",
        "1.10",
        "null",
        "~",
        "2024-01-01",
        "#x",
        ": x",
        "- a",
        "'q'",
        '"dq"',
        "@",
        "",
    ]
)
text = st.one_of(awkward, st.text(min_size=1, max_size=20))
ident = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
number = st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: round(x, 3))


@st.composite
def standards(draw: st.DrawFn) -> dict[str, Any]:
    fields = draw(st.lists(ident, min_size=1, max_size=4, unique=True))
    inputs: dict[str, Any] = {}
    for name in fields:
        kind = draw(st.sampled_from(["number", "integer", "text", "boolean", "date", "enum"]))
        spec: dict[str, Any] = {"type": kind, "title": {"en": draw(text), "ru": draw(text)}}
        if kind == "enum":
            spec["values"] = draw(st.lists(text, min_size=1, max_size=3, unique=True))
        if kind == "number":
            spec["min"] = draw(number)
            spec["unit"] = draw(text)
        inputs[f"m.{name}"] = spec
    inputs["defects"] = {"type": "defects"}
    categories = draw(st.lists(ident, min_size=1, max_size=3, unique=True))
    rules = []
    for i in range(draw(st.integers(1, 5))):
        rule: dict[str, Any] = {
            "id": f"r{i}",
            "category": draw(st.sampled_from(categories)),
            "title": draw(text),
            "source": draw(text),
        }
        kind = draw(st.sampled_from(["require", "scale", "table", "defects", "points"]))
        field = f"m.{fields[0]}"
        if kind == "require":
            rule.update(require=f"present({field})", points=draw(number), severity="major")
        elif kind == "scale":
            rule["scale"] = {"of": "1.5", "points": [[0.0, draw(number)], [10.0, draw(number)]]}
        elif kind == "table":
            rule["table"] = [
                {"when": "True", "points": draw(number), "message": {"en": draw(text)}}
            ]
            rule["hit"] = draw(st.sampled_from(["first", "sum", "max"]))
        elif kind == "defects":
            rule["defects"] = {"where": 'defect.code != ""', "points": {"minor": draw(number)}}
        else:
            rule["points"] = draw(st.one_of(number, st.just("2 * 3")))
        rules.append(rule)
    return {
        "standard": draw(st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)),
        "version": f"{draw(st.integers(0, 3000))}.{draw(st.integers(0, 99))}.0",
        "title": {"en": draw(text), "ru": draw(text)},
        "description": draw(text),
        "effective": {"from": draw(st.dates())},
        "inputs": inputs,
        "categories": {
            name: {"title": draw(text), "weight": w, "max": draw(st.floats(1, 1000).map(round))}
            for name, w in zip(categories, _weights(len(categories)), strict=True)
        },
        "derived": {"half": "1 / 2"},
        "rules": rules,
        "rating": {
            "rounding": {"places": draw(st.integers(0, 6)), "mode": "half_even"},
            "grades": [{"grade": draw(text) or "A", "when": "score >= 1"}, {"grade": "Z"}],
            "min_coverage": draw(st.floats(0, 1)),
        },
        "tests": [{"name": draw(text) or "t", "record": {"m": {}}, "expect": {"grade": "Z"}}],
    }


def _weights(n: int) -> list[float]:
    return {1: [1.0], 2: [0.5, 0.5], 3: [0.5, 0.25, 0.25]}[n]


def _roundtrip(source_text: str) -> None:
    first = parse_standard(SourceText("first.yaml", source_text))
    dumped = dump_standard(first)
    second = parse_standard(SourceText("second.yaml", dumped))
    assert second.model_dump() == first.model_dump()
    assert dump_standard(second) == dumped


@given(standards())
def test_load_dump_load_is_lossless(data: dict[str, Any]) -> None:
    _roundtrip(yaml.safe_dump(data, allow_unicode=True))


BUNDLED = standard_files([bundled_root()]) if bundled_root().is_dir() else []


@pytest.mark.parametrize("path", BUNDLED, ids=[f"{p.parent.name}/{p.name}" for p in BUNDLED])
def test_bundled_standards_round_trip(path: Path) -> None:
    _roundtrip(path.read_text(encoding="utf-8"))
