"""Fingerprints: every way of writing a standard gives the same one; a change of meaning another.

The standards are kept as data and written out by a YAML writer that takes every liberty the
format allows, seeded by Hypothesis: keys shuffled, flow or block style, plain/single/double
quoting, comments, respaced expressions, whole numbers written as floats (40 vs 40.0).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import random
import tempfile
import tokenize
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from qualityscore import Registry, load_standard
from qualityscore.standard.fingerprint import canonical_expression, fingerprint
from qualityscore.standard.resolve import Resolver

from .helpers import write_registry

BASE: dict[str, Any] = {
    "standard": "fp",
    "version": "1.0.0",
    "title": {"en": "Fingerprint demo", "ru": "Отпечаток"},
    "effective": {"from": dt.date(2020, 1, 1)},
    "inputs": {
        "measurements.brake_pct": {"type": "number", "min": 0, "max": 150, "unit": "%"},
        "measurements.tread_mm": {"type": "number", "min": 0, "max": 30},
        "vehicle.category": {"type": "enum", "values": ["M1", "N1", "N2"]},
        "defects": {"type": "defects"},
    },
    "categories": {
        "brakes": {"title": "Brakes: service and parking", "weight": 0.6},
        "tyres": {"weight": 0.4, "max": 100, "mode": "deduct"},
    },
    "derived": {"tread_margin": "measurements.tread_mm - 1.6"},
    "rules": [
        {
            "id": "service-brake",
            "category": "brakes",
            "scale": {"of": "measurements.brake_pct", "points": [[29, 100], [58, 0]]},
        },
        {
            "id": "tyre-tread",
            "category": "tyres",
            "title": {"en": "Tread below 1.6 mm # not a comment"},
            "when": 'vehicle.category in ["M1", "N1"]',
            "require": "measurements.tread_mm >= 1.6",
            "severity": "dangerous",
            "points": 40,
        },
        {
            "id": "brake-class",
            "category": "brakes",
            "table": [
                {"when": "measurements.brake_pct < 29", "severity": "dangerous", "points": 0},
                {"when": "measurements.brake_pct < 58", "severity": "major", "points": 5},
            ],
        },
        {
            "id": "recorded-defects",
            "category": "brakes",
            "defects": {
                "where": 'defect.area == "brakes" and defect.count >= 1',
                "points": {"minor": 1, "major": 10, "dangerous": 40},
                "cap": 60,
            },
        },
        {
            "id": "margin",
            "category": "tyres",
            "points": "-(tread_margin * 2) if tread_margin < 0 else 0",
        },
    ],
    "rating": {
        "rounding": {"places": 1, "mode": "half_up"},
        "grades": [
            {"grade": "F", "when": "findings.dangerous > 0"},
            {"grade": "A", "when": "score >= 90"},
            {"grade": "B"},
        ],
        "grade_order": ["A", "B", "F"],
        "verdicts": [{"verdict": "fail", "when": 'grade == "F"'}, {"verdict": "pass"}],
        "min_coverage": 0.5,
    },
}

COMPOSITE: dict[str, Any] = {
    "standard": "fpc",
    "version": "1.0.0",
    "title": "Composite fingerprint demo",
    "inputs": {"comfort.noise_db": {"type": "number"}},
    "categories": {"comfort": {"weight": 0.5}},
    "components": {"part": {"standard": "fp@^1", "weight": 0.5, "optional": False}},
    "rules": [
        {
            "id": "noise",
            "category": "comfort",
            "scale": {"of": "comfort.noise_db", "points": [[60, 0], [80, 100]]},
        }
    ],
    "rating": {"grades": [{"grade": "X", "when": 'components.part.grade == "F"'}, {"grade": "A"}]},
}

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
SCRATCH: Path | None = None
"""A folder for the registries of this module's tests (see _scratch)."""

EXPRESSION_KEYS = {"when", "require", "of", "where", "points", "tread_margin"}
"""Keys whose text is an expression (`tread_margin` is the derived value of BASE)."""
FLOAT_KEYS = {
    "weight",
    "max",
    "min",
    "points",
    "cap",
    "min_coverage",
    "minor",
    "major",
    "dangerous",
}
"""Keys whose numbers are floats to the format, so that 40 may be written 40.0."""


