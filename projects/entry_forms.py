"""The forms of the sheet editor: header, funds, and one formset of indicator rows.

A target is typed as operator + number + unit, or as qualitative text; an actual as a number
(+ unit) or as one of the three achievement levels. The forms turn that structure into the
texts the sheet prints, keeping an imported text exactly as printed while its structure is
unchanged. The rules themselves run on the result (indicators.scoring), not here.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from indicators import scoring
from indicators.models import Level2
from indicators.values import (
    LEVEL_LABELS,
    ActualKind,
    Level,
    TargetKind,
    format_actual,
    format_target,
    parse_actual,
    parse_target,
)

from .services import RowContent, SheetContent

OPERATOR_CHOICES = [
    ("=", "="),
    ("≥", "≥"),
    ("≤", "≤"),
    (">", ">"),
    ("<", "<"),
    ("", _("定性")),
]
LEVEL_CHOICES = [("", "—")] + [(level.value, label) for level, label in LEVEL_LABELS.items()]
FUNDS_FIELDS = [(key, column) for key in scoring.FUNDS_SOURCES for column in scoring.FUNDS_COLUMNS]


def amount_field() -> forms.DecimalField:
    return forms.DecimalField(
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "class": "form-control form-control-sm num"}
        ),
    )


def score_field(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=7,
        decimal_places=2,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "class": "form-control form-control-sm num"}
        ),
    )


class SheetHeaderForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    project_name = forms.CharField(
        label=_("项目名称"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    budget_weight = score_field(_("预算执行分值"))
    goal_expected = forms.CharField(
        label=_("预期目标"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control form-control-sm"}),
    )
    goal_achieved = forms.CharField(
        label=_("实际完成情况"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control form-control-sm"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for key, column in FUNDS_FIELDS:
            self.fields[f"{key}_{column}"] = amount_field()

    def funds(self) -> dict[str, scoring.FundsLine]:
        """The three source rows; fields that did not validate count as empty."""
        data = getattr(self, "cleaned_data", {})
        return {
            key: scoring.FundsLine(*(data.get(f"{key}_{c}") for c in scoring.FUNDS_COLUMNS))
            for key in scoring.FUNDS_SOURCES
        }

    def funds_rows(self):
        """(label, [bound fields]) per source row, for the template."""
        labels = {
            "appropriation": "其中：当年财政拨款",
            "carryover": "上年结转资金",
            "other": "其他资金",
        }
        return [
            (key, labels[key], [self[f"{key}_{c}"] for c in scoring.FUNDS_COLUMNS])
            for key in scoring.FUNDS_SOURCES
        ]

    @staticmethod
    def initial_for(sheet) -> dict:
        initial = {
            "version": sheet.version,
            "project_name": sheet.project.name,
            "budget_weight": sheet.budget_weight,
            "goal_expected": sheet.goal_expected,
            "goal_achieved": sheet.goal_achieved,
        }
        for line in sheet.budget_lines.all():
            if line.kind == "total":
                continue
            for column in scoring.FUNDS_COLUMNS:
                initial[f"{line.kind}_{column}"] = getattr(line, column)
        return initial


class Level2Choice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Level2) -> str:
        return obj.name


class IndicatorForm(forms.Form):
    row_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    original_target = forms.CharField(required=False, widget=forms.HiddenInput)
    original_actual = forms.CharField(required=False, widget=forms.HiddenInput)
    level2 = Level2Choice(
        label=_("二级指标"),
        queryset=Level2.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    name = forms.CharField(
        label=_("三级指标"),
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-sm",
                "list": "indicator-names",
                "autocomplete": "off",
            }
        ),
    )
    target_operator = forms.ChoiceField(
        label=_("运算符"),
        choices=OPERATOR_CHOICES,
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm js-operator"}),
    )
    target_number = forms.DecimalField(
        label=_("指标数值"),
        required=False,
        max_digits=20,
        decimal_places=6,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "class": "form-control form-control-sm num js-quant"}
        ),
    )
    target_unit = forms.CharField(
        label=_("计量单位"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm js-quant js-unit"}),
    )
    target_text = forms.CharField(
        label=_("定性指标值"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm js-qual"}),
    )
    actual_number = forms.DecimalField(
        label=_("实际完成数值"),
        required=False,
        max_digits=20,
        decimal_places=6,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "class": "form-control form-control-sm num js-quant"}
        ),
    )
    actual_level = forms.ChoiceField(
        label=_("完成程度"),
        choices=LEVEL_CHOICES,
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm js-qual"}),
    )
    not_applicable = forms.BooleanField(
        label=_("不适用"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    weight = score_field(_("分值"))
    score = score_field(_("得分"))
    reason = forms.CharField(
        label=_("偏差原因分析及改进措施"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 1, "class": "form-control form-control-sm"}),
    )

    def __init__(self, *args, level2_queryset=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if level2_queryset is not None:
            self.fields["level2"].queryset = level2_queryset

    @staticmethod
    def initial_for(row) -> dict:
        target = parse_target(row.target_text)
        actual = parse_actual(row.actual_text)
        quantitative = target.kind in (TargetKind.QUANTITATIVE, TargetKind.UNPARSED)
        return {
            "row_id": row.pk,
            "original_target": row.target_text,
            "original_actual": row.actual_text,
            "level2": row.level2_id,
            "name": row.name,
            "target_operator": target.operator.value if quantitative and target.operator else "",
            "target_number": target.number if quantitative else None,
            "target_unit": target.unit if quantitative else "",
            "target_text": "" if quantitative else row.target_text,
            "actual_number": actual.number,
            "actual_level": actual.level.value if actual.level else "",
            "not_applicable": not row.applicable,
            "weight": row.weight,
            "score": row.score,
            "reason": row.reason,
        }

    def target(self) -> str:
        """The 年度指标值 as the sheet prints it."""
        data = self.cleaned_data
        operator = data.get("target_operator") or ""
        original = data.get("original_target") or ""
        if not operator:
            return (data.get("target_text") or "").strip()
        number, unit = data.get("target_number"), (data.get("target_unit") or "").strip()
        before = parse_target(original)
        if (
            before.kind == TargetKind.QUANTITATIVE
            and before.operator == operator
            and before.number == number
            and before.unit == unit
        ):
            return original  # unchanged: keep `≥50个` as printed, not `≥50(个)`
        if number is None:
            return operator
        return format_target(operator, number, unit)

    def actual(self, target_text: str) -> str:
        """The 实际完成值 as the sheet prints it."""
        data = self.cleaned_data
        original = data.get("original_actual") or ""
        before = parse_actual(original)
        if data.get("not_applicable"):
            return original if before.kind == ActualKind.NOT_APPLICABLE else "不适用"
        target = parse_target(target_text)
        number = data.get("actual_number")
        level = data.get("actual_level") or ""
        use_number = target.kind in (TargetKind.QUANTITATIVE, TargetKind.UNPARSED) or not level
        if use_number and number is not None:
            unit = before.unit if before.kind == ActualKind.NUMBER else target.unit
            if before.kind == ActualKind.NUMBER and before.number == number:
                return original
            return format_actual(number, unit)
        if level:
            if before.kind == ActualKind.LEVEL and before.level == Level(level):
                return original  # keep 达成指标 as the unit wrote it
            return LEVEL_LABELS[Level(level)]
        return ""

    def content(self) -> RowContent:
        data = self.cleaned_data
        target = self.target()
        return RowContent(
            row_id=data.get("row_id"),
            level2=data.get("level2"),
            name=(data.get("name") or "").strip(),
            target_text=target,
            actual_text=self.actual(target),
            weight=data.get("weight"),
            score=data.get("score"),
            reason=(data.get("reason") or "").strip(),
            applicable=not data.get("not_applicable"),
        )


class BaseIndicatorFormSet(forms.BaseFormSet):
    def __init__(self, *args, level2_queryset=None, **kwargs) -> None:
        self.level2_queryset = level2_queryset
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs["level2_queryset"] = self.level2_queryset
        return kwargs

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            level2_queryset=self.level2_queryset,
            renderer=self.renderer,
        )
        self.add_fields(form, None)
        return form

    def ordered_forms_kept(self) -> list[IndicatorForm]:
        """The rows in their chosen order, deleted and untouched blank rows left out."""
        kept = [
            (i, form)
            for i, form in enumerate(self.forms)
            if hasattr(form, "cleaned_data")
            and not (self.can_delete and self._should_delete_form(form))
            and not (form.empty_permitted and not form.has_changed())
        ]
        return in_chosen_order(kept)


def in_chosen_order(indexed_forms: list[tuple[int, IndicatorForm]]) -> list[IndicatorForm]:
    """Forms sorted by the ORDER the user gave them; rows without one keep their place last."""

    def key(pair: tuple[int, IndicatorForm]) -> tuple[int, int]:
        index, form = pair
        order = form.cleaned_data.get("ORDER")
        return (order if order is not None else 10_000 + index, index)

    return [form for _index, form in sorted(indexed_forms, key=key)]


IndicatorFormSet = forms.formset_factory(
    IndicatorForm, formset=BaseIndicatorFormSet, extra=0, can_order=True, can_delete=True
)


def content_from(header: SheetHeaderForm, rows: BaseIndicatorFormSet) -> SheetContent:
    """The submitted content, from valid forms."""
    data = header.cleaned_data
    return SheetContent(
        project_name=data["project_name"],
        budget_weight=data.get("budget_weight"),
        goal_expected=(data.get("goal_expected") or "").strip(),
        goal_achieved=(data.get("goal_achieved") or "").strip(),
        funds=header.funds(),
        rows=tuple(form.content() for form in rows.ordered_forms_kept()),
    )


def partial_content(
    header: SheetHeaderForm, rows: BaseIndicatorFormSet
) -> tuple[SheetContent, list]:
    """What can be read from possibly invalid forms, for live scoring while the user types:
    fields that do not validate count as empty. Also returns each kept form's prefix, in
    content order, so computed cells can be sent back to the right row."""
    header.is_valid()
    rows.is_valid()
    hdata = getattr(header, "cleaned_data", {})
    kept = []
    for i, form in enumerate(rows.forms):
        if not hasattr(form, "cleaned_data"):
            form.cleaned_data = {}
        if form.cleaned_data.get("DELETE"):
            continue
        if any(
            form[f].value() for f in ("name", "target_number", "target_text", "weight", "score")
        ):
            kept.append((i, form))
    ordered = in_chosen_order(kept)
    content = SheetContent(
        project_name=hdata.get("project_name") or header["project_name"].value() or "",
        budget_weight=hdata.get("budget_weight"),
        goal_expected=hdata.get("goal_expected") or "",
        goal_achieved=hdata.get("goal_achieved") or "",
        funds=header.funds(),
        rows=tuple(form.content() for form in ordered),
    )
    return content, [form.prefix for form in ordered]
