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


def exact(value: Decimal | None) -> Decimal | None:
    """A stored amount (万元, 6 places) with the places it needs: 2 when that is exact (the
    seed's 1327.50), else every place it has (an amount printed in 元 keeps its 分:
    38.766462). Used wherever an amount is shown or compared as text."""
    if value is None:
        return None
    cents = value.quantize(Decimal("0.01"))
    return cents if cents == value else value.normalize()