def dump(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=DUMPER, allow_unicode=True)


def fingerprint_of(files: dict[str, dict[str, Any] | str], spec: str) -> str:
    """The fingerprint of `spec` in a registry of these standards (data, or YAML text)."""
    texts = {ref: value if isinstance(value, str) else dump(value) for ref, value in files.items()}
    folder = Path(tempfile.mkdtemp(dir=SCRATCH))  # not removed one by one: that is slow
    registry = Registry([write_registry(folder, texts)], bundled=False, environment=False)
    return fingerprint(Resolver(registry).resolve_entry(registry.find(spec)[-1]))


@pytest.fixture(scope="module", autouse=True)
def _scratch(tmp_path_factory: pytest.TempPathFactory) -> None:
    global SCRATCH
    SCRATCH = tmp_path_factory.mktemp("fingerprints")


# a YAML writer that takes every liberty the format allows ------------------------------------


class Writer:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def choice(self, *options: Any) -> Any:
        return self.random.choice(options)

    def comment(self) -> str:
        return self.choice("", "", "  # a comment", " #: another")

    def keys(self, mapping: dict[str, Any]) -> list[str]:
        return self.random.sample(list(mapping), len(mapping))

    def document(self, data: dict[str, Any]) -> str:
        lines = self.choice([], ["# a standard", "---"], ["%YAML 1.1", "---"])
        return "\n".join([*lines, *self.block(data, 0, None)]) + "\n"

    def block(self, value: Any, indent: int, key: str | None) -> list[str]:
        """A mapping or list in block style, each line indented by `indent`."""
        pad = " " * indent
        lines: list[str] = []
        if isinstance(value, dict):
            for k in self.keys(value):
                if self.choice(False, False, True):
                    lines.append(f"{pad}# about {k}")
                lines += self.entry(f"{pad}{k}:", value[k], indent, k)
            return lines
        for item in value:
            lines += self.entry(f"{pad}-", item, indent, key)
        return lines

    def entry(self, head: str, value: Any, indent: int, key: str | None) -> list[str]:
        if isinstance(value, dict | list) and value and self.choice(True, False):
            inner = self.block(value, indent + 2, key)
            first = inner[0]
            if head.endswith("-") and not first.lstrip().startswith("#"):
                return [f"{head} {first.lstrip()}", *inner[1:]]  # `- id: x` (compact form)
            return [head + self.comment(), *inner]
        return [f"{head} {self.flow(value, key)}{self.comment()}"]

    def flow(self, value: Any, key: str | None) -> str:
        space = self.choice("", " ")
        if isinstance(value, dict):
            items = [f"{k}: {self.flow(value[k], k)}" for k in self.keys(value)]
            return "{" + space + ("," + self.choice(" ", "  ")).join(items) + space + "}"
        if isinstance(value, list):
            return "[" + space + ", ".join(self.flow(v, key) for v in value) + space + "]"
        return self.scalar(value, key, flow=True)

    def scalar(self, value: Any, key: str | None, *, flow: bool) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return f"{value}.0" if key in FLOAT_KEYS and self.choice(True, False) else str(value)
        if isinstance(value, float):
            mantissa, e, exponent = repr(value).partition("e")
            if e and "." not in mantissa:  # YAML 1.1 reads 1e-06 as text, 1.0e-06 as a number
                mantissa += ".0"
            return mantissa + e + exponent
        if isinstance(value, dt.date):
            return value.isoformat()
        assert isinstance(value, str)
        text = self.respace(value) if key in EXPRESSION_KEYS else value
        styles = ["single", "double"]
        if _plain_ok(text, flow):
            styles += ["plain", "plain"]
        style = self.choice(*styles)
        if style == "plain":
            return text
        if style == "single":
            return "'" + text.replace("'", "''") + "'"
        return json.dumps(text, ensure_ascii=self.choice(True, False))

    def respace(self, expression: str) -> str:
        """The same expression with other spacing, quotes and redundant parentheses."""
        tokens = [
            t
            for t in tokenize.generate_tokens(io.StringIO(expression).readline)
            if t.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER)
        ]
        out = ""
        for token in tokens:
            text = token.string
            if token.type == tokenize.STRING and "'" not in text[1:-1] and '"' not in text[1:-1]:
                quote = self.choice("'", '"')
                text = quote + text[1:-1] + quote
            if out:
                joined = out[-1].isalnum() or out[-1] in "_'\""
                starts = text[0].isalnum() or text[0] in "_'\""
                out += self.choice(" ", "  ") if joined and starts else self.choice("", " ", "  ")
            out += text
        return self.choice(out, f"({out})", f"( {out} )")


