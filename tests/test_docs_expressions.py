"""docs/expressions.md runs: its function reference is generated from FUNCTIONS, and its examples
type-check (or are refused with the code shown).

Conventions of the page, which these tests read:

- the ```yaml block after `<!-- scope -->` declares the inputs and derived values the examples see;
- each line of a ```python block is one expression, in the context its info string names (none: a
  rule; `defect`: a defects rule; `rating`: a grade; `verdict`: a verdict); a trailing `# -> TYPE`
  is its type, `# == VALUE` its value (`missing`: it has none);
- each line of a ```python refused block is refused with the code after its `#`;
- every other ```yaml block is a fragment of a standard that, with the scope, compiles.

Run `python tests/test_docs_expressions.py` to write the function reference again.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from expr.evaluate import MISSING_OUTCOME, evaluate  # tests/expr/evaluate.py
from qualityscore.api import load_standard
from qualityscore.expr.check import Scope, check_expression
from qualityscore.expr.functions import FUNCTIONS
from qualityscore.expr.parse import ExprProblem
from qualityscore.expr.types import INTEGER, NUMBER, EnumT, ListT, RecordT, Type
from qualityscore.plan import input_type
from qualityscore.standard.registry import Registry
from qualityscore.standard.spec import INSUFFICIENT, InputSpec

DOC = Path(__file__).resolve().parents[1] / "docs" / "expressions.md"
START = "<!-- functions: generated from src/qualityscore/expr/functions.py by "
START += "tests/test_docs_expressions.py -->"
END = "<!-- functions: end -->"

COMPONENT_GRADES = ("A", "B", "C")
COMPONENT_VERDICTS = ("pass", "fail")


def render_functions() -> str:
    """The reference of every function, in the order of FUNCTIONS."""
    index = ", ".join(f"[`{name}`](#{name})" for name in FUNCTIONS)
    sections = [
        f"### `{f.name}`\n\n`{f.signature}`\n\n{f.summary}\n\n```python defect\n{f.example}\n```\n"
        for f in FUNCTIONS.values()
    ]
    return f"\n{index}.\n\n" + "\n".join(sections) + "\n"


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def blocks(info: str) -> list[str]:
    """The contents of the fenced blocks whose info string is exactly `info`."""
    return re.findall(rf"^```{re.escape(info)}\n(.*?)^```$", doc_text(), flags=re.M | re.S)


def lines_of(info: str) -> list[tuple[str, str | None]]:
    """(expression, trailing comment) of every line of the `info` blocks."""
    found = []
    for block in blocks(info):
        for line in block.splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            expr, _, comment = line.partition("  # ")
            found.append((expr.strip(), comment.strip() or None))
    return found


# -- the scope of the examples --------------------------------------------------------------------


def scope_data() -> dict[str, Any]:
    after = doc_text().split("<!-- scope -->", 1)[1]
    block = re.search(r"^```yaml\n(.*?)^```$", after, flags=re.M | re.S)
    assert block is not None, "docs/expressions.md: no ```yaml block after <!-- scope -->"
    data = yaml.safe_load(block.group(1))
    assert isinstance(data, dict)
    return data


def rule_scope() -> Scope:
    data = scope_data()
    severities = tuple(data["severities"])
    fields = {
        path: input_type(path, InputSpec.model_validate(spec), severities)
        for path, spec in data["inputs"].items()
    }
    derived: dict[str, Type] = {}
    for name, text in data["derived"].items():
        derived[name] = check_expression(str(text), Scope(fields=fields, derived=derived)).type
    return Scope(fields=fields, derived=derived)


def defect_scope() -> Scope:
    scope = rule_scope()
    defects = scope.fields["defects"]
    assert isinstance(defects, ListT) and isinstance(defects.item, RecordT)
    return scope.with_locals(defect=defects.item)


def rating_context(*, verdict: bool) -> dict[str, Type]:
    """The rating context as docs/expressions.md describes it (test_rating_examples_compile checks
    the same examples against the real one)."""
    data = scope_data()
    severities = data["severities"]
    context: dict[str, Type] = {"score": NUMBER, "coverage": NUMBER, "findings.total": INTEGER}
    context |= {f"findings.{s}": INTEGER for s in severities}
    for name in data["categories"]:
        context |= {f"categories.{name}.score": NUMBER, f"categories.{name}.max": NUMBER}
    base = "components.safety"
    context |= {f"{base}.score": NUMBER, f"{base}.coverage": NUMBER}
    context |= {f"{base}.grade": EnumT((*COMPONENT_GRADES, INSUFFICIENT))}
    context |= {f"{base}.verdict": EnumT(COMPONENT_VERDICTS), f"{base}.findings.total": INTEGER}
    context |= {f"{base}.findings.{s}": INTEGER for s in severities}
    if verdict:
        context["grade"] = EnumT(("F", "A", "B", INSUFFICIENT))
    return context


SCOPES = {
    "python": rule_scope,
    "python defect": defect_scope,
    "python rating": lambda: rule_scope().with_context(rating_context(verdict=False)),
    "python verdict": lambda: rule_scope().with_context(rating_context(verdict=True)),
}


# -- the function reference ---------------------------------------------------------------------


def test_function_reference_is_generated_from_functions() -> None:
    text = doc_text()
    assert START in text and END in text, "docs/expressions.md lost its function markers"
    current = text.split(START, 1)[1].split(END, 1)[0]
    assert current == render_functions(), "run: python tests/test_docs_expressions.py"


def test_docs_list_exactly_the_functions() -> None:
    reference = doc_text().split(START, 1)[1].split(END, 1)[0]
    listed = re.findall(r"^### `([a-z_]+)`$", reference, flags=re.M)
    assert listed == list(FUNCTIONS)
    signatures = re.findall(r"^### `[a-z_]+`\n\n`(.*)`$", reference, flags=re.M)
    assert signatures == [f.signature for f in FUNCTIONS.values()]


def test_every_function_example_type_checks() -> None:
    scope = defect_scope()
    for f in FUNCTIONS.values():
        checked = check_expression(f.example, scope)
        assert f"{f.name}(" in f.example, f"the example of {f.name} does not call it"
        assert checked.tree is not None


# -- the examples -------------------------------------------------------------------------------


def valid_examples() -> list[Any]:
    return [
        pytest.param(info, expr, comment, id=f"{info}: {expr}")
        for info in SCOPES
        for expr, comment in lines_of(info)
    ]


@pytest.mark.parametrize(("info", "expr", "comment"), valid_examples())
def test_valid_example(info: str, expr: str, comment: str | None) -> None:
    checked = check_expression(expr, SCOPES[info]())
    if comment is None:
        return
    if comment.startswith("-> "):
        assert str(checked.type) == comment[3:]
    else:
        assert comment.startswith("== "), f"a comment is '-> TYPE' or '== VALUE': {comment}"
        want = comment[3:]
        value = evaluate(checked, {})
        if want == "missing":
            assert value is MISSING_OUTCOME
        else:
            expected = ast.literal_eval(want)
            assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    ("expr", "code"), [pytest.param(e, c, id=e) for e, c in lines_of("python refused")]
)
def test_refused_example(expr: str, code: str | None) -> None:
    with pytest.raises(ExprProblem) as problem:
        check_expression(expr, rule_scope())
    assert problem.value.code == code


def test_examples_are_found() -> None:
    """The conventions above still match the page (a test that finds nothing cannot fail)."""
    assert len(lines_of("python")) >= 30
    assert len(lines_of("python refused")) >= 25
    assert lines_of("python defect") and lines_of("python rating") and lines_of("python verdict")
    assert len(fragments()) >= 1


# -- YAML fragments and the real rating context ----------------------------------------------------


def fragments() -> list[str]:
    scope_block = re.search(
        r"^```yaml\n(.*?)^```$", doc_text().split("<!-- scope -->", 1)[1], flags=re.M | re.S
    )
    assert scope_block is not None
    return [b for b in blocks("yaml") if b != scope_block.group(1)]


SAFETY = """\
standard: safety
version: 1.0.0
title: Safety
inputs:
  measurements.tyre_tread_mm: {type: number, unit: mm, min: 0, max: 30}
