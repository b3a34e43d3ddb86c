"""Rows grouped as the form groups them (docs/rules.md §2.1): the order every writer keeps
(`indicators.grouping.grouped`) and the engine's warning for a sheet on record that is not
grouped (`rows_not_grouped`). Plain Python, no database."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from indicators.catalogue import SCHEMES
from indicators.findings import Code, Severity
from indicators.grouping import grouped, is_grouped, place_of, runs, scattered_levels, sort_key
from indicators.scoring import IndicatorInput, SheetInput, evaluate

TREE = SCHEMES["2020"]


def name_of(place) -> tuple[str, str]:
    """The printed (一级指标, 二级指标) names of a place in the 2020 scheme."""
    level1, level2 = place
    if level1 is None:
        return ("", "")
    parent, children = TREE[level1[0]]
    return (parent, "" if level2 is None else children[level2[0]])


# A row's place: a level 2 of the 2020 scheme, a level 1 alone (an imported name the scheme
# lacks), or nothing; each row numbered so that its identity survives the sort.
level2_places = st.integers(0, len(TREE) - 1).flatmap(
    lambda i: st.integers(0, len(TREE[i][1]) - 1).map(lambda j: ((i, 0), (j, 0)))
)
places = st.one_of(
    level2_places,
    st.integers(0, len(TREE) - 1).map(lambda i: ((i, 0), None)),
    st.just((None, None)),
)
sheets = st.lists(places, max_size=40).map(lambda ps: list(enumerate(ps)))


def place(row):
    return row[1]


@given(sheets)
def test_grouping_is_a_permutation_of_the_rows(rows):
    assert sorted(grouped(rows, place)) == sorted(rows)


@given(sheets)
def test_grouping_twice_changes_nothing(rows):
    once = grouped(rows, place)
    assert grouped(once, place) == once
    assert is_grouped([place(row) for row in once])


@given(sheets)
def test_rows_of_one_group_keep_the_clerks_order(rows):
    result = grouped(rows, place)
    for key in {sort_key(place(row)) for row in rows}:
        assert [r for r in result if sort_key(place(r)) == key] == [
            r for r in rows if sort_key(place(r)) == key
        ]


@given(sheets)
def test_no_group_is_split_and_the_groups_follow_the_scheme(rows):
    result = grouped(rows, place)
    levels = [name_of(place(row)) for row in result]
    keys = [sort_key(place(row)) for row in result]
    assert keys == sorted(keys)
    # Each 二级 and each 一级 prints as one block: no name comes back after another's.
    assert len(runs(levels)) == len(set(levels))
    assert len(runs([l1 for l1, _ in levels])) == len({l1 for l1, _ in levels})
    assert scattered_levels(levels) == ([], None)


def second_block_starts(indices: list[int]) -> list[int]:
    """Where a group standing at these row indices starts a second (or later) block."""
    return [i for i in indices[1:] if i - 1 not in indices]


@given(sheets)
def test_a_sheet_is_reported_exactly_when_a_level_prints_as_several_blocks(rows):
    levels = [name_of(place(row)) for row in rows]
    with_level2 = {pair for pair in levels if pair[1]}
    starts = []
    for pair in with_level2:
        starts += second_block_starts([i for i, p in enumerate(levels) if p == pair])
    for level1 in {l1 for l1, _ in with_level2}:
        starts += second_block_starts([i for i, p in enumerate(levels) if p[0] == level1])
    names, first = scattered_levels(levels)
    assert bool(names) == bool(starts)
    assert first == (min(starts) if starts else None)


@given(sheets)
def test_rows_already_grouped_do_not_move(rows):
    ordered = sorted(rows, key=lambda row: (sort_key(place(row)), row[0]))
    assert grouped(ordered, place) == ordered


def test_a_row_without_a_level_2_goes_after_its_level_1s_groups_and_one_without_levels_last():
    rows = [
        ("a", ((2, 0), (0, 0))),  # 满意度/服务对象满意度
        ("b", (None, None)),
        ("c", ((0, 0), None)),  # 产出, no 二级
        ("d", ((0, 0), (1, 0))),  # 产出/质量
        ("e", ((0, 0), (0, 0))),  # 产出/数量
        ("f", ((1, 0), (1, 0))),  # 效益/社会效益
        ("g", ((0, 0), (1, 0))),  # 产出/质量
    ]
    assert [name for name, _ in grouped(rows, place)] == ["e", "d", "g", "c", "f", "a", "b"]


class Level:
    def __init__(self, position: int, pk: int, level1=None) -> None:
        self.position, self.pk, self.level1 = position, pk, level1


def test_a_rows_place_comes_from_the_catalogue_positions_and_a_level_2_brings_its_level_1():
    output = Level(0, 7)
    quality = Level(1, 12, level1=output)
    assert place_of(output, quality) == ((0, 7), (1, 12))
    assert place_of(None, quality) == ((0, 7), (1, 12))
    assert place_of(output, None) == ((0, 7), None)
    assert place_of(None, None) == (None, None)


# --- the engine's warning for a sheet on record -----------------------------------------------


def row(name: str, level1: str, level2: str) -> IndicatorInput:
    return IndicatorInput(
        name=name,
        level1=level1,
        level2=level2,
        target="≥1(次)",
        actual="1.00(次)",
        weight=D("10.00"),
        score=D("10.00"),
    )


def findings_of(*rows: IndicatorInput):
    sheet = SheetInput(project="项目", department="部门", unit="单位", indicators=rows)
    return [f for f in evaluate(sheet).findings if f.code == Code.ROWS_NOT_GROUPED]


def test_a_level_2_split_in_two_blocks_is_one_warning_on_the_row_that_starts_the_second():
    [finding] = findings_of(
        row("a", "产出指标", "数量指标"),
        row("b", "产出指标", "质量指标"),
        row("c", "产出指标", "数量指标"),
    )
    assert finding.severity == Severity.WARNING and not finding.blocking
    assert (finding.row, finding.field) == (2, "level2")
    assert finding.params == {"levels": "数量指标"}


def test_a_level_1_split_without_a_level_2_split_names_the_level_1():
    [finding] = findings_of(
        row("a", "产出指标", "数量指标"),
        row("b", "效益指标", "社会效益指标"),
        row("c", "产出指标", "质量指标"),
    )
    assert finding.row == 2
    assert finding.params == {"levels": "产出指标"}


def test_every_scattered_level_is_named_in_one_warning():
    [finding] = findings_of(
        row("a", "产出指标", "数量指标"),
        row("b", "效益指标", "社会效益指标"),
        row("c", "产出指标", "数量指标"),
        row("d", "效益指标", "社会效益指标"),
    )
    assert finding.row == 2
    assert finding.params == {"levels": "数量指标、社会效益指标"}


def test_a_row_without_a_level_2_in_the_middle_of_a_group_splits_it():
    [finding] = findings_of(
        row("a", "产出指标", "数量指标"),
        row("b", "", ""),
        row("c", "产出指标", "数量指标"),
    )
    assert finding.params == {"levels": "数量指标"}


def test_grouped_rows_in_any_order_of_groups_and_rows_without_levels_are_not_reported():
    assert (
        findings_of(
            row("a", "产出指标", "质量指标"),
            row("b", "产出指标", "数量指标"),
            row("c", "产出指标", "数量指标"),
            row("d", "满意度指标", "服务对象满意度指标"),
            row("e", "", ""),
        )
        == []
    )
    # A sheet read without any 二级指标 (only 一级 names, as some regional forms print it).
    assert (
        findings_of(row("a", "效益指标", ""), row("b", "产出指标", ""), row("c", "效益指标", ""))
        == []
    )
