"""The dashboard's choices: the year, and for someone who sees many units the department or
unit to narrow to; the order of the weakest-first lists."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from projects.access import filter_choices, profile_of
from projects.models import Department, Unit

from .selectors import ORDERS


class DashboardForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), required=False, widget=forms.Select)
    department = forms.ModelChoiceField(
        label=_("主管部门"), queryset=Department.objects.none(), required=False
    )
    unit = forms.ModelChoiceField(label=_("实施单位"), queryset=Unit.objects.none(), required=False)
    order = forms.ChoiceField(
        label=_("排序"),
        required=False,
        choices=[(ORDERS[0], _("总分最低在前")), (ORDERS[1], _("执行率最低在前"))],
    )

    def __init__(self, *args, user, visible_sheets, years: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.choices = [(y, str(y)) for y in years]
        profile = profile_of(user)
        if profile is not None and profile.unit_id:
            # A 填报人 sees one unit: nothing to narrow.
            del self.fields["department"], self.fields["unit"]
        else:
            departments, units = filter_choices(
                user, visible_sheets, self.data.get("department"), self.data.get("unit")
            )
            self.fields["unit"].queryset = units
            self.fields["unit"].empty_label = _("全部单位")
            if profile is not None and profile.department_id:
                # A 审核人 sees one department: its units at once.
                del self.fields["department"]
            else:
                self.fields["department"].queryset = departments
                self.fields["department"].empty_label = _("全部主管部门")
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm js-submit-on-change"

    def choice(self, name: str):
        """A cleaned choice (None when absent or when the form is not valid)."""
        if not self.is_valid():
            return None
        return self.cleaned_data.get(name)
