"""Golden cases for every error code: tests/cases/errors/<code>.yaml, run by one generator.

Each file documents one code and holds named cases (as sqlfluff's rule fixtures do):

    code: unknown-field            # the code the cases produce
    cases:
      misspelled-input:            # the first case is the one docs/errors.md shows
        files:                     # written into an empty working folder
          standard.yaml: |         #   text (UTF-8), or {text, encoding}, {size} (a sparse file of
            ...                    #   that many bytes), {repeat, length} (text repeated up to
                                   #   length characters) or {folder: true}
        args: [check, standard.yaml]   # the command line (default: check standard.yaml)
        exit: 1                    # the exit code
        stdout: |                  # everything printed, word for word ('' when absent)
          standard.yaml:11:14: unknown-field: ...
        stderr: |
          checked 1 standard file: 0 ok, 1 with errors (1 problem)

A case with `run: load-yaml` and `file: NAME` loads that file with `yamlio.load_yaml` (the library
entry point) instead, and compares the rendered error with `output`. Cases run with the working
folder as the current directory, without $QUALITYSCORE_STANDARDS, and with an empty folder in place
of the bundled standards (shown as <bundled>), so that they depend on nothing but themselves; the
working folder's absolute path is shown as <tmp>.

`python tests/test_error_cases.py CODE` prints what the cases of a code print now, in this form, to
review (and copy once reviewed). The other tests keep the three in step: every code the source can produce has a golden case and a
section in docs/errors.md, and each section shows the output of its code's first case verbatim.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml

from qualityscore import cli
from qualityscore.errors import QualityScoreError
from qualityscore.source import SourceText
from qualityscore.standard import registry
from qualityscore.yamlio import load_yaml

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "cases" / "errors"
DOCS = ROOT / "docs" / "errors.md"
SRC = ROOT / "src" / "qualityscore"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
CODE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
CASE_KEYS = {"files", "args", "exit", "stdout", "stderr", "run", "file", "output", "replace"}


def case_files() -> list[Path]:
    return sorted(CASES.glob("*.yaml"))


@functools.cache
def read_case_file(path: Path) -> dict[str, Any]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    assert isinstance(data, dict), f"{path.name}: a case file is a mapping"
    assert set(data) == {"code", "cases"}, f"{path.name}: keys are code and cases"
    assert path.stem == data["code"], f"{path.name}: the file is named after its code"
    assert data["cases"], f"{path.name}: no cases"
    return data


def all_cases() -> Iterator[Any]:
    for path in case_files():
        data = read_case_file(path)
        for name, case in data["cases"].items():
            yield pytest.param(data["code"], case, id=f"{data['code']}/{name}")


# -- running a case ---------------------------------------------------------------------------


def materialise(files: dict[str, Any], workdir: Path) -> None:
    """Create the case's files (and folders) in `workdir`."""
    for name, spec in files.items():
        path = workdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(spec, str):
            path.write_bytes(spec.encode("utf-8"))
        elif spec.get("folder"):
            path.mkdir()
        elif "size" in spec:
            with open(path, "wb") as out:
                out.truncate(spec["size"])  # sparse: the size is there, no bytes are written
        elif "repeat" in spec:
            text = spec["repeat"] * (spec["length"] // len(spec["repeat"]) + 1)
            path.write_bytes(text[: spec["length"]].encode("utf-8"))
        else:
            path.write_bytes(spec["text"].encode(spec["encoding"]))


def normalise(text: str, workdir: Path, case: dict[str, Any]) -> str:
    text = text.replace(str(workdir / ".bundled"), "<bundled>").replace(str(workdir), "<tmp>")
    for pattern, replacement in case.get("replace", []):
        text = re.sub(pattern, replacement, text)
    return text


@contextlib.contextmanager
def hermetic(workdir: Path) -> Iterator[None]:
    """The working folder as the current directory, and no standards but the case's own."""
    bundled = workdir / ".bundled"
    bundled.mkdir(exist_ok=True)
    before = os.getcwd()
    env = {k: v for k, v in os.environ.items() if k != registry.ENV_VAR}
    os.chdir(workdir)
    try:
        with (
            mock.patch.dict(os.environ, env, clear=True),
            mock.patch.object(registry, "bundled_root", lambda: bundled),
        ):
            yield
    finally:
        os.chdir(before)


def execute(case: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """Run one case in `workdir`; what it printed (normalised) and its exit code."""
    assert set(case) <= CASE_KEYS, f"unknown keys {sorted(set(case) - CASE_KEYS)}"
    materialise(case.get("files", {}), workdir)
    with hermetic(workdir):
        if case.get("run") == "load-yaml":
            name = case["file"]
            text = (workdir / name).read_bytes().decode("utf-8")
            try:
                load_yaml(SourceText(name, text))
            except QualityScoreError as exc:
                return {"output": normalise(exc.render() + "\n", workdir, case)}
            return {"output": "(no error)\n"}
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(list(case.get("args", ["check", "standard.yaml"])))
    return {
        "exit": code,
        "stdout": normalise(out.getvalue(), workdir, case),
        "stderr": normalise(err.getvalue(), workdir, case),
    }


def expected(case: dict[str, Any]) -> dict[str, Any]:
    if case.get("run") == "load-yaml":
        return {"output": case["output"]}
    return {
        "exit": case["exit"],
        "stdout": case.get("stdout", ""),
        "stderr": case.get("stderr", ""),
    }


def shows_code(code: str, text: str) -> bool:
    """Whether output reports `code` (`code: ...`, `code (warning): ...` or JSON's `"code": ...`)."""
    pattern = rf'(^|\s){re.escape(code)}( \(warning\))?: |"code": "{re.escape(code)}"'
    return re.search(pattern, text, re.MULTILINE) is not None


@pytest.mark.parametrize(("code", "case"), list(all_cases()))
def test_golden_case(code: str, case: dict[str, Any], tmp_path: Path) -> None:
    want = expected(case)
    printed = "".join(str(v) for k, v in want.items() if k != "exit")
    assert shows_code(code, printed), f"the expected output does not report {code}"
    got = execute(case, tmp_path)
    if "exit" in want:
        assert got["stdout"] == want["stdout"]
        assert got["stderr"] == want["stderr"]
        assert got["exit"] == want["exit"]
    else:
        assert got["output"] == want["output"]


# -- every code: in the source, in a golden case, in the docs ------------------------------------

_ERROR_CALLS = {
    "Diagnostic",
    "RecordError",
    "InputFileError",
    "LockError",
    "ResolutionError",
    "QualityScoreError",
    "ExprProblem",
    "_fail",
    "fail",
    "_problem",
    "report",
}
_FSTRING_KINDS = {"kind": ("grade", "verdict")}
"""The values f-string codes are built with: plan.py makes f"{kind}s-no-default" for both."""


def _codes_in(node: ast.expr) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
        return {node.value}
    if isinstance(node, ast.IfExp):  # "extends-cycle" if ... else "component-cycle"
        return _codes_in(node.body) | _codes_in(node.orelse)
    if isinstance(node, ast.JoinedStr):
        template, names = "", []
        for part in node.values:
            if isinstance(part, ast.Constant):
                template += str(part.value).replace("{", "{{").replace("}", "}}")
            else:
                assert isinstance(part, ast.FormattedValue)
                template += "{}"
                names.append(ast.unparse(part.value))
        if not CODE.match(template.replace("{}", "x")):
            return set()
        unknown = [n for n in names if n not in _FSTRING_KINDS]
        assert not unknown, f"a code built from {unknown}: add its values to _FSTRING_KINDS"
        assert len(names) == 1, ast.unparse(node)
        return {template.format(value) for value in _FSTRING_KINDS[names[0]]}
    return set()


@functools.cache
def source_codes() -> dict[str, set[str]]:
    """code -> the modules that produce it: every code-like text given to an error constructor
    (or returned as the code of a (code, message, ...) tuple)."""
    found: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            args: list[ast.expr] = []
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in _ERROR_CALLS:
                    args = [*node.args, *(k.value for k in node.keywords if k.arg == "code")]
            elif (
                isinstance(node, ast.Tuple)
                and len(node.elts) >= 2
                and isinstance(node.elts[1], ast.Constant | ast.JoinedStr)
            ):
                args = [node.elts[0]]
            for arg in args:
                for code in _codes_in(arg):
                    found.setdefault(code, set()).add(str(path.relative_to(SRC)))
    return found


@functools.cache
def doc_sections() -> dict[str, str]:
    """code -> its section of docs/errors.md: from its '### `code`' heading to the next heading."""
    sections: dict[str, str] = {}
    current: str | None = None
    fenced = False
    for line in DOCS.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,3} ", line):
            match = re.match(r"### `([a-z0-9-]+)`$", line.rstrip())
            current = match.group(1) if match else None
            if current is not None:
                assert current not in sections, f"docs/errors.md documents {current} twice"
                sections[current] = ""
            continue
        if current is not None:
            sections[current] += line
    return sections


def golden_codes() -> dict[str, dict[str, Any]]:
    """code -> its case file's data."""
    return {p.stem: read_case_file(p) for p in case_files()}


def test_source_codes_are_found() -> None:
    codes = source_codes()
    # a sample from each way codes are written, so that the collector itself is tested
    assert {"yaml-duplicate-key", "unknown-key", "type-mismatch", "record-missing-field"} <= set(
        codes
    )
    assert {"grades-no-default", "verdicts-no-default", "grades-unreachable"} <= set(codes)
    assert {"lock-mismatch", "file-not-found", "weight-ignored", "empty-category"} <= set(codes)
    assert "utf-8" not in codes and "qualityscore-lock" not in codes


def test_every_source_code_is_documented() -> None:
    missing = sorted(set(source_codes()) - set(doc_sections()))
    assert not missing, f"codes without a section in docs/errors.md: {missing}"


def test_every_documented_code_exists() -> None:
    stale = sorted(set(doc_sections()) - set(source_codes()))
    assert not stale, f"docs/errors.md documents codes the source no longer produces: {stale}"


UNREACHABLE = {
    "record-invalid": "validate.py's fallback for a pydantic error type its schemas never raise",
}
"""Codes the source has but no input can produce today; docs/errors.md says so."""


def test_every_documented_code_has_a_golden_case() -> None:
    assert sorted(doc_sections()) == sorted([*golden_codes(), *UNREACHABLE])
    assert not set(UNREACHABLE) & set(golden_codes()), "a code with a golden case is reachable"
    for code in UNREACHABLE:
        assert "no golden case" in doc_sections()[code]


def test_docs_show_the_golden_output() -> None:
    """Each section's ```text block is the output of its code's first golden case, verbatim."""
    for code, section in doc_sections().items():
        if code in UNREACHABLE:
            continue
        blocks = re.findall(r"^```text\n(.*?)^```$", section, flags=re.MULTILINE | re.DOTALL)
        assert blocks, f"docs/errors.md: the section of {code} shows no output"
        first = next(iter(golden_codes()[code]["cases"].values()))
        printed = "".join(str(v) for k, v in expected(first).items() if k != "exit")
        assert shows_code(code, blocks[0]), f"docs/errors.md: {code}'s output does not show it"
        assert blocks[0] in printed, f"docs/errors.md: {code}'s output is not its golden output"


def test_docs_examples_come_from_the_golden_cases() -> None:
    """Each section's ```yaml example is a verbatim part of one of its golden cases' files."""
    for code, section in doc_sections().items():
        if code in UNREACHABLE:
            continue
        inputs = [
            spec if isinstance(spec, str) else str(spec.get("text", ""))
            for case in golden_codes()[code]["cases"].values()
            for spec in case.get("files", {}).values()
        ]
        for block in re.findall(r"^```(?:yaml|json|csv)\n(.*?)^```$", section, re.M | re.S):
            assert any(block in text for text in inputs), (
                f"docs/errors.md: an example of {code} is not in its golden cases:\n{block}"
            )


def test_docs_introduction_shows_golden_outputs() -> None:
    intro = DOCS.read_text(encoding="utf-8").split("\n### `", 1)[0]
    (text,) = re.findall(r"^```text\n(.*?)^```$", intro, flags=re.MULTILINE | re.DOTALL)
    assert text in golden_codes()["unknown-field"]["cases"]["misspelled"]["stdout"]
    (example,) = re.findall(r"^```json\n(.*?)^```$", intro, flags=re.MULTILINE | re.DOTALL)
    case = golden_codes()["unknown-field"]["cases"]["json-format"]
    assert case["args"] == ["check", "--format", "json", "standard.yaml"]
    assert example == case["stdout"]


def show(code: str) -> None:
    """Print what the cases of tests/cases/errors/<code>.yaml print now, to review and copy."""
    import tempfile

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
        return dumper.represent_scalar(
            "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None
        )

    Dumper.add_representer(str, text)
    for name, case in read_case_file(CASES / f"{code}.yaml")["cases"].items():
        with tempfile.TemporaryDirectory() as folder:
            got = execute(case, Path(folder))
        print(f"--- {code}/{name}")
        print(yaml.dump(got, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=1000))


if __name__ == "__main__":  # python tests/test_error_cases.py CODE...
    import sys

    for each in sys.argv[1:]:
        show(each)
