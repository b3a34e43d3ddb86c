"""`{% load official %}{% official_labels as L %}`: the official sheet's fixed labels
(`projects.official`) in templates, so no template spells one out: `{{ L.PROJECT }}`,
`{{ L.FUNDS_COLUMNS.initial }}`. `{% interface_labels as W %}`: the interface's translated
words for the same fields."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from projects import official

register = template.Library()


@register.simple_tag
def official_labels() -> dict[str, object]:
    return official.labels()


@register.simple_tag
def interface_labels() -> dict[str, object]:
    """The interface's words for the official sheet's fields, in the active language:
    `{% interface_labels as W %}`. Pages that name a field to work with it (the editor, the
    history) use these; the official sheet itself prints `official_labels`, Chinese in every
    language. In Chinese both read the same."""
    weight, score = pgettext("indicator column", "分值"), pgettext("indicator column", "得分")
    return {
        "PROJECT": _("项目名称"),
        "DEPARTMENT": _("主管部门"),
        "UNIT": _("实施单位"),
        "FUNDS_BY_UNIT": {"wan": _("项目资金（万元）"), "yuan": _("项目资金（元）")},
        "FUNDS_ROWS": {
            "total": _("年度资金总额"),
            "appropriation": _("其中：当年财政拨款"),
            "carryover": _("上年结转资金"),
            "other": _("其他资金"),
        },
        "FUNDS_COLUMNS": {
            "initial": _("年初预算数"),
            "annual": _("全年预算数"),
            "executed": _("全年执行数"),
            "weight": weight,
            "rate": _("执行率"),
            "score": score,
        },
        "INDICATOR_COLUMNS": {
            "level1": _("一级指标"),
            "level2": _("二级指标"),
            "name": _("三级指标"),
            "target": _("年度指标值"),
            "actual": _("实际完成值"),
            "weight": weight,
            "score": score,
            "reason": _("偏差原因分析及改进措施"),
        },
        "GOALS": _("年度总体目标"),
        "GOAL_EXPECTED": _("预期目标"),
        "GOAL_ACHIEVED": _("实际完成情况"),
        "TOTAL": _("总分"),
        "GRADE": _("评分等级"),
        # The summary table's columns (official.SUMMARY_COLUMNS), as the page heads them.
        "SUMMARY_COLUMNS": (
            _("序号"),
            _("实施单位"),
            _("项目名称"),
            _("全年预算数（万元）"),
            _("全年执行数（万元）"),
            _("执行率（%）"),
            _("指标得分"),
            _("总分"),
            _("评分等级"),
            _("状态"),
        ),
    }


@register.filter
def item(mapping, key):
    """`{{ W.FUNDS_ROWS|item:key }}`: a mapping's value for a key held in a variable."""
    return mapping.get(key, "")
