"""The code of each rule kind: require, scale, table, defects and points formulas."""

from __future__ import annotations

import ast
import itertools

from qualityscore.compiler.analysis import (
    _body_may_raise,
    _defect_fields_read,
    _literal_or_read,
    _may_raise,
    _negate,
)
from qualityscore.compiler.base import (
    _Rule,
)
from qualityscore.compiler.inputs import InputChecks
from qualityscore.compiler.templates import _tpl
from qualityscore.expr.check import (
    Checked,
)
from qualityscore.expr.compile import ExprCompiler, Ref, constant, load_name, strict_reads
from qualityscore.expr.types import is_numeric
from qualityscore.plan import RulePlan


class RuleCode(InputChecks):
    """Derived values and rules, in the standard's order."""

    def derived(self) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for name, checked in self.plan.derived:
            target = self.load(("derived", name))
            value = self.finite(checked, self.compiler(set()).compile(checked.tree))
            assert isinstance(target, ast.Name)
            out += _tpl(
                """
                try:
                    TARGET = VALUE
                except h_Missing:
                    TARGET = h_MISSING
                """,
                TARGET=target.id,
                VALUE=value,
                h_Missing=self.helper("Missing"),
                h_MISSING=self.helper("MISSING"),
            )
        return out

    # rules ------------------------------------------------------------------------------------

    def rule(self, rule: _Rule) -> list[ast.stmt]:
        plan = rule.plan
        i = rule.cat
        body_strict = self.body_strict(plan)
        when_strict = strict_reads(plan.when.tree) if plan.when else set()
        guarded = body_strict | when_strict
        compute = self.compute(rule, guarded)
        body_test = self.missing_test(body_strict - when_strict)
        body = (
            _tpl(
                "if TEST:\n    MISSING\nelse:\n    BODY",
                TEST=body_test,
                MISSING=self.on_missing(rule),
                BODY=compute,
            )
            if body_test is not None
            else compute
        )
        if _body_may_raise(plan, guarded):
            body = _tpl(
                "try:\n    BODY\nexcept h_Missing as e:\n    MISSING",
                BODY=body,
                h_Missing=self.helper("Missing"),
                MISSING=self.on_missing(rule) + self.warn_undefined(plan),
            )
        if plan.when is None:
            return body
        when_value = self.compiler(when_strict).compile(plan.when.tree)
        when_test = self.missing_test(when_strict)
        evaluate = (
            ast.IfExp(when_test, constant(None), when_value)
            if when_test is not None
            else when_value
        )
        if _may_raise(plan.when.tree, when_strict):
            decide = _tpl(
                "try:\n    ok = EVAL\nexcept h_Missing:\n    ok = None",
                EVAL=evaluate,
                h_Missing=self.helper("Missing"),
            )
        else:
            decide = _tpl("ok = EVAL", EVAL=evaluate)
        not_applicable = (
            self.trace(rule, "not_applicable", None, constant(0.0), self.values(plan, set()))
            if self.mode == "trace"
            else []
        )
        return decide + _tpl(
            f"""
            if ok is None:
                w{i} += 1
                MISSING
            elif ok:
                w{i} += 1
                BODY
            else:
                NOT_APPLICABLE
            """,
            MISSING=self.on_missing(rule),
            BODY=body,
            NOT_APPLICABLE=not_applicable or [ast.Pass()],
        )

    def body_strict(self, plan: RulePlan) -> set[Ref]:
        """Values the rule's body reads whatever the record holds."""
        if plan.kind == "require" and isinstance(plan.require, Checked):
            return strict_reads(plan.require.tree)
        if plan.kind == "points" and isinstance(plan.points, Checked):
            return strict_reads(plan.points.tree)
        if plan.kind == "scale" and plan.scale_of is not None:
            return strict_reads(plan.scale_of.tree)
        if plan.kind == "table" and plan.rows:
            return strict_reads(plan.rows[0].when.tree)
        if plan.kind == "defects":
            return {("field", plan.defects_of)}
        return set()

    def on_missing(self, rule: _Rule) -> list[ast.stmt]:
        out = _tpl(f"m{rule.cat} += 1")
        if self.mode != "fast":
            out += _tpl("NA.append(ID)", ID=constant(rule.plan.id))
        if self.mode == "trace":
            out += self.trace(
                rule,
                "not_assessed",
                None,
                constant(0.0),
                self.values(rule.plan, set(), with_missing=True),
            )
        return out

    def warn_undefined(self, plan: RulePlan) -> list[ast.stmt]:
        if self.mode == "fast":
            return []
        return _tpl(
            "if e.args:\n    W.append(PREFIX + e.args[0])",
            PREFIX=constant(f"rule '{plan.id}' not assessed: "),
        )

    def points_expr(self, points: Checked | float, comp: ExprCompiler) -> ast.expr:
        if isinstance(points, Checked):
            return self.finite(points, comp.compile(points.tree))
        return constant(float(points))

    def finite(self, checked: Checked, value: ast.expr) -> ast.expr:
        """A computed number that must be finite (an overflow leaves the rule not assessed)."""
        if not is_numeric(checked.type) or _literal_or_read(checked.tree):
            return value
        return ast.Call(self.helper("finite"), [value], [])

    def apply(
        self,
        rule: _Rule,
        points: ast.expr,
        severity: ast.expr | None,
        outcome: str | ast.expr,
        guarded: set[Ref],
        message: ast.expr | None = None,
        values: ast.expr | None = None,
        count_severity: bool = True,
    ) -> list[ast.stmt]:
        """Add the points to the category, count the severity and record the finding."""
        i = rule.cat
        out = _tpl(f"a{i} = a{i} + P", P=points)
        if severity is not None and count_severity:
            out += self.count_severity(severity)
        if self.mode != "fast":
            # The rule's points are rounded and then signed (negative for a deduction), so that
            # a floor or ceil mode rounds how much a rule moved, whichever the direction.
            if isinstance(points, ast.Constant) and isinstance(points.value, int | float):
                reported: ast.expr = constant(self.reported(rule.sign, points.value))
            else:
                rounded = ast.Call(self.rounder(), [points], [])
                reported = (
                    ast.BinOp(ast.UnaryOp(ast.USub(), rounded), ast.Add(), constant(0.0))
                    if rule.sign < 0
                    else rounded
                )
            out += _tpl(
                "F.append(h_new(h_Finding, (ID, CAT, OUTCOME, SEV, REPORTED, MSG, VALUES)))",
                h_new=self.helper("new"),
                h_Finding=self.helper("Finding"),
                REPORTED=reported,
                ID=constant(rule.plan.id),
                CAT=constant(rule.plan.category),
                OUTCOME=constant(outcome) if isinstance(outcome, str) else outcome,
                SEV=severity if severity is not None else constant(None),
                MSG=message if message is not None else self.msg(rule.message),
                VALUES=values if values is not None else self.values(rule.plan, guarded),
            )
            out += self.trace(
                rule,
                outcome,
                severity,
                reported,
                values if values is not None else self.values(rule.plan, guarded),
                message,
            )
        return out

    def compute(self, rule: _Rule, guarded: set[Ref]) -> list[ast.stmt]:
        plan = rule.plan
        comp = self.compiler(guarded)
        kind = plan.kind
        sev = constant(plan.severity) if plan.severity else None
        outcome = "fail" if plan.severity else "points"
        if kind == "require":
            assert isinstance(plan.require, Checked)
            failed = _negate(comp.compile(plan.require.tree))
            passed = self.passed(rule, guarded)
            if isinstance(plan.points, Checked):
                apply = _tpl("p = POINTS", POINTS=self.points_expr(plan.points, comp))
                apply += self.apply(rule, load_name("p"), sev, "fail", guarded)
            else:
                apply = self.apply(rule, constant(float(plan.points)), sev, "fail", guarded)
            return [ast.If(failed, apply, passed)]
        if kind == "points":
            return _tpl(
                "p = POINTS\nif p != 0:\n    APPLY\nelse:\n    PASSED",
                POINTS=self.points_expr(plan.points, comp),
                APPLY=self.apply(rule, load_name("p"), sev, outcome, guarded),
                PASSED=self.passed(rule, guarded) or [ast.Pass()],
            )
        if kind == "scale":
            assert plan.scale_of is not None
            of = self.finite(plan.scale_of, comp.compile(plan.scale_of.tree))
            x = of if isinstance(of, ast.Name) else load_name("x")  # a plain reading needs no copy
            assign = [] if x is of else [ast.Assign([ast.Name("x", ast.Store())], of)]
            points = ast.Assign([ast.Name("p", ast.Store())], self.scale(x, plan.scale_points))
            if self.mode == "fast":  # adding 0.0 changes nothing: no test needed
                return [*assign, points, *_tpl(f"a{rule.cat} = a{rule.cat} + p")]
            return [
                *assign,
                points,
                *_tpl(
                    "if p != 0:\n    APPLY\nelse:\n    PASSED",
                    APPLY=self.apply(rule, load_name("p"), sev, outcome, guarded),
                    PASSED=self.passed(rule, guarded) or [ast.Pass()],
                ),
            ]
        if kind == "table":
            return self.table(rule, comp, guarded)
        return self.defects(rule, comp, guarded)

    def scale(self, x: ast.expr, points: tuple[tuple[float, float], ...]) -> ast.expr:
        """Piecewise-linear, clamped, as one conditional expression of `x`; each segment is
        computed from its zero end (as a person would write it)."""
        (x_first, p_first), (x_last, p_last) = points[0], points[-1]
        segments = list(itertools.pairwise(points))
        value = self.segment(x, *segments[-1][0], *segments[-1][1])
        for (x0, y0), (x1, y1) in reversed(segments[:-1]):
            value = ast.IfExp(
                ast.Compare(x, [ast.LtE()], [constant(x1)]), self.segment(x, x0, y0, x1, y1), value
            )
        value = ast.IfExp(ast.Compare(x, [ast.GtE()], [constant(x_last)]), constant(p_last), value)
        return ast.IfExp(ast.Compare(x, [ast.LtE()], [constant(x_first)]), constant(p_first), value)

    @staticmethod
    def segment(x: ast.expr, x0: float, y0: float, x1: float, y1: float) -> ast.expr:
        if y0 == 0:  # y1 * ((x - x0) / (x1 - x0))
            frac = ast.BinOp(ast.BinOp(x, ast.Sub(), constant(x0)), ast.Div(), constant(x1 - x0))
            return ast.BinOp(constant(y1), ast.Mult(), frac)
        if y1 == 0:  # y0 * ((x - x1) / (x0 - x1))
            frac = ast.BinOp(ast.BinOp(x, ast.Sub(), constant(x1)), ast.Div(), constant(x0 - x1))
            return ast.BinOp(constant(y0), ast.Mult(), frac)
        frac = ast.BinOp(ast.BinOp(x, ast.Sub(), constant(x0)), ast.Div(), constant(x1 - x0))
        return ast.BinOp(constant(y0), ast.Add(), ast.BinOp(constant(y1 - y0), ast.Mult(), frac))

    def table(self, rule: _Rule, comp: ExprCompiler, guarded: set[Ref]) -> list[ast.stmt]:
        plan = rule.plan
        slots = [self.message_slot() if row.message else rule.message for row in plan.rows]
        self.row_messages.extend(
            (slot, row.message) for slot, row in zip(slots, plan.rows, strict=True) if row.message
        )
        if plan.hit == "first":
            chain: list[ast.stmt] = self.passed(rule, guarded) or [ast.Pass()]
            for row, slot in reversed(list(zip(plan.rows, slots, strict=True))):
                sev = constant(row.severity) if row.severity else None
                outcome = "fail" if row.severity else "points"
                points = self.points_expr(row.points, comp)
                apply = _tpl("p = POINTS", POINTS=points)
                apply_inner = self.apply(
                    rule, load_name("p"), sev, outcome, guarded, self.msg(slot)
                )
                if row.severity:
                    apply += apply_inner
                else:
                    apply += _tpl(
                        "if p != 0:\n    APPLY\nelse:\n    PASSED",
                        APPLY=apply_inner,
                        PASSED=self.passed(rule, guarded) or [ast.Pass()],
                    )
                chain = [ast.If(comp.compile(row.when.tree), apply, chain)]
            return chain
        # 'sum' and 'max': evaluate every row, then apply once.
        out = _tpl("p = 0.0\ns = -1\nhit = -1\nbest = None")
        for n, row in enumerate(plan.rows):
            sev_rank = self.sev_index[row.severity] if row.severity else -1
            points = self.points_expr(row.points, comp)
            if plan.hit == "sum":
                update = _tpl(
                    f"p = p + POINTS\nif {sev_rank} > s:\n    s = {sev_rank}\nif hit < 0:\n    hit = {n}",
                    POINTS=points,
                )
            else:
                update = _tpl(
                    f"q = POINTS\nif best is None or q > best:\n    best = q\n    p = q\n    s = {sev_rank}\n    hit = {n}",
                    POINTS=points,
                )
            out.append(ast.If(comp.compile(row.when.tree), update, []))
        sev_name = ast.Subscript(self.const(self.plan.severities), load_name("s"), ast.Load())
        sev_expr = ast.IfExp(
            ast.Compare(load_name("s"), [ast.GtE()], [constant(0)]), sev_name, constant(None)
        )
        row_msgs = self.const(tuple(slots))
        message = ast.Subscript(
            load_name("T"), ast.Subscript(row_msgs, load_name("hit"), ast.Load()), ast.Load()
        )
        # the outcome is 'points' when no matched row carries a severity
        fired = ast.IfExp(
            ast.Compare(load_name("s"), [ast.GtE()], [constant(0)]),
            constant("fail"),
            constant("points"),
        )
        outcome_apply = self.apply(
            rule,
            load_name("p"),
            load_name("sevname"),
            fired,
            guarded,
            message,
            count_severity=False,
        )
        out += _tpl(
            """
            if hit >= 0 and (p != 0 or s >= 0):
                sevname = SEV
                if s >= 0:
                    C[s] += 1
                APPLY
            else:
                PASSED
            """,
            SEV=sev_expr,
            APPLY=outcome_apply,
            PASSED=self.passed(rule, guarded) or [ast.Pass()],
        )
        return out

    def fuse_defect_loops(self, rules: list[_Rule]) -> list[ast.stmt]:
        """One loop over the recorded defects for every defects rule that reads the same list.

        Only rules without `when` whose conditions cannot fail are fused (each keeps its own
        total, added to its category at its own place, so the arithmetic is unchanged); the
        defects are also checked in this loop rather than in one of their own.
        """
        groups: dict[str, list[_Rule]] = {}
        for rule in rules:
            plan = rule.plan
            source: Ref = ("field", plan.defects_of)
            if plan.kind == "defects" and plan.when is None and not _body_may_raise(plan, {source}):
                groups.setdefault(plan.defects_of, []).append(rule)
        out: list[ast.stmt] = []
        for path, members in groups.items():
            if len(members) < 2:
                continue
            source_expr = self.load(("field", path))
            assert isinstance(source_expr, ast.Name)
            d = self.fresh("d")
            body: list[ast.stmt] = []
            hoisted: dict[tuple[str, str], str] = {}
            if path in self.inputs and self.inputs[path][0].type == "defects":
                self.fused_sources.add(source_expr.id)
                code, sev = self.fresh("dc"), self.fresh("ds")
                body += self.defect_checks(d, *self.inputs[path], code=code, sev=sev)
                hoisted = {(d, "code"): code, (d, "severity"): sev}
            start: list[ast.stmt] = []
            for rule in members:
                total, hits = self.fresh("t"), self.fresh("h")
                self.fused[rule.plan.index] = (total, hits)
                start += _tpl(f"{total} = 0.0")
                if self.mode != "fast":
                    start += _tpl(f"{hits} = []")
                guarded: set[Ref] = {("field", path)}
                inner = self.compiler(guarded, {"defect": d})
                inner.hoisted = hoisted
                body += self.defect_match(rule, inner, d, total, hits, hoisted.get((d, "severity")))
            loop = ast.For(ast.Name(d, ast.Store()), source_expr, body, [])
            out += _tpl(
                "if SOURCE is not h_MISSING:\n    START\n    LOOP",
                SOURCE=source_expr,
                h_MISSING=self.helper("MISSING"),
                START=start,
                LOOP=[loop],
            )
        return out

    def defect_match(
        self,
        rule: _Rule,
        inner: ExprCompiler,
        d: str,
        total: str,
        hits: str,
        severity_local: str | None = None,
    ) -> list[ast.stmt]:
        """`if WHERE: q = POINTS; cap; total += q; record the hit` for one defect `d`."""
        plan = rule.plan
        where = inner.compile(plan.defects_where.tree) if plan.defects_where else constant(True)
        severity: ast.expr = (
            load_name(severity_local)
            if severity_local
            else ast.Subscript(load_name(d), constant("severity"), ast.Load())
        )
        if isinstance(plan.defects_points, dict):
            points: ast.expr = ast.Subscript(self.const(plan.defects_points), severity, ast.Load())
        else:
            points = self.points_expr(plan.defects_points, inner)
        cap = (
            _tpl(
                f"if {total} + q > CAP:\n    q = CAP - {total} if CAP > {total} else 0.0",
                CAP=constant(plan.cap),
            )
            if plan.cap is not None
            else []
        )
        record = (
            _tpl(f"{hits}.append((D, q))", D=d)
            if self.mode != "fast"
            else _tpl("C[SEVIDX[S]] += 1", SEVIDX=self.sev_index_const(), S=severity)
        )
        if not cap and isinstance(points, ast.Constant) and self.mode == "fast":
            return _tpl(
                f"if WHERE:\n    {total} = {total} + POINTS\n    RECORD",
                WHERE=where,
                POINTS=points,
                RECORD=record,
            )
        return _tpl(
            f"if WHERE:\n    q = POINTS\n    CAP\n    {total} = {total} + q\n    RECORD",
            WHERE=where,
            POINTS=points,
            CAP=cap or [ast.Pass()],
            RECORD=record,
        )

    def defects(self, rule: _Rule, comp: ExprCompiler, guarded: set[Ref]) -> list[ast.stmt]:
        plan = rule.plan
        fused = self.fused.get(plan.index)
        if fused is not None:
            var = self.fresh("d")
            loop = _tpl(f"tot = {fused[0]}")
            if self.mode != "fast":
                loop += _tpl(f"hits = {fused[1]}")
        else:
            var = self.fresh("d")
            loop = _tpl(
                "tot = 0.0\nHITS\nfor D in SOURCE:\n    MATCH",
                HITS=_tpl("hits = []") if self.mode != "fast" else [ast.Pass()],
                D=var,
                SOURCE=self.load(("field", plan.defects_of)),
                MATCH=self.defect_match(
                    rule, self.compiler(guarded, {"defect": var}), var, "tot", "hits"
                ),
            )
        d = load_name(var)
        severity = ast.Subscript(d, constant("severity"), ast.Load())
        i = rule.cat
        if self.mode == "fast":
            return [*loop, *_tpl(f"if tot != 0:\n    a{i} = a{i} + tot")]
        # The values a defect finding read: the defect's code, severity and every defect field
        # the rule looks at, then the record fields it reads.
        keys: list[ast.expr | None] = []
        items: list[ast.expr] = []
        for key in _defect_fields_read(plan):
            keys.append(constant(f"defect.{key}"))
            items.append(
                ast.Subscript(d, constant(key), ast.Load())
                if key in ("code", "severity")
                else ast.Call(ast.Attribute(d, "get", ast.Load()), [constant(key)], [])
            )
        for ref in plan.reads:
            if ref[0] != "context" and ref != ("field", plan.defects_of):
                keys.append(constant(self.ref_label(ref)))
                items.append(self.load(ref))
        values = ast.Dict(keys, items)
        message = ast.Call(self.helper("defect_message"), [self.msg(rule.message), d], [])
        signed: ast.expr
        points_spec = plan.defects_points
        if plan.cap is None and isinstance(points_spec, float | int):
            # every hit moves the same points: report them rounded once, here
            signed = constant(self.reported(rule.sign, float(points_spec)))
        elif plan.cap is None and isinstance(points_spec, dict):
            table = {sev: self.reported(rule.sign, p) for sev, p in points_spec.items()}
            signed = ast.Subscript(self.const(table), severity, ast.Load())
        else:
            rounded = ast.Call(self.rounder(), [load_name("q")], [])
            signed = (
                ast.BinOp(ast.UnaryOp(ast.USub(), rounded), ast.Add(), constant(0.0))
                if rule.sign < 0
                else rounded
            )
        finding = _tpl(
            """
            for D, q in hits:
                C[SEVIDX[SEV]] += 1
                F.append(h_new(h_Finding, (ID, CAT, 'defect', SEV, SIGNED, MSG, VALUES)))
                TRACE
            """,
            D=var,
            SEVIDX=self.sev_index_const(),
            SEV=severity,
            h_new=self.helper("new"),
            h_Finding=self.helper("Finding"),
            h_R=self.rounder(),
            ID=constant(plan.id),
            CAT=constant(plan.category),
            SIGNED=signed,
            MSG=message,
            VALUES=values,
            TRACE=self.trace(rule, "defect", severity, signed, values, message) or [ast.Pass()],
        )
        return [
            *loop,
            *_tpl(f"if tot != 0:\n    a{i} = a{i} + tot"),
            *finding,
            *_tpl("if not hits:\n    PASSED", PASSED=self.passed(rule, guarded) or [ast.Pass()]),
        ]

    # the rating -------------------------------------------------------------------------------
