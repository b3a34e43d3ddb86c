"""Findings in words: the rules engine returns codes and parameters, this module phrases them
for a unit clerk, in Chinese by default and through Django i18n in other languages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .scoring import Finding

LEVEL_NAMES = {
    "achieved": _("达成年度指标"),
    "partial": _("部分达成年度指标并具有一定效果"),
    "not_achieved": _("未达成年度指标且效果较差"),
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
    "score_above_weight": _("得分 {score} 高于分值 {weight}。"),
    "score_negative": _("得分 {score} 不能为负数。"),
    "reason_required": _("得分 {score} 低于分值 {weight}，必须填写偏差原因分析及改进措施。"),
    "qualitative_band": _(
        "完成程度为“{level_name}”时，得分应在 {low} 至 {high} 之间（分值 {weight}），现为 {score}。"
    ),
    "value_missing": _("缺少{field_name}。"),
    "weights_not_100": _("各指标分值与预算执行分值合计为 {total}，应为 100。"),
    "funds_not_adding_up": _(
        "{field_name}为 {total}，但当年财政拨款、上年结转资金与其他资金之和为 {sum}。"
    ),
    "funds_no_budget": _("年度资金总额的全年预算数为 0 或未填，无法计算执行率，预算执行得分记 0。"),
    "score_differs_from_suggested": _("得分 {score} 与按规则计算的建议得分 {suggested} 不一致。"),
    "target_met_score_cut": _("指标已完成，但得分 {score} 低于分值 {weight}。"),
    "reason_contradicts_actual": _(
        "偏差原因中写的 {quoted}{unit} 与实际完成值 {actual}{unit} 不一致。"
    ),
    "deviation_unexplained": _(
        "实际完成值 {actual} 与年度指标值 {target} 偏差较大，建议说明偏差原因。"
    ),
    "boilerplate_reason": _("偏差原因“{text}”过于笼统，请说明具体原因和改进措施。"),
    "execution_below_90": _("预算执行率 {rate}% 低于 {threshold}%。"),
    "unparsed_value": _("无法识别“{text}”中的数值。"),
    "import_unplaced": _("导入时第 {line} 行未能识别：{text}"),
    "weights_guideline": _(
        "一级指标分值（{levels}）为 {weights}，全国指引为 {expected}，可根据实际情况调整。"
    ),
}

# The official sheet prints the grade character; lists and messages show it in words.
GRADE_NAMES = {"优": _("优"), "良": _("良"), "中": _("中"), "差": _("差")}

SEVERITY_NAMES = {"error": _("错误"), "warning": _("提醒"), "info": _("提示")}


def finding_message(finding: Finding) -> str:
    """The finding as one sentence, in the active language."""
    template = TEMPLATES.get(finding.code)
    if template is None:
        return finding.code
    values = dict(finding.params)
    values.setdefault("field_name", str(FIELD_NAMES.get(finding.field or "", finding.field or "")))
    if "level" in values:
        values["level_name"] = str(LEVEL_NAMES.get(values["level"], values["level"]))
    try:
        return str(template).format(**values)
    except (KeyError, IndexError):
        return str(template)
