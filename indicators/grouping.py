"""Rows grouped as the form groups them (docs/rules.md §2.1), as plain Python.

The official sheet merges the 一级指标 and 二级指标 cells over consecutive rows, so a level's
rows must stand together or the level prints as several blocks. Every writer (the editor's
save, an import, a copy of last year's sheet) stores the rows in `grouped` order; the engine
reports a sheet on record whose rows are not grouped (`scattered_levels`, the finding
`rows_not_grouped`), which its next save puts right.

Both work on plain values: `grouped` on each row's place in the catalogue (the positions of its
level 1 in the scheme and of its level 2 within that level 1), `scattered_levels` on the level
names the sheet prints. Nothing here reads the database.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

T = TypeVar("T")

# A level's place in the catalogue: anything that orders, e.g. (position, id); None: no level.
Rank = tuple[int, ...]
Place = tuple[Rank | None, Rank | None]


def sort_key(place: Place) -> tuple:
    """The order rows are kept in: level 1 in the scheme's order, then level 2 in the
    catalogue's order within its level 1; a row with a level 1 but no level 2 after its level
    1's groups; a row with no level 1 after every group. Equal keys keep the clerk's order
    (`grouped` sorts stably)."""
    level1, level2 = place
    if level1 is None:
        return (1,)
    if level2 is None:
        return (0, level1, 1)
    return (0, level1, 0, level2)


def place_of(level1, level2) -> Place:
    """A row's place from its catalogue levels: objects with a `position` (in the scheme, or
    within the level 1) and a `pk` that breaks a tie; None for a level the row has not. A
    level 2 brings its own level 1 (`level2.level1`) when the row names none."""
    if level1 is None and level2 is not None:
        level1 = level2.level1
    return (
        None if level1 is None else (level1.position, level1.pk),
        None if level2 is None else (level2.position, level2.pk),
    )


def grouped(items: Sequence[T], place: Callable[[T], Place]) -> list[T]:
    """The items (rows) in the order the sheet keeps them: by `sort_key` of their place, the
    clerk's order within one group. A stable sort, so rows already grouped do not move and
    grouping twice changes nothing."""
    return sorted(items, key=lambda item: sort_key(place(item)))


def is_grouped(places: Sequence[Place]) -> bool:
    """Whether rows at these places are already in the order `grouped` keeps."""
    keys = [sort_key(place) for place in places]
    return all(a <= b for a, b in zip(keys, keys[1:], strict=False))


def runs(values: Sequence[Hashable]) -> list[tuple[Hashable, int]]:
    """Consecutive equal values as (value, index of the run's first item)."""
    found: list[tuple[Hashable, int]] = []
    for index, value in enumerate(values):
        if not found or found[-1][0] != value:
            found.append((value, index))
    return found


def scattered_levels(levels: Sequence[tuple[str, str]]) -> tuple[list[str], int | None]:
    """The level names whose rows do not stand together, and the first row (0-based) that
    starts a second block of one of them; ([], None) when every level prints as one block.

    `levels` is each row's (一级指标, 二级指标) names. A 二级指标 is scattered when its rows
    (under the same 一级指标) are not consecutive; a 一级指标 when the rows that carry a
    二级指标 under it are not consecutive, counting every row between them (a row with no
    二级指标 left in the middle splits its block too). A 一级指标 is named only when none of
    its 二级指标 is, since one stray row would otherwise be named twice; the first row is the
    earliest second block of either level. Rows with no 二级指标 at all (a sheet read without
    levels) are never reported."""
    named = {pair for pair in levels if pair[1]}
    level1s_with_level2 = {level1 for level1, _level2 in named}
    scattered2: list[tuple[str, str]] = []
    scattered1: list[str] = []
    first: int | None = None
    for pair, start in _second_blocks(list(levels), named):
        if pair not in scattered2:
            scattered2.append(pair)
        first = start if first is None else min(first, start)
    for level1, start in _second_blocks(
        [pair[0] if pair[0] in level1s_with_level2 else None for pair in levels],
        level1s_with_level2,
    ):
        first = start if first is None else min(first, start)
        if level1 not in scattered1 and not any(p[0] == level1 for p in scattered2):
            scattered1.append(level1)
    names = [level2 for _level1, level2 in scattered2] + scattered1
    return names, first


def _second_blocks(values: list, of: set) -> list[tuple[Hashable, int]]:
    """(value, first index of a second or later block) for each value of `of` that occurs in
    more than one run of `values`."""
    seen: set = set()
    found = []
    for value, start in runs(values):
        if value not in of:
            continue
        if value in seen:
            found.append((value, start))
        seen.add(value)
    return found