@cache
def _plain_ok(text: str, flow: bool) -> bool:
    """Whether `text` reads back as this very string when written without quotes."""
    try:
        if flow:
            return bool(yaml.load(f"[{text}]", Loader=LOADER) == [text])
        return bool(yaml.load(f"k: {text}", Loader=LOADER) == {"k": text})
    except yaml.YAMLError:
        return False


# the properties -------------------------------------------------------------------------------


def test_the_base_standards_compile(tmp_path: Path) -> None:
    """The examples are real standards (so that their fingerprints mean something)."""
    files = {"fp@1.0.0": BASE, "fpc@1.0.0": COMPOSITE}
    root = write_registry(tmp_path, {ref: dump(data) for ref, data in files.items()})
    registry = Registry([root], bundled=False, environment=False)
    assert load_standard("fp", registry=registry).fingerprint == fingerprint_of(files, "fp")
    composite = load_standard("fpc", registry=registry)
    assert composite.fingerprint == fingerprint_of(files, "fpc")
    assert composite.fingerprint.startswith("sha256:")
    assert len(composite.fingerprint) == len("sha256:") + 64


SEEDS = st.integers(0, 2**32)
"""A seed of the writer's choices (shown in a failing example; Hypothesis does not shrink it)."""


@cache
def reference(spec: str) -> str:
    """The fingerprint of BASE (`fp`) or COMPOSITE (`fpc`), written by PyYAML."""
    return fingerprint_of({"fp@1.0.0": BASE, "fpc@1.0.0": COMPOSITE}, spec)


@given(SEEDS)
def test_rewriting_keeps_the_fingerprint(seed: int) -> None:
    text = Writer(seed).document(BASE)
    assert yaml.safe_load(text)["rules"][1]["id"] == "tyre-tread"
    assert fingerprint_of({"fp@1.0.0": text}, "fp") == reference("fp"), text


@given(SEEDS)
def test_rewriting_a_composite_and_its_component_keeps_the_fingerprint(seed: int) -> None:
    writer = Writer(seed)
    files: dict[str, dict[str, Any] | str] = {
        "fp@1.0.0": writer.document(BASE),
        "fpc@1.0.0": writer.document(COMPOSITE),
    }
    assert fingerprint_of(files, "fpc") == reference("fpc")


def _number_other_than(old: float, low: float = -1000, high: float = 1000) -> Any:
    return st.one_of(
        st.integers(int(low), int(high)), st.floats(low, high, allow_nan=False)
    ).filter(lambda new: float(new) != float(old))


def _set(path: tuple[Any, ...]) -> Callable[[dict[str, Any], Any], None]:
    def apply(data: dict[str, Any], value: Any) -> None:
        node: Any = data
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value

    return apply


