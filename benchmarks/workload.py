"""The reference workload (../shared/bench/WORKLOAD.md) as a qualityscore standard, and its baseline.

`standard_yaml(neutral)` translates the neutral JSON description written by the workload's
`gen_standard.py` into a qualityscore standard; `handwritten(neutral)` is a hand-written Python
function of the same rules (loops over prepared tuples), the baseline every ratio is measured against.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import yaml


def _threshold(rule: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": rule["id"],
        "category": rule["category"],
        "require": f"not (measurements.{rule['measurement']} {rule['op']} {rule['value']})",
        "points": rule["points"],
    }


def _sliding(rule: dict[str, Any]) -> dict[str, Any]:
    lo, hi, points = rule["lo"], rule["hi"], rule["points"]
    pairs = [[lo, 0], [hi, points]] if lo < hi else [[hi, points], [lo, 0]]
    return {
        "id": rule["id"],
        "category": rule["category"],
        "scale": {"of": f"measurements.{rule['measurement']}", "points": pairs},
    }


def _defect(rule: dict[str, Any]) -> dict[str, Any]:
    codes = json.dumps(rule["codes"])
    criteria = [f"defect.code in {codes}"]
    if rule["severity"] is not None:
        criteria.append(f"defect.severity == {json.dumps(rule['severity'])}")
    if rule["zone"] is not None:
        criteria.append(f"defect.zone == {json.dumps(rule['zone'])}")
    joiner = " and " if rule["combine"] == "all" else " or "
    return {
        "id": rule["id"],
        "category": rule["category"],
        "defects": {"where": joiner.join(criteria), "points": rule["points"]},
    }


def standard_yaml(neutral: dict[str, Any]) -> str:
    """The workload's standard in qualityscore's format."""
    total = sum(neutral["weights"].values())
    kinds = {"threshold": _threshold, "sliding": _sliding, "defect": _defect}
    spec = {
        "standard": "bench-reference",
        "version": "1.0.0",
        "title": {"en": "Reference scoring workload"},
        "inputs": {
            **{f"measurements.m{k:02d}": {"type": "number", "min": 0, "max": 100} for k in range(40)},
            "defects": {
                "type": "defects",
                "fields": {
                    "zone": {
                        "type": "enum",
                        "values": ["body", "chassis", "brakes", "lighting", "emissions", "interior"],
                    }
                },
            },
        },
        "severities": ["minor", "major", "dangerous"],
        "categories": {
            name: {"weight": float(Decimal(neutral["weights"][name]) / Decimal(total))}
            for name in neutral["categories"]
        },
        "rules": [kinds[r["kind"]](r) for r in neutral["rules"]],
        "rating": {
            "score": "weighted_mean",
            "rounding": {"places": neutral["rounding"]["decimals"], "mode": neutral["rounding"]["mode"]},
            "grades": [
                {"grade": neutral["knockout"]["grade"],
                 "when": f'any(d.severity == "{neutral["knockout"]["severity"]}" for d in defects)'},
                *[{"grade": g, "when": f"score >= {t}"} for g, t in neutral["grades"]],
                {"grade": neutral["fallback_grade"]},
            ],
            "verdicts": [{"verdict": "rated"}],
        },
    }
    return yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=1000)


def handwritten(neutral: dict[str, Any]) -> Callable[[dict[str, Any]], tuple[float, str]]:
    """The baseline: the workload's rules as a hand-written function over prepared tuples."""
    cats = neutral["categories"]
    weights = neutral["weights"]
    total = sum(weights.values())
    thresholds = [
        (r["category"], r["measurement"], r["op"] == "<", r["value"], r["points"])
        for r in neutral["rules"]
        if r["kind"] == "threshold"
    ]
    slidings = [
        (r["category"], r["measurement"], r["lo"], r["hi"], r["points"])
        for r in neutral["rules"]
        if r["kind"] == "sliding"
    ]
    defects = [
        (r["category"], frozenset(r["codes"]), r["severity"], r["zone"], r["combine"] == "all", r["points"])
        for r in neutral["rules"]
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
