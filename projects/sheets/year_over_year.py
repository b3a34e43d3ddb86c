"""Year over year: last year's target, actual and score beside each row of a sheet.

The sheet of the year before is the project's sheet of `year - 1`, in any state (the one
`selectors.previous_sheet` finds: a project is unique by unit and name). Its rows are matched
to this year's rows by indicator name (exact, after trimming; a name used twice is matched in
order), then by position among the rows left unmatched on both sides (the first left this
year takes the first left last year). Last year's figures print as last year's sheet prints
them: they are read from that sheet's own view-model (its rule set's decimals, its units).

`selectors.year_over_year(sheet)` reads last year's sheet in a fixed number of queries and
hands it here; the sheet page and the editor show the result on screen only (never in the
PDF or the Excel file). docs/year-over-year.md describes it.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field

from indicators.models import RuleSet
from projects.models import Sheet

from .view_model import RowView, build_sheet_view


@dataclass(frozen=True)
class Previous:
    """Last year's row matched to one of this year's rows, its figures as printed."""

    number: int  # last year's row number, counting from 1
    name: str
    target: str
    actual: str
    score: str
    # Matched by position among the unmatched rows, not by its name.
    by_position: bool


@dataclass(frozen=True)
class YearOverYear:
    """Last year's sheet and its rows, by this year's row id."""

    sheet_id: int
    year: int
    rows: dict[int, Previous] = field(default_factory=dict)

    def get(self, row_id: int | None) -> Previous | None:
        return None if row_id is None else self.rows.get(row_id)

    @property
    def matched_by_name(self) -> int:
        return sum(1 for p in self.rows.values() if not p.by_position)

    @property
    def matched_by_position(self) -> int:
        return sum(1 for p in self.rows.values() if p.by_position)


def match(this_year: list[str], last_year: list[str]) -> dict[int, tuple[int, bool]]:
    """This year's row index → (last year's row index, matched by position?).

    By name first (trimmed; a blank name matches nothing by name; a name used several times
    is matched in order), then the rows left on both sides in order."""
    by_name: dict[str, deque[int]] = defaultdict(deque)
    for j, name in enumerate(last_year):
        if name.strip():
            by_name[name.strip()].append(j)
    pairs: dict[int, tuple[int, bool]] = {}
    for i, name in enumerate(this_year):
        waiting = by_name.get(name.strip())
        if waiting:
            pairs[i] = (waiting.popleft(), False)
    taken = {j for j, _by_position in pairs.values()}
    left_this_year = [i for i in range(len(this_year)) if i not in pairs]
    left_last_year = [j for j in range(len(last_year)) if j not in taken]
    for i, j in zip(left_this_year, left_last_year, strict=False):
        pairs[i] = (j, True)
    return pairs


def compare(
    sheet: Sheet, previous: Sheet | None, rule_set: RuleSet | None = None
) -> YearOverYear | None:
    """Last year's figures beside each stored row of `sheet`; None without a previous sheet.

    Both sheets are expected with their rows prefetched (`selectors.sheet_queryset`), and
    `previous` with the budget lines its view-model reads; `rule_set` is the previous sheet's
    (`rule_set_for`), looked up when not given. No query is made here but that lookup."""
    if previous is None:
        return None
    rows = list(sheet.indicators.all())
    last: tuple[RowView, ...] = build_sheet_view(previous, rule_set).rows
    pairs = match([row.name for row in rows], [row.name for row in last])
    matched = {}
    for i, (j, by_position) in pairs.items():
        old = last[j]
        matched[rows[i].pk] = Previous(
            number=old.number,
            name=old.name,
            target=old.target,
            actual=old.actual,
            score=old.score_text,
            by_position=by_position,
        )
    return YearOverYear(sheet_id=previous.pk, year=previous.year, rows=matched)
