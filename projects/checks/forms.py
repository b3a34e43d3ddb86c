"""The report's filters: year, kind of check, department, unit, state. The choices offer only
what the user may see (`projects.access.filter_choices`, `sheet_years`), each read flat in the
number of sheets."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from projects.access import filter_choices, scope_sheets, sheet_years
from projects.models import Department, Sheet, Unit

from .selectors import KIND_NAMES, REPORT_CODES, Filters


class ChecksForm(forms.Form):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, required=False)
    kind = forms.ChoiceField(label=_("检查类别"), required=False)
    department = forms.ModelChoiceField(
        label=_("主管部门"), queryset=Department.objects.none(), required=False
    )
    unit = forms.ModelChoiceField(label=_("实施单位"), queryset=Unit.objects.none(), required=False)
    state = forms.ChoiceField(label=_("状态"), required=False)

    def __init__(self, data, *, user) -> None:
        super().__init__(data)
        visible = scope_sheets(user)
        self.years = sheet_years(visible)
        self.fields["year"].choices = [(y, str(y)) for y in self.years]
        self.fields["kind"].choices = [("", _("全部检查"))] + [
            (str(code), KIND_NAMES[code]) for code in REPORT_CODES
        ]
        departments, units = filter_choices(
            user, visible, self.data.get("department"), self.data.get("unit")
        )
        self.fields["department"].queryset = departments
        self.fields["department"].empty_label = _("全部主管部门")
        self.fields["unit"].queryset = units.select_related("department")
        self.fields["unit"].empty_label = _("全部单位")
        self.fields["state"].choices = [("", _("全部状态")), *Sheet.Status.choices]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"
        self.fields["department"].widget.attrs["class"] += " js-submit-on-change"

    def filters(self) -> Filters | None:
        """The chosen filters (the latest year by default); None when a value is out of the
        user's scope or made up — the report then shows nothing."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        department, unit = data.get("department"), data.get("unit")
        return Filters(
            year=data.get("year") or (self.years[0] if self.years else None),
            kind=data.get("kind") or "",
            department_id=department.pk if department else None,
            unit_id=unit.pk if unit else None,
            state=data.get("state") or "",
        )
