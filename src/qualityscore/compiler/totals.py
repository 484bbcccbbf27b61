"""The end of the generated function: category scores, the score, coverage, grade and verdict."""

from __future__ import annotations

import ast

from qualityscore.compiler.base import (
    APPLICABLE,
    COUNTS,
    MISSING,
    RAW,
    GenBase,
)
from qualityscore.compiler.templates import _tpl
from qualityscore.expr.compile import constant, strict_reads
from qualityscore.plan import OutcomePlan
from qualityscore.standard.spec import INSUFFICIENT


class RatingCode(GenBase):
    """Counters first; category scores, the overall score, rounding, grade and verdict last."""

    def counters(self) -> list[ast.stmt]:
        n = len(self.categories)
        lines = [
            f"C = [{', '.join(['0'] * len(self.plan.severities))}]",
            *[f"a{i} = 0.0\nw{i} = 0\nm{i} = 0" for i in range(n)],
        ]
        if self.mode != "fast":
            lines += ["F = []", "NA = []", "W = []"]
        if self.mode == "trace":
            lines += ["TR = []"]
        return _tpl("\n".join(lines))

    def epilogue(self) -> list[ast.stmt]:
        plan = self.plan
        out: list[ast.stmt] = []
        static = [0] * len(self.categories)
        for r in plan.rules:
            if r.when is None:
                static[self.categories.index(r.category)] += 1
        # Category scores (None when none of the category's rules was assessed).
        for i, c in enumerate(plan.categories):
            if c.mode == "deduct":
                score = f"s{i} = {c.max!r} - a{i}\n    if s{i} < 0.0:\n        s{i} = 0.0\n    elif s{i} > {c.max!r}:\n        s{i} = {c.max!r}"
            else:
                score = f"s{i} = a{i}\n    if s{i} < 0.0:\n        s{i} = 0.0\n    elif s{i} > {c.max!r}:\n        s{i} = {c.max!r}"
            out += _tpl(f"if {static[i]} + w{i} - m{i} > 0:\n    {score}\nelse:\n    s{i} = None")
        n_cat = len(self.categories)
        parts = [f"s{i}" for i in range(n_cat)]
        app = " + ".join([str(sum(static)), *[f"w{i}" for i in range(n_cat)]])
        miss = " + ".join(["0", *[f"m{i}" for i in range(n_cat)]])
        out += _tpl(f"app = {app}\nmiss = {miss}")
        for j, comp in enumerate(plan.components):
            # A component enters like a category scored out of 100 (its score as a share of the
            # most it can give: 4 stars of 5 enter as 80); one that is optional and has no data
            # is left out.
            top = comp.plan.score_max
            scaled = f"kc[{RAW}]" if top == 100.0 else f"kc[{RAW}] * {100.0 / top!r}"
            out += _tpl(
                f"""
                kc = K[{j}]
                s{n_cat + j} = {scaled} if kc[{RAW}] is not None else None
                if not ({comp.optional!r} and kc[{RAW}] is None):
                    app = app + kc[{APPLICABLE}]
                    miss = miss + kc[{MISSING}]
                """
            )
            for k, sev in enumerate(comp.plan.severities):
                if sev in self.sev_index:
                    out += _tpl(f"C[{self.sev_index[sev]}] += kc[{COUNTS}][{k}]")
            parts.append(f"s{n_cat + j}")
        out += self.overall(parts)
        rounder = self.rounder()
        out += _tpl(
            f"cov = (app - miss) / app if app else 0.0\n"
            f"sc = R(raw) if raw is not None else MISSING\n"
            f"cs = ({''.join(f'R(s{i}) if s{i} is not None else MISSING, ' for i in range(n_cat))})",
            R=rounder,
            MISSING=self.helper("MISSING"),
        )
        out += self.choose("grade", plan.grades, insufficient=True)
        out += self.choose("verdict", plan.verdicts, insufficient=False)
        ret = [
            "sc if raw is not None else None",
            "grade",
            "verdict",
            "cov",
            "("
            + "".join(f"cs[{i}] if cs[{i}] is not MISSING else None, " for i in range(n_cat))
            + ")",
            "C",
            "app",
            "miss",
            "raw",
        ]
        if self.mode == "fast":
            ret += ["None"] * 5
        else:
            ret += [
                "F",
                "NA",
                "W",
                "TR" if self.mode == "trace" else "None",
                "(gi, vi, gv, vv)" if self.mode == "trace" else "None",
            ]
        out += _tpl(f"return ({', '.join(ret)},)", MISSING=self.helper("MISSING"))
        return out

    def overall(self, parts: list[str]) -> list[ast.stmt]:
        method = self.plan.score_method
        if method == "weighted_mean":
            lines = ["num = 0\nden = 0"]
            for part, weight in zip(parts, self.plan.int_weights, strict=True):
                lines.append(
                    f"if {part} is not None:\n    num = num + {weight} * {part}\n    den = den + {weight}"
                )
            lines.append("raw = num / den if den else None")
            return _tpl("\n".join(lines))
        lines = ["raw = None"]
        for part in parts:
            if method == "min":
                lines.append(
                    f"if {part} is not None and (raw is None or {part} < raw):\n    raw = {part}"
                )
            else:
                lines.append(
                    f"if {part} is not None:\n    raw = {part} if raw is None else raw + {part}"
                )
        return _tpl("\n".join(lines))

    def choose(
        self, kind: str, items: tuple[OutcomePlan, ...], *, insufficient: bool
    ) -> list[ast.stmt]:
        """First match wins; a condition that reads missing data does not match."""
        var, index, seen = (
            kind,
            ("gi" if kind == "grade" else "vi"),
            ("gv" if kind == "grade" else "vv"),
        )
        out = _tpl(f"{var} = None\n{index} = -1\n{seen} = None")
        checks: list[ast.stmt] = []
        for n, item in enumerate(items):
            if item.when is None:
                checks += _tpl(
                    f"if {var} is None:\n    {var} = VALUE\n    {index} = {n}",
                    VALUE=constant(item.value),
                )
                continue
            strict = strict_reads(item.when.tree)
            comp = self.compiler(strict)
            test = self.missing_test(strict)
            cond = comp.compile(item.when.tree)
            record = (
                _tpl(f"{seen} = VALUES", VALUES=self.outcome_values(item))
                if self.mode == "trace"
                else []
            )
            checks += _tpl(
                f"""
                if {var} is None:
                    try:
                        if COND:
                            {var} = VALUE
                            {index} = {n}
                            RECORD
                    except h_Missing:
                        pass
                """,
                COND=ast.BoolOp(ast.And(), [ast.UnaryOp(ast.Not(), test), cond])
                if test is not None
                else cond,
                VALUE=constant(item.value),
                RECORD=record or [ast.Pass()],
                h_Missing=self.helper("Missing"),
            )
        if insufficient:
            out += _tpl(
                f"if raw is None or cov < {self.plan.min_coverage!r}:\n    {var} = INSUFFICIENT\nelse:\n    CHECKS",
                INSUFFICIENT=constant(INSUFFICIENT),
                CHECKS=checks or [ast.Pass()],
            )
        else:
            out += checks
        return out

    def outcome_values(self, item: OutcomePlan) -> ast.expr:
        pairs: list[ast.expr] = []
        for ref in item.reads:
            label = ref[1] if ref[0] != "derived" else f"derived.{ref[1]}"
            pairs.append(ast.Tuple([constant(label), self.load(ref)], ast.Load()))
        return ast.Call(self.helper("values"), pairs, [])