categories:
  tyres: {weight: 1.0}
rules:
  - {id: tread, category: tyres, require: measurements.tyre_tread_mm >= 1.6, points: 10}
rating:
  grades: [{grade: A, when: score >= 90}, {grade: B, when: score >= 50}, {grade: C}]
  verdicts: [{verdict: fail, when: findings.major > 0}, {verdict: pass}]
"""


def compose(tmp_path: Path, extra: dict[str, Any]) -> Path:
    """A standard made of the page's scope and `extra`, written to a registry in tmp_path."""
    data = scope_data()
    standard: dict[str, Any] = {"standard": "docs", "version": "1.0.0", "title": "Docs", **data}
    standard["rating"] = {"grades": [{"grade": "A", "when": "score >= 90"}, {"grade": "B"}]}
    standard.update(extra)
    registry = tmp_path / "standards"
    (registry / "safety").mkdir(parents=True)
    (registry / "safety" / "1.0.0.yaml").write_text(SAFETY, encoding="utf-8")
    path = registry / "docs" / "1.0.0.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(standard, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("fragment", fragments())
def test_yaml_fragment_compiles(fragment: str, tmp_path: Path) -> None:
    path = compose(tmp_path, yaml.safe_load(fragment))
    ruleset = load_standard(path, registry=Registry(bundled=False, environment=False))
    assert ruleset.id == "docs"


def test_rating_examples_compile_in_a_real_rating(tmp_path: Path) -> None:
    """The rating and verdict examples, as conditions of a composite with a `safety` component."""
    rating = [e for e, c in lines_of("python rating") if c in (None, "-> boolean")]
    verdict = [e for e, c in lines_of("python verdict") if c in (None, "-> boolean")]
    assert rating and verdict
    data = scope_data()
    categories = {name: {"weight": 0.25} for name in data["categories"]}
    extra = {
        "categories": categories,
        "components": {"safety": {"standard": "safety@^1", "weight": 0.5}},
        "rules": [
            {"id": f"r-{name}", "category": name, "require": "measurements.axles >= 1"}
            for name in categories
        ],
        "rating": {
            "grades": [
                *({"grade": "F", "when": e} for e in rating),
                {"grade": "A", "when": "score >= 90"},
                {"grade": "B"},
            ],
            "verdicts": [*({"verdict": "fail", "when": e} for e in verdict), {"verdict": "pass"}],
        },
    }
    path = compose(tmp_path, extra)
    ruleset = load_standard(path, registry=Registry(bundled=False, environment=False))
    assert ruleset.id == "docs"


def write_reference() -> None:
    text = doc_text()
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    DOC.write_text(before + START + render_functions() + END + after, encoding="utf-8")


if __name__ == "__main__":
    write_reference()
