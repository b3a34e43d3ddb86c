"""The official sheet's fixed labels (财政项目支出绩效自评表), written once.

These are the words every printed, exported and imported copy of the sheet uses for its blocks,
rows and columns. They are never translated: the English interface still prints the official
Chinese sheet. (Where the interface *names* a field in a sentence or a form, it uses a
translatable word of its own through Django i18n.) Plain Python, no Django: the text reader
anchors on these labels too.

Templates reach them with `{% load official %}{% official_labels as L %}` (`L.PROJECT`, …).
"""

from __future__ import annotations

from functools import cache
from types import MappingProxyType

TITLE = "财政项目支出绩效自评表"

PROJECT = "项目名称"
DEPARTMENT = "主管部门"
UNIT = "实施单位"

# The funds block's label prints on two lines: 项目资金 / （万元）.
FUNDS_LINES = ("项目资金", "（万元）")
FUNDS = "".join(FUNDS_LINES)
# A sheet prints its amounts in 万元 or in 元 (projects.models.Sheet.AmountUnit's values), and
# its funds label says which: 项目资金（万元） or 项目资金（元）. Amounts are stored in 万元.
FUNDS_LINES_BY_UNIT = MappingProxyType({"wan": FUNDS_LINES, "yuan": ("项目资金", "（元）")})
# The funds rows, by the engine's keys (indicators.scoring.FUNDS_ROWS).
FUNDS_ROWS = MappingProxyType(
    {
        "total": "年度资金总额",
        "appropriation": "其中：当年财政拨款",
        "carryover": "上年结转资金",
        "other": "其他资金",
    }
)
# The rows by name alone, without the 其中： the sheet prints before the first sub-row.
FUNDS_ROW_NAMES = MappingProxyType(
    {key: label.removeprefix("其中：") for key, label in FUNDS_ROWS.items()}
)
FUNDS_COLUMNS = MappingProxyType(
    {
        "initial": "年初预算数",
        "annual": "全年预算数",
        "executed": "全年执行数",
        "weight": "分值",
        "rate": "执行率",
        "score": "得分",
    }
)

GOALS = "年度总体目标"
GOAL_EXPECTED = "预期目标"
GOAL_ACHIEVED = "实际完成情况"

INDICATOR_COLUMNS = MappingProxyType(
    {
        "level1": "一级指标",
        "level2": "二级指标",
        "name": "三级指标",
        "target": "年度指标值",
        "actual": "实际完成值",
        "weight": "分值",
        "score": "得分",
        "reason": "偏差原因分析及改进措施",
    }
)

TOTAL = "总分"
GRADE = "评分等级"

# How a sheet made by this application prints each achievement level of a qualitative row
# (keys: indicators.values.Level); an imported sheet keeps its own wording (达成指标).
ACHIEVEMENT_WORDING = MappingProxyType(
    {
        "achieved": "达成年度指标",
        "partial": "部分达成年度指标并具有一定效果",
        "not_achieved": "未达成年度指标且效果较差",
    }
)
# What an actual of a row marked 不适用 prints.
NOT_APPLICABLE = "不适用"

# The summary table (汇总表): one row per sheet, printed on the page and in Excel alike. Its
# amounts are always in 万元, whatever unit each sheet prints: amounts add up only in 万元.
SUMMARY_TITLE = "项目支出绩效自评汇总表"
SUMMARY_COLUMNS = (
    "序号",
    UNIT,
    PROJECT,
    "全年预算数（万元）",
    "全年执行数（万元）",
    "执行率（%）",
    "指标得分",
    TOTAL,
    GRADE,
    "状态",
)


def funds_lines(unit: str) -> tuple[str, str]:
    """The funds label's two lines for a sheet printing its amounts in `unit` (wan/yuan)."""
    return FUNDS_LINES_BY_UNIT.get(unit, FUNDS_LINES)


def title(wording: str, year: int) -> str:
    """The sheet's title as printed: the rule set's wording and the year,
    `财政项目支出绩效自评表（2023年度）`."""
    return f"{wording}（{year}年度）"


@cache
def labels() -> dict[str, object]:
    """Every label above by its name, for templates."""
    return {
        name: value
        for name, value in globals().items()
        if name.isupper() and not name.startswith("_")
    }
