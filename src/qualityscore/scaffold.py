"""`qualityscore new ID`: a standard to start from, which `check` and `test` accept as it is."""

from __future__ import annotations

import re
from pathlib import Path

from qualityscore.errors import InputFileError
from qualityscore.standard.spec import ID_PATTERN, SEMVER_PATTERN

TEMPLATE = """\
# yaml-language-server: $schema={schema}
# A qualityscore standard. Check it with `qualityscore check`, run its tests with
# `qualityscore test`; the format is described in docs/authoring.md.
standard: {ident}
version: {version}
title: {{en: {title}}}
effective: {{from: {today}}}

inputs:
  vehicle.category: {{type: enum, values: [M1, N1]}}
  measurements.tyre_tread_mm: {{type: number, unit: mm, min: 0, max: 30}}
  defects: {{type: defects}}

severities: [minor, major, dangerous]

categories:
  tyres: {{title: {{en: Tyres}}, weight: 0.6}}
  defects: {{title: {{en: Recorded defects}}, weight: 0.4}}

rules:
  - id: tyre-tread
    category: tyres
    title: {{en: Tread depth below 1.6 mm}}
    source: "State the document and section this limit comes from"
    require: measurements.tyre_tread_mm >= 1.6
    severity: major
    points: 40

  - id: recorded-defects
    category: defects
    title: {{en: Recorded defect}}
    defects:
      points: {{minor: 1, major: 10, dangerous: 40}}

rating:
  score: weighted_mean
  rounding: {{places: 1, mode: half_up}}
  grades:
    - {{grade: F, when: "findings.dangerous > 0"}}
    - {{grade: A, when: "score >= 90"}}
    - {{grade: B, when: "score >= 75"}}
    - {{grade: C}}
  grade_order: [A, B, C, F]
  verdicts:
    - {{verdict: fail, when: "findings.major + findings.dangerous > 0"}}
    - {{verdict: pass}}
  min_coverage: 0.5

tests:
  - name: a worn tyre fails
    record:
      vehicle: {{category: M1}}
      measurements: {{tyre_tread_mm: 1.2}}
      defects: [{{code: "5.2.3(e)", severity: minor}}]
    expect: {{score: 75.6, grade: B, verdict: fail, findings: [tyre-tread, recorded-defects]}}
"""

SCHEMA_FILE = "qualityscore.schema.json"
"""Written beside the standards (once) so that editors validate them offline."""


def scaffold(ident: str, directory: Path, *, version: str = "1.0.0") -> Path:
    """Write `<directory>/<ident>/<version>.yaml` from the template; never overwrites."""
    import datetime as dt

    if not re.match(ID_PATTERN, ident):
        raise InputFileError(
            "invalid-id",
            f"'{ident}' is not a standard id: use lowercase letters, digits, '-' and '.'",
        )
    if not re.match(SEMVER_PATTERN, version):
        raise InputFileError(
            "invalid-version", f"'{version}' is not a semantic version such as 1.0.0"
        )
    path = directory / ident / f"{version}.yaml"
    if path.exists():
        raise InputFileError(
            "file-exists", f"{path} already exists", hint="choose another id or version"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    title = ident.replace("-", " ").replace(".", " ").capitalize()
    path.write_text(
        TEMPLATE.format(
            ident=ident,
            version=version,
            title=title,
            today=dt.date.today().isoformat(),
            schema=f"../{SCHEMA_FILE}",
        ),
        encoding="utf-8",
    )
    schema_path = directory / SCHEMA_FILE
    if not schema_path.exists():
        import json

        from qualityscore.schema import standard_schema

        schema_path.write_text(json.dumps(standard_schema(), indent=2) + "\n", encoding="utf-8")
    return path
