"""The reference workload (../shared/bench/WORKLOAD.md) in qualityscore's terms, and its peers.

The neutral JSON description written by the workload's `gen_standard.py` becomes:

- `standard_yaml(neutral)`: a qualityscore standard of the same rules;
- `handwritten(neutral)`: the baseline every ratio is measured against, a hand-written Python
  function over prepared tuples (the "hand-written Python function" of the workload's README);
- `straight_line(neutral)`: the generated peer, straight-line Python with every constant inlined,
  compiled once (the "generated straight-line Python" of the workload's README);
- `exact_overall(neutral, record)`: the exact rational overall score of a record whose readings
  were parsed as `Fraction`s, to tell rounding midpoints from real disagreements.

All three scorers follow WORKLOAD.md's binary64 operations in its order; each returns
`(overall, grade)`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import yaml

Scorer = Callable[[dict[str, Any]], tuple[float, str]]
ZONES = ["body", "chassis", "brakes", "lighting", "emissions", "interior"]


def _threshold(rule: dict[str, Any]) -> dict[str, Any]:
    condition = f"measurements.{rule['measurement']} {rule['op']} {rule['value']}"
    return {
        "id": rule["id"],
        "category": rule["category"],
        "title": {"en": condition},
        "require": f"not ({condition})",
        "points": rule["points"],
    }


def _sliding(rule: dict[str, Any]) -> dict[str, Any]:
    lo, hi, points = rule["lo"], rule["hi"], rule["points"]
    pairs = [[lo, 0], [hi, points]] if lo < hi else [[hi, points], [lo, 0]]
    return {
        "id": rule["id"],
        "category": rule["category"],
        "title": {"en": f"measurements.{rule['measurement']} from {lo} to {hi}"},
        "scale": {"of": f"measurements.{rule['measurement']}", "points": pairs},
    }


def _defect(rule: dict[str, Any]) -> dict[str, Any]:
    criteria = [f"defect.code in {json.dumps(rule['codes'])}"]
    words = [f"one of {len(rule['codes'])} codes"]
    for name in ("severity", "zone"):
        if rule[name] is not None:
            criteria.append(f"defect.{name} == {json.dumps(rule[name])}")
            words.append(f"{name} {rule[name]}")
    joiner = " and " if rule["combine"] == "all" else " or "
    return {
        "id": rule["id"],
        "category": rule["category"],
        "title": {"en": f"a recorded defect: {joiner.join(words)}"},
        "defects": {"where": joiner.join(criteria), "points": rule["points"]},
    }


def standard_yaml(neutral: dict[str, Any]) -> str:
    """The workload's standard in qualityscore's format."""
    total = sum(neutral["weights"].values())
    kinds = {"threshold": _threshold, "sliding": _sliding, "defect": _defect}
    knockout = neutral["knockout"]
    reading = {"type": "number", "min": 0, "max": 100}
    spec = {
        "standard": "bench-reference",
        "version": "1.0.0",
        "title": {"en": "Reference scoring workload"},
        "description": f"Generated from {neutral['name']} (seed {neutral['seed']}); see "
        "shared/bench/WORKLOAD.md.",
        "inputs": {
            **{f"measurements.m{k:02d}": dict(reading) for k in range(40)},
            "defects": {"type": "defects", "fields": {"zone": {"type": "enum", "values": ZONES}}},
        },
        "severities": ["minor", "major", "dangerous"],
        "categories": {
            name: {"weight": float(Decimal(neutral["weights"][name]) / Decimal(total))}
            for name in neutral["categories"]
        },
        "rules": [kinds[r["kind"]](r) for r in neutral["rules"]],
        "rating": {
            "score": "weighted_mean",
            "rounding": {
                "places": neutral["rounding"]["decimals"],
                "mode": neutral["rounding"]["mode"],
            },
            "grades": [
                {
                    "grade": knockout["grade"],
                    "when": f'any(d.severity == "{knockout["severity"]}" for d in defects)',
                },
                *[{"grade": g, "when": f"score >= {t}"} for g, t in neutral["grades"]],
                {"grade": neutral["fallback_grade"]},
            ],
            "verdicts": [{"verdict": "rated"}],
        },
    }
    return yaml.safe_dump(
        spec, sort_keys=False, allow_unicode=True, width=1000, default_flow_style=None
    )


def handwritten(neutral: dict[str, Any]) -> Scorer:
    """The baseline: the workload's rules as a hand-written function over prepared tuples."""
    cats = neutral["categories"]
    weights = neutral["weights"]
    total = sum(weights.values())
    rules = neutral["rules"]
    thresholds = [
        (r["category"], r["measurement"], r["op"] == "<", r["value"], r["points"])
        for r in rules
        if r["kind"] == "threshold"
    ]
    slidings = [
        (r["category"], r["measurement"], r["lo"], r["hi"], r["points"])
        for r in rules
        if r["kind"] == "sliding"
    ]
    defects = [
        (
            r["category"],
            frozenset(r["codes"]),
            r["severity"],
            r["zone"],
            r["combine"] == "all",
            r["points"],
        )
        for r in rules
        if r["kind"] == "defect"
    ]
    grades = neutral["grades"]
    fallback = neutral["fallback_grade"]
    knockout = neutral["knockout"]

    def score(record: dict[str, Any]) -> tuple[float, str]:
        deduction = dict.fromkeys(cats, 0.0)
        m = record["measurements"]
        for cat, key, less, value, points in thresholds:
            x = m.get(key)
            if x is not None and ((x < value) if less else (x > value)):
                deduction[cat] = deduction[cat] + points
        for cat, key, lo, hi, points in slidings:
            x = m.get(key)
            if x is not None:
                deduction[cat] = deduction[cat] + points * min(max((x - lo) / (hi - lo), 0), 1)
        found = record["defects"]
        for cat, codes, sev, zone, every, points in defects:
            n = 0
            for d in found:
                if every:
                    ok = (
                        d["code"] in codes
                        and (sev is None or d["severity"] == sev)
                        and (zone is None or d["zone"] == zone)
                    )
                else:
                    ok = (
                        d["code"] in codes
                        or (sev is not None and d["severity"] == sev)
                        or (zone is not None and d["zone"] == zone)
                    )
                if ok:
                    n += 1
            deduction[cat] = deduction[cat] + points * n
        raw = 0
        for cat in cats:
            raw = raw + weights[cat] * max(0, 100 - deduction[cat])
        overall = round(raw / total, 2)
        if any(d["severity"] == knockout["severity"] for d in found):
            return overall, knockout["grade"]
        for grade, threshold in grades:
            if overall >= threshold:
                return overall, grade
        return overall, fallback

    return score


