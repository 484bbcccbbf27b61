"""Rounding reads a float as the decimal it stands for, with the standard's mode; the fast rounder agrees."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualityscore.expr.runtime import make_rounder, round_value

MODES = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "floor": ROUND_FLOOR,
    "ceil": ROUND_CEILING,
}


@pytest.mark.parametrize(
    ("x", "places", "mode", "expected"),
    [
        (2.675, 2, "half_up", 2.68),  # the binary float is 2.67499999...; the decimal is 2.675
        (2.665, 2, "half_even", 2.66),
        (0.1 + 0.2, 1, "floor", 0.3),  # 0.30000000000000004
        (0.29 * 100, 0, "floor", 29.0),  # 28.999999999999996
        (-2.5, 0, "half_up", -3.0),  # halves away from zero, as Excel
        (-2.5, 0, "half_even", -2.0),
        (-86.56, 1, "floor", -86.6),
        (82.25, 1, "ceil", 82.3),
        (1e13 + 0.5, 0, "half_even", 1e13),
        (-0.0, 1, "half_up", 0.0),
    ],
)
def test_decimal_rounding(x: float, places: int, mode: str, expected: float) -> None:
    assert round_value(x, places, mode) == expected
    assert make_rounder(places, mode)(x) == expected


@given(
    st.decimals(
        min_value=-(10**6), max_value=10**6, places=4, allow_nan=False, allow_infinity=False
    ),
    st.integers(0, 3),
    st.sampled_from(sorted(MODES)),
)
def test_a_short_decimal_rounds_as_decimal_arithmetic_says(
    value: Decimal, places: int, mode: str
) -> None:
    expected = float(value.quantize(Decimal(1).scaleb(-places), rounding=MODES[mode]))
    assert round_value(float(value), places, mode) == expected


@given(
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.integers(0, 6),
    st.sampled_from(sorted(MODES)),
)
def test_the_fast_rounder_agrees_with_round_value(x: float, places: int, mode: str) -> None:
    assert make_rounder(places, mode)(x) == round_value(x, places, mode)
