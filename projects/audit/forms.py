"""The audit log's search: a date range, user, action, result, object and address."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from . import wording


def _small(widget: forms.Widget) -> forms.Widget:
    widget.attrs.setdefault("class", "form-control form-control-sm")
    return widget


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=_small(forms.DateInput(attrs={"type": "date"}))
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=_small(forms.DateInput(attrs={"type": "date"}))
    )
    user = forms.CharField(
        label=_("用户名"), required=False, max_length=150, widget=_small(forms.TextInput())
    )
    action = forms.ChoiceField(label=_("事件"), required=False)
    result = forms.ChoiceField(label=_("结果"), required=False)
    obj = forms.CharField(
        label=_("对象"), required=False, max_length=200, widget=_small(forms.TextInput())
    )
    ip = forms.CharField(
        label=_("来源地址"), required=False, max_length=45, widget=_small(forms.TextInput())
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        every = [("", _("全部"))]
        self.fields["action"].choices = every + wording.action_choices()
        self.fields["result"].choices = every + wording.result_choices()
        for name in ("action", "result"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("起始日期晚于截止日期。"))
        return data

    def as_params(self) -> dict:
        """The filter as codes and values, for the export's own audit record."""
        if not self.is_bound or not self.is_valid():
            return {}
        out = {}
        for key, value in self.cleaned_data.items():
            if value in (None, ""):
                continue
            out[key] = value.isoformat() if isinstance(value, datetime.date) else value
        return out