def _local(key: str) -> str:
    """The local variable holding a reading in the generated peer."""
    if not (isinstance(key, str) and key.isidentifier()):
        raise ValueError(f"unexpected measurement name {key!r}")
    return f"r_{key}"


def straight_line_source(neutral: dict[str, Any]) -> str:
    """Python source of the generated peer: one straight-line function, every constant inlined.

    Each reading is fetched once, the defects are walked once (counting the matches of every defect
    rule and looking for the knockout), then the deductions are added in standard order. The text
    is built from the neutral description's numbers and names only (each written with repr), never
    from free text. It does WORKLOAD.md's operations in its order, so it agrees with `handwritten`
    bit for bit.
    """
    cats = neutral["categories"]
    rules = neutral["rules"]
    var = {cat: f"d{i}" for i, cat in enumerate(cats)}
    readings = sorted({r["measurement"] for r in rules if r["kind"] != "defect"})
    defect_rules = [r for r in rules if r["kind"] == "defect"]
    knockout = neutral["knockout"]
    lines = [
        "def score(record):",
        "    get = record['measurements'].get",
        *(f"    {_local(key)} = get({str(key)!r})" for key in readings),
        *(f"    n{i} = 0" for i in range(len(defect_rules))),
        "    knockout = False",
        "    for e in record['defects']:",
        "        code = e['code']",
        "        severity = e['severity']",
        "        zone = e['zone']",
        f"        if severity == {str(knockout['severity'])!r}:",
        "            knockout = True",
    ]
    for i, rule in enumerate(defect_rules):
        codes = ", ".join(repr(str(code)) for code in sorted(rule["codes"]))
        tests = [f"code in {{{codes}}}"]
        if rule["severity"] is not None:
            tests.append(f"severity == {str(rule['severity'])!r}")
        if rule["zone"] is not None:
            tests.append(f"zone == {str(rule['zone'])!r}")
        joiner = " and " if rule["combine"] == "all" else " or "
        lines += [f"        if {joiner.join(tests)}:", f"            n{i} += 1"]
    lines += [f"    {var[cat]} = 0.0" for cat in cats]
    for rule in rules:
        d = var[rule["category"]]
        kind = rule["kind"]
        if kind == "threshold":
            x = _local(rule["measurement"])
            op = {"<": "<", ">": ">"}[rule["op"]]
            lines += [
                f"    if {x} is not None and {x} {op} {float(rule['value'])!r}:",
                f"        {d} = {d} + {int(rule['points'])!r}",
            ]
        elif kind == "sliding":
            x = _local(rule["measurement"])
            lo, hi, points = int(rule["lo"]), int(rule["hi"]), int(rule["points"])
            lines += [
                f"    if {x} is not None:",
                f"        t = ({x} - {lo!r}) / {hi - lo!r}",
                "        if t > 0:",
                f"            {d} = {d} + {points!r} * (t if t < 1 else 1)",
            ]
        else:
            n = f"n{defect_rules.index(rule)}"
            lines += [f"    if {n}:", f"        {d} = {d} + {int(rule['points'])!r} * {n}"]
    weights = neutral["weights"]
    total = sum(weights.values())
    base = int(neutral["base_score"])
    for cat in cats:
        s = f"s{var[cat]}"
        lines += [f"    {s} = {base!r} - {var[cat]}", f"    if {s} < 0:", f"        {s} = 0"]
    weighted = " + ".join(f"{int(weights[cat])!r} * s{var[cat]}" for cat in cats)
    places = int(neutral["rounding"]["decimals"])
    lines += [
        f"    overall = round(({weighted}) / {int(total)!r}, {places!r})",
        "    if knockout:",
        f"        return overall, {str(knockout['grade'])!r}",
    ]
    for grade, threshold in neutral["grades"]:
        lines += [
            f"    if overall >= {float(threshold)!r}:",
            f"        return overall, {str(grade)!r}",
        ]
    lines.append(f"    return overall, {str(neutral['fallback_grade'])!r}")
    return "\n".join(lines) + "\n"