# what to change, and the values to change it to
MUTATIONS: dict[str, tuple[Callable[[dict[str, Any], Any], None], st.SearchStrategy[Any]]] = {
    "scale point": (
        _set(("rules", 0, "scale", "points", 1, 0)),
        _number_other_than(58),
    ),
    "scale deduction": (
        _set(("rules", 0, "scale", "points", 0, 1)),
        _number_other_than(100),
    ),
    "threshold": (
        _set(("rules", 1, "require")),
        _number_other_than(1.6, 0, 30).map(lambda x: f"measurements.tread_mm >= {x!r}"),
    ),
    "points": (_set(("rules", 1, "points")), _number_other_than(40)),
    "severity": (_set(("rules", 1, "severity")), st.sampled_from(["minor", "major"])),
    "table row points": (
        _set(("rules", 2, "table", 1, "points")),
        _number_other_than(5),
    ),
    "table row severity": (
        _set(("rules", 2, "table", 0, "severity")),
        st.sampled_from(["minor", "major"]),
    ),
    "table row condition": (
        _set(("rules", 2, "table", 0, "when")),
        _number_other_than(29, 0, 150).map(lambda x: f"measurements.brake_pct < {x!r}"),
    ),
    "defect points": (
        _set(("rules", 3, "defects", "points", "major")),
        _number_other_than(10),
    ),
    "defect cap": (_set(("rules", 3, "defects", "cap")), _number_other_than(60, 0)),
    "category weight": (
        _set(("categories", "brakes", "weight")),
        _number_other_than(0.6, 0, 1),
    ),
    "category max": (_set(("categories", "tyres", "max")), _number_other_than(100, 1)),
    "grade band": (
        _set(("rating", "grades", 1, "when")),
        _number_other_than(90, 0, 100).map(lambda x: f"score >= {x!r}"),
    ),
    "min_coverage": (_set(("rating", "min_coverage")), _number_other_than(0.5, 0, 1)),
    "input range": (
        _set(("inputs", "measurements.tread_mm", "max")),
        _number_other_than(30, 0),
    ),
}


@given(st.sampled_from(sorted(MUTATIONS)), st.data(), SEEDS)
def test_a_change_of_meaning_changes_the_fingerprint(
    what: str, data: st.DataObject, seed: int
) -> None:
    apply, values = MUTATIONS[what]
    changed = copy.deepcopy(BASE)
    apply(changed, data.draw(values))
    text = Writer(seed).document(changed)  # however it is written
    assert fingerprint_of({"fp@1.0.0": text}, "fp") != reference("fp"), text


@given(st.sampled_from(sorted(MUTATIONS)), st.data())
def test_a_change_in_a_component_changes_the_composite(what: str, data: st.DataObject) -> None:
    apply, values = MUTATIONS[what]
    changed = copy.deepcopy(BASE)
    apply(changed, data.draw(values))
    text = dump(changed)
    after = fingerprint_of({"fp@1.0.0": text, "fpc@1.0.0": COMPOSITE}, "fpc")
    assert after != reference("fpc")


@pytest.mark.parametrize(
    ("what", "value"),
    [
        (("components", "part", "weight"), 0.4),
        (("components", "part", "optional"), True),
        (("components", "part", "standard"), "fp2@^1"),
        (("categories", "comfort", "weight"), 0.6),
    ],
)
def test_a_change_of_the_composition_changes_its_fingerprint(
    what: tuple[str, ...], value: Any
) -> None:
    changed = copy.deepcopy(COMPOSITE)
    _set(what)(changed, value)
    twin = {**copy.deepcopy(BASE), "standard": "fp2"}  # the same rules under another id
    files = {"fp@1.0.0": BASE, "fp2@1.0.0": twin}
    assert fingerprint_of({**files, "fpc@1.0.0": changed}, "fpc") != fingerprint_of(
        {**files, "fpc@1.0.0": COMPOSITE}, "fpc"
    )


def test_descriptions_and_sources_do_not_change_it() -> None:
    documented = copy.deepcopy(BASE)
    documented["description"] = "Why these rules exist."
    documented["sources"] = ["Directive 2014/45/EU"]
    documented["rules"][1]["description"] = "Tread depth, MOT manual 5.2.3(e)."
    documented["rules"][1]["source"] = "MOT inspection manual 5.2.3"
    assert fingerprint_of({"fp@1.0.0": documented}, "fp") == fingerprint_of(
        {"fp@1.0.0": BASE}, "fp"
    )


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("score>=90", "score >= 90"),
        ("( score  >=  90 )", "score >= 90"),
        ('vehicle.category in ["M1","N1"]', "vehicle.category in ['M1', 'N1']"),
        ("a and (b or c)", "a and (b or c)"),
        ("(a and b) or c", "a and b or c"),
        ("x if c else\n  y", "x if c else y"),
    ],
)
def test_canonical_expression(written: str, canonical: str) -> None:
    assert canonical_expression(written) == canonical
