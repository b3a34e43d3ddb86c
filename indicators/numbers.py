"""Numbers as text: the one place a `Decimal` becomes what a sheet, a page or a file prints.

Plain Python, no Django. Computed figures arrive already rounded by their rule set, so printing
them with two decimals changes nothing; printing truncates (never rounds up) so that a typed
value with more decimals is never shown larger than it is.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

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


def figure(value: Decimal | None, places: int = 2) -> str:
    """A score, weight or rate under its rule set's places: `9.87` with two, `9` with whole
    points (rule sets that print whole points); a value with decimals under whole points
    (a typed 8.5) keeps two decimals, so nothing typed is hidden."""
    if value is None:
        return ""
    if places == 0:
        try:
            whole = value.to_integral_value()
        except InvalidOperation:
            return two(value)
        if whole == value:
            return str(whole.quantize(Decimal(1)))
    return two(value)


def amount(value: Decimal | None) -> str:
    """An amount as printed in its sheet's unit: `1,087.50` (万元) or `387,664.62` (元), two
    decimals (a 元 amount's 分) with thousands separators."""
    if value is None:
        return ""
    try:
        return f"{value.quantize(CENT, rounding=ROUND_DOWN):,}"
    except InvalidOperation:
        return f"{value:f}"


def wan(value: Decimal | None) -> str:
    """A stored amount in 万元 as a table across sheets prints it (the 汇总表): `38.77` for
    387,664.62 元, two decimals rounded half up (the usual printed convention for 元 shown in
    万元; equal to `amount` for every amount typed in 万元 with two decimals), with thousands
    separators."""
    if value is None:
        return ""
    try:
        return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):,}"
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


# The units a sheet prints its amounts in (the values of projects.models.Sheet.AmountUnit).
# Amounts are stored in 万元 with 6 places, so a 元 amount's 分 is held exactly.
WAN, YUAN = "wan", "yuan"


def in_unit(value: Decimal | None, unit: str) -> Decimal | None:
    """A stored amount (万元) in the unit its sheet prints: × 10 000 for 元 (exact)."""
    if value is None or unit != YUAN:
        return value
    return value.scaleb(4)  # the decimal point moved: exact, whatever the context


def from_unit(value: Decimal | None, unit: str) -> Decimal | None:
    """An amount typed in the sheet's printed unit as stored (万元): ÷ 10 000 for 元 (exact;
    it fits the stored 6 places when the 元 amount has at most 2 decimals, 分)."""
    if value is None or unit != YUAN:
        return value
    return value.scaleb(-4)
