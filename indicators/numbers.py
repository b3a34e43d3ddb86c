"""Numbers as text: the one place a `Decimal` becomes what a sheet, a page or a file prints.

Plain Python, no Django. Computed figures arrive already rounded by their rule set, so printing
them with two decimals changes nothing; printing truncates (never rounds up) so that a typed
value with more decimals is never shown larger than it is.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, InvalidOperation

CENT = Decimal("0.01")


def two(value: Decimal | None) -> str:
    """A score, weight or rate as printed: `9.87`, two decimals, no grouping; "" for none."""
    if value is None:
        return ""
    try:
        return str(value.quantize(CENT, rounding=ROUND_DOWN))
    except InvalidOperation:
        # Too many digits for the context (a 30-digit number typed into a reason): as typed.
        return f"{value:f}"


def amount(value: Decimal | None) -> str:
    """An amount in 万元 as printed: `1,087.50`, two decimals with thousands separators."""
    if value is None:
        return ""
    try:
        return f"{value.quantize(CENT, rounding=ROUND_DOWN):,}"
    except InvalidOperation:
        return f"{value:f}"


def plain(value: Decimal | None) -> str:
    """A number as a person types it: `90`, `0.5`, `350000` (never `9E+1`); "" for none."""
    if value is None:
        return ""
    return format(value.normalize(), "f")