def straight_line(neutral: dict[str, Any]) -> Scorer:
    """The generated peer, compiled once."""
    namespace: dict[str, Any] = {}
    code = compile(straight_line_source(neutral), "<straight-line peer>", "exec")
    exec(code, namespace)
    function: Scorer = namespace["score"]
    return function


def defect_matches(rule: dict[str, Any], defect: dict[str, Any]) -> bool:
    """Whether a recorded defect matches a defect rule of the neutral description."""
    tests = [defect["code"] in rule["codes"]]
    if rule["severity"] is not None:
        tests.append(defect["severity"] == rule["severity"])
    if rule["zone"] is not None:
        tests.append(defect["zone"] == rule["zone"])
    return all(tests) if rule["combine"] == "all" else any(tests)


def exact_overall(neutral: dict[str, Any], record: dict[str, Any]) -> Fraction:
    """The exact overall (before rounding) of a record whose readings are `Fraction`s.

    Parse the record with `json.loads(line, parse_float=Fraction)`: the readings are then exactly
    the decimals their text says, and so is every step here.
    """
    m = record["measurements"]
    found = record["defects"]
    deduction = dict.fromkeys(neutral["categories"], Fraction(0))
    for rule in neutral["rules"]:
        cat = rule["category"]
        if rule["kind"] == "threshold":
            x = m.get(rule["measurement"])
            value = Fraction(str(rule["value"]))
            if x is not None and (x < value if rule["op"] == "<" else x > value):
                deduction[cat] += rule["points"]
        elif rule["kind"] == "sliding":
            x = m.get(rule["measurement"])
            if x is not None:
                t = Fraction(x - rule["lo"], rule["hi"] - rule["lo"])
                deduction[cat] += rule["points"] * min(max(t, Fraction(0)), Fraction(1))
        else:
            n = sum(1 for d in found if defect_matches(rule, d))
            deduction[cat] += rule["points"] * n
    weights = neutral["weights"]
    raw = sum(
        (
            weights[cat] * max(Fraction(0), neutral["base_score"] - deduction[cat])
            for cat in weights
        ),
        Fraction(0),
    )
    return raw / sum(weights.values())
