"""What compiled expressions call at run time: the missing-value signal, rounding, and helpers."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal
from typing import Any, Final


class Missing(Exception):
    """Raised when an expression reads a value the record does not have: the rule is not assessed."""


class Undefined(Missing):
    """Raised when an expression has no value (division by zero, min() of nothing)."""


class Unusual(Exception):
    """Raised by a compiled function's own input checks when a value is not of the plain expected
    kind (an int for a number, a date as text, a value out of range, a wrong type). The caller then
    validates the record with the full validator, which rejects it or normalises it."""


def number(value: Any, lo: float, hi: float) -> float:
    """A reading declared as a number: an int becomes a float; a value that is no number, not
    finite (NaN fails every comparison) or out of [lo, hi] is unusual."""
    if value.__class__ is int:
        value = float(value)
    if value.__class__ is not float or not lo <= value <= hi or value - value != 0:
        raise Unusual
    return float(value)


def to_float(value: Any) -> float:
    if value.__class__ is int:
        return float(value)
    raise Unusual


def as_date(value: Any) -> dt.date | None:
    """A record's date: a date, the date of a datetime, or ISO text (YYYY-MM-DD); else None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def to_date(value: Any) -> dt.date:
    found = as_date(value)
    if found is None:
        raise Unusual
    return found


class _MissingType:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final[Any] = _MissingType()
"""The value of an absent field in compiled code."""


def miss() -> Any:
    raise Missing


def finite(x: float) -> float:
    """x, unless it is infinite or NaN (an overflow): then the expression has no value."""
    if x - x != 0:  # infinity - infinity and NaN - NaN are NaN
        raise Undefined("the result is not a finite number")
    return x


def div(a: float, b: float) -> float:
    if b == 0:
        raise Undefined("division by zero")
    return a / b


def floordiv(a: float, b: float) -> float:
    if b == 0:
        raise Undefined("division by zero")
    return a // b


def mod(a: float, b: float) -> float:
    if b == 0:
        raise Undefined("modulo by zero")
    return a % b


def power(a: float, b: float) -> float:
    try:
        result: float | complex = a**b
    except (OverflowError, ZeroDivisionError):
        raise Undefined("power out of range") from None
    if isinstance(result, complex):
        raise Undefined("power of a negative number")
    return float(result) if isinstance(result, float) else result


def min_of(items: Iterable[Any]) -> Any:
    found = False
    best: Any = None
    for item in items:
        if not found or item < best:
            best, found = item, True
    if not found:
        raise Undefined("min() of no values")
    return best


def max_of(items: Iterable[Any]) -> Any:
    found = False
    best: Any = None
    for item in items:
        if not found or item > best:
            best, found = item, True
    if not found:
        raise Undefined("max() of no values")
    return best


def count(items: Iterable[Any]) -> int:
    return sum(1 for _ in items)


def argmin(pairs: Iterable[tuple[Any, Any]]) -> Any:
    """The item whose key is smallest; the first one on a tie."""
    found = False
    best_key: Any = None
    best: Any = None
    for key, item in pairs:
        if not found or key < best_key:
            best_key, best, found = key, item, True
    if not found:
        raise Undefined("argmin() of no values")
    return best


def argmax(pairs: Iterable[tuple[Any, Any]]) -> Any:
    """The item whose key is largest; the first one on a tie."""
    found = False
    best_key: Any = None
    best: Any = None
    for key, item in pairs:
        if not found or key > best_key:
            best_key, best, found = key, item, True
    if not found:
        raise Undefined("argmax() of no values")
    return best


def clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def interp(x: float, points: list[list[float]]) -> float:
    """Piecewise-linear through `points` ([[x, y], ...], x ascending), flat beyond both ends."""
    if not points:
        raise Undefined("interp() of no points")
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if x <= x1:
            return segment(x, x0, y0, x1, y1)
    return points[-1][1]


def segment(x: float, x0: float, y0: float, x1: float, y1: float) -> float:
    """y at x on the segment (x0, y0)-(x1, y1), computed from its zero end when it has one."""
    if x1 == x0:
        return y1
    if y0 == 0:
        return y1 * ((x - x0) / (x1 - x0))
    if y1 == 0:
        return y0 * ((x - x1) / (x0 - x1))
    return y0 + (y1 - y0) * ((x - x0) / (x1 - x0))


def days_between(a: dt.date, b: dt.date) -> int:
    return (b - a).days


