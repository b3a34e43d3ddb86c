"""The forms of the tasks' pages: issuing a task, a department's deadline, more items, and
cancelling. What they accept is checked again by the services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from indicators.models import Bureau
from projects import official
from projects.content import Quoting
from projects.models import Unit

from .selectors import task_units, today

XLSX = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class UnitSelect(forms.SelectMultiple):
    """Units labelled with their department; each option names its bureau (`data-bureau`) so
    that the page can show only the chosen bureau's units (static/js/tasks.js)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        unit = getattr(value, "instance", None)
        if unit is not None:
            option["attrs"]["data-bureau"] = unit.department.bureau_id or ""
        return option


class UnitChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.department.name} / {obj.name}"


def _units_field(queryset) -> UnitChoice:
    return UnitChoice(
        queryset=queryset,
        required=False,
        label=_("实施单位"),
        help_text=_("所选单位的全部项目都列入任务。按住 Ctrl（或 ⌘）可多选。"),
        widget=UnitSelect(attrs={"size": 10, "class": "task-units"}),
    )


def _list_field() -> forms.FileField:
    return forms.FileField(
        required=False,
        label=_("项目清单（Excel）"),
        # The columns are the file's own header words (content): marked Chinese on the page.
        help_text=Quoting(
            _(
                "可选：.xlsx 文件，表头行包含%(columns)s三列，每行一个项目；"
                "单位下没有的项目将自动新建。文件不超过 %(limit)s。"
            ),
            {"columns": f"“{official.DEPARTMENT}”“{official.UNIT}”“{official.PROJECT}”"},
            limit=filesizeformat(settings.PERFEVAL_IMPORT_MAX_BYTES),
        ).html,
        widget=forms.ClearableFileInput(attrs={"accept": XLSX}),
    )


class TaskForm(forms.Form):
    """Issue a task. 财政's bureau is fixed to its own (`bureau` given); the 管理员 chooses."""

    title = forms.CharField(label=_("任务名称"), max_length=200)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    deadline = forms.DateField(label=_("提交截止日期"), widget=DateInput())
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    bureau = forms.ModelChoiceField(
        queryset=Bureau.objects.order_by("name"),
        required=False,
        label=_("财政局"),
        empty_label=_("（无：不属于任何财政局的主管部门）"),
        widget=forms.Select(attrs={"class": "task-bureau"}),
    )

    def __init__(self, *args, bureau=None, fixed_bureau: bool = False, **kwargs) -> None:
        kwargs.setdefault("initial", {"year": today().year})
        super().__init__(*args, **kwargs)
        self.fixed_bureau = fixed_bureau
        if fixed_bureau:
            del self.fields["bureau"]
            self.chosen_bureau = bureau
            units = task_units(bureau)
        else:
            units = Unit.objects.order_by("department__name", "name")
        self.fields["units"] = _units_field(units.select_related("department"))
        self.fields["listfile"] = _list_field()

    def bureau_value(self):
        if self.fixed_bureau:
            return self.chosen_bureau
        return self.cleaned_data.get("bureau")


class DeadlineForm(forms.Form):
    """A department's own deadline within a task."""

    department = forms.ModelChoiceField(queryset=None, label=_("主管部门"))
    deadline = forms.DateField(label=_("提交截止日期"), widget=DateInput())

    def __init__(self, *args, departments, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class AddItemsForm(forms.Form):
    """More projects for a task: units, an Excel list, or both."""

    def __init__(self, *args, bureau, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"] = _units_field(task_units(bureau))
        self.fields["listfile"] = _list_field()

    def clean(self):
        data = super().clean()
        if not data.get("units") and not data.get("listfile"):
            raise forms.ValidationError(_("请选择实施单位或上传项目清单。"))
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("撤销原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("撤销任务必须填写原因。"))
        return reason
