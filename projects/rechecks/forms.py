"""The forms of the re-check pages: the two draws. The scope (year, department, unit) comes
from the page's filter and travels as hidden fields; the services check everything again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import MAX_SAMPLE, SEED_LIMIT


class _DrawForm(forms.Form):
    title = forms.CharField(label=_("复核名称"), max_length=200)
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    year = forms.IntegerField(widget=forms.HiddenInput, min_value=2000, max_value=2100)


class RandomDrawForm(_DrawForm):
    size = forms.IntegerField(label=_("抽取数量"), min_value=1, max_value=MAX_SAMPLE)
    seed = forms.IntegerField(
        label=_("随机种子"),
        required=False,
        min_value=0,
        max_value=SEED_LIMIT - 1,
        help_text=_("可选：留空则随机生成并记录；同一种子在同一范围内抽出同样的样本。"),
    )
    department = forms.IntegerField(widget=forms.HiddenInput, required=False)
    unit = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ChosenDrawForm(_DrawForm):
    sheets = forms.TypedMultipleChoiceField(
        label=_("自评表"), coerce=int, error_messages={"required": _("请至少选择一张自评表。")}
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Any id is accepted here; the service refuses those not in the bureau's 已审核 sheets.
        posted = self.data.getlist("sheets") if hasattr(self.data, "getlist") else []
        self.fields["sheets"].choices = [(value, value) for value in posted]
