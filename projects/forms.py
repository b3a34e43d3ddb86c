from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Department, Sheet, Unit


class SheetFilterForm(forms.Form):
    """Filters of the sheet list; the choices only offer what the user may see."""

    year = forms.IntegerField(label=_("年度"), required=False, widget=forms.Select)
    department = forms.ModelChoiceField(
        label=_("主管部门"), queryset=Department.objects.none(), required=False
    )
    unit = forms.ModelChoiceField(label=_("实施单位"), queryset=Unit.objects.none(), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False)
    q = forms.CharField(label=_("项目名称"), required=False, max_length=100)

    def __init__(self, *args, visible_sheets, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        years = sorted(set(visible_sheets.values_list("year", flat=True)), reverse=True)
        self.fields["year"].widget.choices = [("", _("全部年度"))] + [(y, str(y)) for y in years]
        units = Unit.objects.filter(projects__sheets__in=visible_sheets).distinct()
        self.fields["unit"].queryset = units.select_related("department")
        self.fields["unit"].empty_label = _("全部单位")
        self.fields["department"].queryset = Department.objects.filter(units__in=units).distinct()
        self.fields["department"].empty_label = _("全部主管部门")
        self.fields["status"].choices = [("", _("全部状态"))] + list(Sheet.Status.choices)
        for name, field in self.fields.items():
            css = "form-control" if name == "q" else "form-select"
            field.widget.attrs["class"] = f"{css} {css}-sm"
        self.fields["q"].widget.input_type = "search"

    def filter(self, queryset):
        if not self.is_bound:
            return queryset
        if not self.is_valid():
            # A filter value outside the user's scope (or made up) matches nothing.
            return queryset.none()
        data = self.cleaned_data
        if data.get("year"):
            queryset = queryset.filter(year=data["year"])
        if data.get("department"):
            queryset = queryset.filter(project__unit__department=data["department"])
        if data.get("unit"):
            queryset = queryset.filter(project__unit=data["unit"])
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("q"):
            queryset = queryset.filter(project__name__icontains=data["q"])
        return queryset
