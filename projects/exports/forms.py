from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from projects.access import filter_choices, scope_sheets, sheet_years
from projects.models import Department, ExportJob, Unit

from .services import ExportRefused, check_export_quota


class ExportForm(forms.Form):
    """What to export: a kind of file, a year, and a department or unit within the user's scope."""

    kind = forms.ChoiceField(label=_("导出内容"), choices=ExportJob.Kind.choices)
    year = forms.IntegerField(label=_("年度"), widget=forms.Select)
    department = forms.ModelChoiceField(
        label=_("主管部门"), queryset=Department.objects.none(), required=False
    )
    unit = forms.ModelChoiceField(label=_("实施单位"), queryset=Unit.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        visible = scope_sheets(user)
        # The years with a visible sheet: an index probe a year, however many sheets.
        years = sheet_years(visible)
        self.fields["year"].widget.choices = [(y, str(y)) for y in years]
        # The department chosen (posted, or in the page's address) narrows the units.
        chosen = self.data.get("department") or self.initial.get("department")
        departments, units = filter_choices(user, visible, chosen, self.data.get("unit"))
        self.fields["unit"].queryset = units
        self.fields["unit"].empty_label = _("全部单位")
        self.fields["department"].queryset = departments
        self.fields["department"].empty_label = _("全部主管部门")
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"
        # Choosing a department reloads the page with it, to offer its units (a form that
        # queues an export is never posted by a change: static/js/perfeval.js).
        self.fields["department"].widget.attrs["class"] += " js-reload-on-change"


class BatchExportForm(ExportForm):
    """A batch export to queue: refused while the user has `PERFEVAL_MAX_ACTIVE_EXPORTS`
    exports queued or running."""

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        try:
            check_export_quota(self.user)
        except ExportRefused as refused:
            raise forms.ValidationError(str(refused), code="quota") from None
        return data
