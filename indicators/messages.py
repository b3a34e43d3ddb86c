"""Findings in words: the rules engine returns codes and parameters, this module phrases them
for a unit clerk, in Chinese by default and through Django i18n in other languages.

Every name here is lazy: it is worded when shown, in the language of whoever looks.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .findings import Code, Finding, Severity
from .scoring import Grade
from .values import Level

# The achievement levels in words (the official wording is `projects.official`'s).
LEVEL_NAMES = {
    Level.ACHIEVED: _("达成年度指标"),
    Level.PARTIAL: _("部分达成年度指标并具有一定效果"),
    Level.NOT_ACHIEVED: _("未达成年度指标且效果较差"),
}

FIELD_NAMES = {
    "header.project": _("项目名称"),
    "header.department": _("主管部门"),
    "header.unit": _("实施单位"),
    "weight": pgettext_lazy("indicator column", "分值"),
    "score": pgettext_lazy("indicator column", "得分"),
    "reason": _("偏差原因分析及改进措施"),
    "target": _("年度指标值"),
    "actual": _("实际完成值"),
    "funds.total.initial": _("年度资金总额的年初预算数"),
    "funds.total.annual": _("年度资金总额的全年预算数"),
    "funds.total.executed": _("年度资金总额的全年执行数"),
    "funds.total.rate": _("年度资金总额的执行率"),
}

TEMPLATES = {
    Code.SCORE_ABOVE_WEIGHT: _("得分 {score} 高于分值 {weight}。"),
    Code.SCORE_NEGATIVE: _("得分 {score} 不能为负数。"),
    Code.WEIGHT_OUT_OF_RANGE: _("分值 {weight} 应在 0 至 100 之间。"),
    Code.REASON_REQUIRED: _("得分 {score} 低于分值 {weight}，必须填写偏差原因分析及改进措施。"),
    Code.QUALITATIVE_BAND: _(
        "完成程度为“{level_name}”时，得分应在 {low} 至 {high} 之间（分值 {weight}），现为 {score}。"
    ),
    Code.VALUE_MISSING: _("缺少{field_name}。"),
    Code.WEIGHTS_NOT_100: _("各指标分值与预算执行分值合计为 {total}，应为 100。"),
    Code.FUNDS_NOT_ADDING_UP: _(
        "{field_name}为 {total} {amount_unit}，但当年财政拨款、上年结转资金与其他资金之和为 "
        "{sum} {amount_unit}。"
    ),
    Code.FUNDS_NO_BUDGET: _("{field_name}为 0 或未填，无法计算执行率，预算执行得分记 0。"),
    Code.SCORE_DIFFERS_FROM_SUGGESTED: _(
        "得分 {score} 与按规则计算的建议得分 {suggested} 不一致。"
    ),
    Code.TARGET_MET_SCORE_CUT: _("指标已完成，但得分 {score} 低于分值 {weight}。"),
    Code.REASON_CONTRADICTS_ACTUAL: _(
        "偏差原因中写的 {quoted}{unit} 与实际完成值 {actual}{unit} 不一致。"
    ),
    Code.DEVIATION_UNEXPLAINED: _(
        "实际完成值 {actual} 与年度指标值 {target} 偏差较大，建议说明偏差原因。"
    ),
    Code.BOILERPLATE_REASON: _("偏差原因“{text}”过于笼统，请说明具体原因和改进措施。"),
    Code.EXECUTION_BELOW_90: _("预算执行率 {rate}% 低于 {threshold}%。"),
    Code.EXECUTION_ABOVE_100: _(
        "预算执行率 {rate}% 超过 100%：全年执行数高于全年预算数，请核对金额或说明原因。"
    ),
    Code.EXECUTION_RATE_IMPLAUSIBLE: _(
        "预算执行率 {rate}% 超过 {limit}%，金额很可能有误（如单位或小数点），"
        "预算执行得分记 0，改正前不能提交。"
    ),
    Code.AMOUNT_MAGNITUDE: _(
        "{field_name}为 {amount} {amount_unit}，达到最大预算数 {reference} {amount_unit}的 "
        "{factor} 倍以上，金额单位或小数点可能有误（如把“元”填成了“万元”）。"
        "预算执行得分记 0，改正前不能提交。"
    ),
    Code.AMOUNT_OUT_OF_RANGE: _(
        "{field_name}为 {amount} {amount_unit}，达到或超过 {limit} {amount_unit}（1 万亿元），"
        "金额不合理。"
        "预算执行得分记 0，改正前不能提交。"
    ),
    Code.UNPARSED_VALUE: _("无法识别“{text}”中的数值。"),
    Code.IMPORT_UNPLACED: _("导入时第 {line} 行未能识别：{text}"),
    Code.WEIGHTS_GUIDELINE: _(
        "一级指标分值（{levels}）为 {weights}，评分规则的指引为 {expected}，可根据实际情况调整。"
    ),
    Code.TARGET_EXCEEDED: _(
        "实际完成值 {actual} 达到年度指标值 {target} 的 {factor} 倍及以上，年度指标值可能设定偏低。"
    ),
    Code.REASON_REPEATED: _("偏差原因“{text}”在 {count} 行中重复填写（第 {rows} 行）。"),
    Code.ROWS_NOT_GROUPED: _(
        "{levels}的指标行不相邻，打印时分成几块；保存时将按一级、二级指标的表样顺序归组。"
    ),
}

# Between the items of a list in a sentence.
LIST_SEPARATOR = pgettext_lazy("list separator", "、")

# The unit the engine's amount params are in (a sheet's own unit comes through `wording`).
AMOUNT_UNIT = _("万元")

# The official sheet prints the grade character; lists and messages show it in words.
GRADE_NAMES = {
    Grade.EXCELLENT: _("优"),
    Grade.GOOD: _("良"),
    Grade.PASS: _("中"),
    Grade.FAIL: _("差"),
}

SEVERITY_NAMES = {
    Severity.ERROR: _("错误"),
    Severity.WARNING: _("提醒"),
    Severity.INFO: _("提示"),
}


def finding_message(finding: Finding, *, wording: dict | None = None) -> str:
    """The finding as one sentence, in the active language. `wording` replaces params for the
    sentence only: a sheet printing 元 names its amounts in 元 (`amount_unit`, 万元 unless
    given; the engine's amount params are 万元)."""
    template = TEMPLATES.get(finding.code)
    if template is None:
        return str(finding.code)
    values = {"amount_unit": str(AMOUNT_UNIT), **finding.params, **(wording or {})}
    values.setdefault("field_name", str(FIELD_NAMES.get(finding.field or "", finding.field or "")))
    if "level" in values:
        values["level_name"] = str(LEVEL_NAMES.get(values["level"], values["level"]))
    if "rows" in values:  # row numbers, listed the reader's way (2、4、6 or 2, 4, 6)
        values["rows"] = str(values["rows"]).replace("、", str(LIST_SEPARATOR))
    try:
        return str(template).format(**values)
    except (KeyError, IndexError):
        return str(template)


def grade_name(grade: str) -> str:
    """A grade in words (优 → Excellent in English), for lists and messages."""
    return str(GRADE_NAMES.get(grade, grade))