def years_between(a: dt.date, b: dt.date) -> int:
    """Whole years from `a` to `b` (negative when b is before a), as an age is counted."""
    if b < a:
        return -years_between(b, a)
    years = b.year - a.year
    if (b.month, b.day) < (a.month, a.day):
        years -= 1
    return years


def startswith(text: str, prefix: str) -> bool:
    return text.startswith(prefix)


def endswith(text: str, suffix: str) -> bool:
    return text.endswith(suffix)


# -- rounding --------------------------------------------------------------------------------------

ROUNDING_MODES: Final = ("half_up", "half_even", "floor", "ceil")
_DECIMAL_MODES: Final = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "floor": ROUND_FLOOR,
    "ceil": ROUND_CEILING,
}
_SCALE: Final = tuple(10.0**p for p in range(16))
_QUANTUM: Final = tuple(Decimal(1).scaleb(-p) for p in range(16))
_WIDE: Final = Context(prec=40)
SIGNIFICANT_DIGITS: Final = 12
"""Binary noise below this many significant digits is ignored before rounding (see docs)."""


def round_value(x: float, places: int, mode: str) -> float:
    """Round `x` to `places` decimals as the decimal number it stands for.

    A float such as 2.675 is stored as 2.67499999999999982..., and 0.1 + 0.2 as 0.30000000000000004.
    qualityscore first reads the value as a decimal of 12 significant digits (2.675, 0.3), then
    rounds that decimal with the standard's mode: `half_up` (halves away from zero, as Excel and
    the Euro NCAP calculator do), `half_even` (halves to the even digit), `floor` or `ceil`.
    """
    if not math.isfinite(x):
        return x
    scale = _SCALE[places]
    y = x * scale
    if -1e12 < y < 1e12:
        low = math.floor(y)
        frac = y - low
        # Only values within a hair of a midpoint (half modes) or of a whole number (floor and
        # ceil) need the exact decimal reading below; everything else is decided here.
        if mode in ("half_up", "half_even"):
            if not -1e-6 < frac - 0.5 < 1e-6:
                n = low + 1 if frac > 0.5 else low
                return n / scale if places else float(n)
        elif frac == 0.0:
            return low / scale if places else float(low)
        elif 1e-6 < frac < 1 - 1e-6:
            n = low if mode == "floor" else low + 1
            return n / scale if places else float(n)
    if abs(x) >= 2.0**53:  # every float this large is a whole number already
        return x + 0.0
    snapped = Decimal(format(x, f".{SIGNIFICANT_DIGITS}g"))
    rounded = snapped.quantize(_QUANTUM[places], rounding=_DECIMAL_MODES[mode], context=_WIDE)
    return float(rounded) + 0.0


def make_rounder(places: int, mode: str) -> Any:
    """`round_value(x, places, mode)` as a function of x alone, with its common case inlined."""
    scale = _SCALE[places]
    floor = math.floor

    def slow(x: float) -> float:
        return round_value(x, places, mode)

    if mode in ("half_up", "half_even"):

        def rounder(x: float) -> float:
            y = x * scale
            if -1e12 < y < 1e12:
                low = floor(y)
                frac = y - low
                if frac < 0.499999:
                    return low / scale
                if frac > 0.500001:
                    return (low + 1) / scale
            return slow(x)

        return rounder

    def rounder_floor_ceil(x: float) -> float:
        y = x * scale
        if -1e12 < y < 1e12:
            low = floor(y)
            frac = y - low
            if frac == 0.0:
                return low / scale
            if 1e-6 < frac < 1 - 1e-6:
                return (low if mode == "floor" else low + 1) / scale
        return slow(x)

    return rounder_floor_ceil


def round_half_up(x: float, places: int = 0) -> float:
    """The `round()` of expressions: half away from zero, on the decimal the value stands for."""
    return round_value(x, places, "half_up")


def _to_int(x: float, mode: str) -> int:
    if not math.isfinite(x):  # an overflow upstream: no integer stands for it
        raise Undefined(f"{'round' if mode == 'half_up' else mode}() of {x}")
    return int(round_value(x, 0, mode))


def round_to_int(x: float) -> int:
    return _to_int(x, "half_up")


def floor_int(x: float) -> int:
    return _to_int(x, "floor")


def ceil_int(x: float) -> int:
    return _to_int(x, "ceil")


def item(values: list[Any], index: int) -> Any:
    try:
        return values[index]
    except IndexError:
        raise Undefined(f"no item {index} in a list of {len(values)}") from None


def or_default(value: Any, default: Any) -> Any:
    return default if value is None else value
