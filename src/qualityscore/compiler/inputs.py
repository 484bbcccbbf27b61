"""The generated function's own checks of a record's inputs (pydantic-core decides the unusual)."""

from __future__ import annotations

import ast
import sys
from typing import Any

from qualityscore.compiler.base import (
    GenBase,
)
from qualityscore.compiler.templates import _tpl
from qualityscore.expr.compile import constant, load_name
from qualityscore.standard.spec import InputSpec


class InputChecks(GenBase):
    """Checks of every declared input, loading those the rules read into locals."""

    def prologue(self) -> list[ast.stmt]:
        """Check every declared input and load the ones the rules read into locals (MISSING if absent).

        The checks accept only plain values (a float in range, a str of an enum, a list of defect
        mappings ...) and raise `Unusual` for anything else; the caller then runs the full
        validator, which gives the exact error or a normalised record to score.
        """
        out: list[ast.stmt] = []
        groups: dict[str, str] = {}
        empty = self.const({})

        def group(path: str) -> ast.expr:
            if not path:
                return load_name("r")
            if path not in groups:
                parent, _, key = path.rpartition(".")
                source = group(parent)
                ident = groups[path] = self.fresh("g")
                out.extend(
                    _tpl(
                        f"{ident} = SOURCE.get(KEY, EMPTY)\nif {ident}.__class__ is not dict:\n    raise h_Unusual",
                        SOURCE=source,
                        KEY=constant(key),
                        EMPTY=empty,
                        h_Unusual=self.helper("Unusual"),
                    )
                )
            return load_name(groups[path])

        used = {key: ident for (kind, key), ident in self.locals.items() if kind == "field"}
        for path, (spec, severities) in self.inputs.items():
            parent, _, leaf = path.rpartition(".")
            ident = used.get(path) or self.fresh("u")
            out += _tpl(
                f"{ident} = SOURCE.get(KEY, h_MISSING)",
                SOURCE=group(parent),
                KEY=constant(leaf),
                h_MISSING=self.helper("MISSING"),
            )
            out += self.check_input(ident, spec, severities)
        return out

    def check_input(
        self, ident: str, spec: InputSpec, severities: tuple[str, ...]
    ) -> list[ast.stmt]:
        unusual = self.helper("Unusual")
        if spec.type == "number" and not spec.required and spec.default is None:
            # the common case in one test: a float in range passes, anything else is converted
            # (an integer) or unusual
            # without a declared range, the largest floats: infinity and NaN fail the test too
            lo = -sys.float_info.max if spec.min is None else spec.min
            hi = sys.float_info.max if spec.max is None else spec.max
            return _tpl(
                f"if {ident} is not h_MISSING and ({ident}.__class__ is not float or not LO <= {ident} <= HI):\n"
                f"    {ident} = h_number({ident}, LO, HI)",
                h_MISSING=self.helper("MISSING"),
                h_number=self.helper("number"),
                LO=constant(lo),
                HI=constant(hi),
            )
        checks = self.check_value(ident, spec.type, spec, severities)
        if spec.required:
            absent = _tpl("raise h_Unusual", h_Unusual=unusual)
        elif spec.default is not None:
            default = float(spec.default) if spec.type == "number" else spec.default
            absent = _tpl(f"{ident} = DEFAULT", DEFAULT=self.literal(default))
        else:
            absent = []
        if not absent:
            return _tpl(
                f"if {ident} is not h_MISSING:\n    CHECKS",
                h_MISSING=self.helper("MISSING"),
                CHECKS=checks or [ast.Pass()],
            )
        return _tpl(
            f"if {ident} is not h_MISSING:\n    CHECKS\nelse:\n    ABSENT",
            h_MISSING=self.helper("MISSING"),
            CHECKS=checks or [ast.Pass()],
            ABSENT=absent,
        )

    def check_value(
        self, ident: str, kind: str, spec: Any, severities: tuple[str, ...] = ()
    ) -> list[ast.stmt]:
        unusual = self.helper("Unusual")
        lo = getattr(spec, "min", None)
        hi = getattr(spec, "max", None)
        if kind == "number":
            out = _tpl(
                f"if {ident}.__class__ is not float:\n    {ident} = h_to_float({ident})",
                h_to_float=self.helper("to_float"),
            )
            return out + self.range_check(ident, lo, hi, finite=True)
        if kind == "integer":
            out = _tpl(f"if {ident}.__class__ is not int:\n    raise h_Unusual", h_Unusual=unusual)
            return out + self.range_check(ident, lo, hi, finite=False)
        if kind in ("text", "boolean"):
            cls = "str" if kind == "text" else "bool"
            return _tpl(
                f"if {ident}.__class__ is not {cls}:\n    raise h_Unusual", h_Unusual=unusual
            )
        if kind == "enum":
            return _tpl(
                f"if {ident}.__class__ is not str or {ident} not in VALUES:\n    raise h_Unusual",
                VALUES=constant(frozenset(spec.values or ())),
                h_Unusual=unusual,
            )
        if kind == "date":
            return _tpl(
                f"if {ident}.__class__ is not h_date:\n    {ident} = h_to_date({ident})",
                h_date=self.helper("date"),
                h_to_date=self.helper("to_date"),
            )
        return self.check_defects(ident, spec, severities)

    def range_check(
        self, ident: str, lo: float | None, hi: float | None, *, finite: bool
    ) -> list[ast.stmt]:
        unusual = self.helper("Unusual")
        if lo is not None and hi is not None:
            test = f"not ({lo!r} <= {ident} <= {hi!r})"
        elif lo is not None:
            test = f"not ({ident} >= {lo!r})"
        elif hi is not None:
            test = f"not ({ident} <= {hi!r})"
        elif finite:
            test = f"{ident} - {ident} != 0.0"  # NaN and infinity
        else:
            return []
        return _tpl(f"if {test}:\n    raise h_Unusual", h_Unusual=unusual)

    def check_defects(
        self, ident: str, spec: InputSpec, severities: tuple[str, ...]
    ) -> list[ast.stmt]:
        unusual = self.helper("Unusual")
        out = _tpl(f"if {ident}.__class__ is not list:\n    raise h_Unusual", h_Unusual=unusual)
        if ident in self.fused_sources:
            return out  # each defect is checked in the fused loop over the defects
        d = self.fresh("d")
        loop = ast.For(
            ast.Name(d, ast.Store()), load_name(ident), self.defect_checks(d, spec, severities), []
        )
        return [*out, loop]

    def defect_checks(
        self, d: str, spec: InputSpec, severities: tuple[str, ...], code: str = "c", sev: str = "c"
    ) -> list[ast.stmt]:
        """The checks of one recorded defect (a mapping with a code, a known severity ...).

        The code and severity are left in the locals `code` and `sev`.
        """
        unusual = self.helper("Unusual")
        lines = [
            f"if {d}.__class__ is not dict:\n    raise h_Unusual",
            f"{code} = {d}.get('code')\nif {code}.__class__ is not str or not {code}:\n    raise h_Unusual",
            f"{sev} = {d}.get('severity')\nif {sev}.__class__ is not str or {sev} not in SEVERITIES:\n    raise h_Unusual",
            f"c = {d}.get('count', 1)\nif c.__class__ is not int or c < 1:\n    raise h_Unusual",
        ]
        out = _tpl("\n".join(lines), SEVERITIES=constant(frozenset(severities)), h_Unusual=unusual)
        optional: list[tuple[str, str, Any, bool]] = [
            ("area", "text", None, False),
            ("description", "text", None, False),
        ]
        optional += [(name, f.type, f, f.required) for name, f in (spec.fields or {}).items()]
        for name, kind, field_spec, required in optional:
            value = self.fresh("e")
            check = self.check_value(value, kind, field_spec)
            if kind in ("number", "date"):
                # a normalised value would have to be written back: leave those to the validator
                check = _tpl(
                    f"if {value}.__class__ is not float:\n    raise h_Unusual"
                    if kind == "number"
                    else f"if {value}.__class__ is not h_date:\n    raise h_Unusual",
                    h_Unusual=unusual,
                    h_date=self.helper("date"),
                ) + (
                    self.range_check(
                        value,
                        getattr(field_spec, "min", None),
                        getattr(field_spec, "max", None),
                        finite=True,
                    )
                    if kind == "number"
                    else []
                )
            out += _tpl(
                f"{value} = {d}.get(KEY, h_MISSING)\nif {value} is not h_MISSING:\n    CHECK\nelse:\n    ABSENT",
                KEY=constant(name),
                h_MISSING=self.helper("MISSING"),
                CHECK=check or [ast.Pass()],
                ABSENT=_tpl("raise h_Unusual", h_Unusual=unusual) if required else [ast.Pass()],
            )
        return out
