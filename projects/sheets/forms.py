"""The forms of filling in: the sheet editor (header, funds, one formset of indicator rows),
starting a new sheet, and the filters of the sheet list.

A target is typed as operator + number + unit, or as qualitative text; an actual as a number
(+ unit) or as one of the three achievement levels. The forms turn that structure into the
texts the sheet prints, keeping an imported text exactly as printed while its structure is
unchanged. The rules themselves run on the result (indicators.scoring), not here.

Amounts are typed in the unit the sheet prints (`Sheet.amount_unit`: 万元, or 元 with at most
two decimals, 分), shown back in it, and stored in 万元 (÷ 10 000 for 元, exact). The header's
`amount_unit` chooses the unit the sheet prints; the hidden `amount_unit_shown` says which unit
the typed amounts are in, so changing the unit never re-reads a typed amount in the other unit
(docs/rules.md, "Amounts and units").
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from indicators import numbers, scoring
from indicators.findings import Finding
from indicators.messages import finding_message, grade_name
from indicators.models import Level2
from indicators.values import (
    ActualKind,
    Level,
    TargetKind,
    format_actual,
    format_target,
    parse_actual,
    parse_target,
)
from projects import official
from projects.access import filter_choices, sheet_years
from projects.imports.services import ImportRefused, check_text_length, read_text, read_upload
from projects.models import Comment, Department, Project, Sheet, Unit

from .selectors import previous_sheet, proposed_year
from .services import RowContent, SheetContent

OPERATOR_CHOICES = [
    ("=", "="),
    ("≥", "≥"),
    ("≤", "≤"),
    (">", ">"),
    ("<", "<"),
    ("", _("定性")),
]
LEVEL_CHOICES = [("", "—")] + [(key, label) for key, label in official.ACHIEVEMENT_WORDING.items()]
FUNDS_FIELDS = [(key, column) for key in scoring.FUNDS_SOURCES for column in scoring.FUNDS_COLUMNS]


class AmountField(forms.DecimalField):
    """An amount as typed, thousands separators allowed (`215,457.60`)."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(",", "").replace("，", "").replace(" ", "")
        return super().to_python(value)


def amount_field() -> forms.DecimalField:
    return AmountField(
        required=False,
        max_digits=20,
        decimal_places=6,
        min_value=Decimal("0"),
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "class": "form-control form-control-sm num js-amount"}
        ),
    )


UNIT_CHOICES = Sheet.AmountUnit.choices
# Amounts typed in 元 have at most 2 decimals (分): that is what 6 places of 万元 hold.
YUAN_PLACES = 2


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
    amount_unit = forms.ChoiceField(
        label=_("金额单位"),
        choices=UNIT_CHOICES,
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm js-amount-unit"}),
    )
    amount_unit_shown = forms.ChoiceField(
        choices=UNIT_CHOICES, required=False, widget=forms.HiddenInput
    )
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

    def __init__(self, *args, sheet_unit: str = numbers.WAN, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The sheet's unit as saved: what a post that names no unit means.
        self.sheet_unit = sheet_unit
        for key, column in FUNDS_FIELDS:
            self.fields[f"{key}_{column}"] = amount_field()

    def _unit(self, name: str, default: str) -> str:
        data = getattr(self, "cleaned_data", {})
        value = data.get(name) if name in data else self[name].value()
        return value if value in Sheet.AmountUnit.values else default

    def chosen_unit(self) -> str:
        """The unit the sheet is to print its amounts in."""
        return self._unit("amount_unit", self.sheet_unit)

    def shown_unit(self) -> str:
        """The unit the typed amounts are in (the one they were shown in)."""
        return self._unit("amount_unit_shown", self.chosen_unit())

    def clean(self):
        data = super().clean()
        if self.shown_unit() == numbers.YUAN:
            for key, column in FUNDS_FIELDS:
                value = data.get(f"{key}_{column}")
                if value is not None and value.normalize().as_tuple().exponent < -YUAN_PLACES:
                    self.add_error(f"{key}_{column}", _("以元为单位的金额最多两位小数（到分）。"))
        return data

    def funds(self) -> dict[str, scoring.FundsLine]:
        """The three source rows in 万元, converted from the unit they were typed in; fields
        that did not validate count as empty."""
        data = getattr(self, "cleaned_data", {})
        unit = self.shown_unit()
        return {
            key: scoring.FundsLine(
                *(numbers.from_unit(data.get(f"{key}_{c}"), unit) for c in scoring.FUNDS_COLUMNS)
            )
            for key in scoring.FUNDS_SOURCES
        }

    def funds_rows(self):
        """(key, label, [bound fields]) per source row, for the template."""
        return [
            (key, official.FUNDS_ROWS[key], [self[f"{key}_{c}"] for c in scoring.FUNDS_COLUMNS])
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
            "amount_unit": sheet.amount_unit,
            "amount_unit_shown": sheet.amount_unit,
        }
        for line in sheet.budget_lines.all():
            if line.kind == "total":
                continue
            for column in scoring.FUNDS_COLUMNS:
                value = numbers.in_unit(getattr(line, column), sheet.amount_unit)
                initial[f"{line.kind}_{column}"] = numbers.exact(value)
        return initial


# The row fields whose error text has an id (`<id>-error`, edit_row.html) to describe them.
DESCRIBED_ROW_FIELDS = frozenset({"name", "target_number", "actual_number", "weight", "score"})


def mark_invalid(form: forms.Form, *, described=frozenset()) -> None:
    """Each field with an error marked on its widget (Bootstrap's `is-invalid`, and
    `aria-invalid` with the error text as its description), so the cell shows where it is.
    For a form about to be rendered (live scoring shares one set of widgets between rows)."""
    for name in form.errors:
        if name not in form.fields:
            continue
        attrs = form.fields[name].widget.attrs
        if "is-invalid" not in attrs.get("class", "").split():
            attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
        attrs["aria-invalid"] = "true"
        if name in described:
            attrs["aria-describedby"] = f"{form[name].auto_id}-error"


def _header_label(header: SheetHeaderForm, name: str) -> str:
    if header.fields[name].label:
        return str(header.fields[name].label)
    key, _sep, column = name.partition("_")
    return f"{official.FUNDS_ROW_NAMES[key]}{official.FUNDS_COLUMNS[column]}"


def unreadable(form: forms.Form) -> tuple[str, ...]:
    """What a row holds that cannot be read (a 分值 of "abc"), as "分值：输入一个数字。": the
    words the save puts under the field, which the row's computed cell shows too, so live
    scoring and a refused save say the same about the same cell. A field left empty is not
    unreadable (the engine says what is missing)."""
    return tuple(
        _("%(field)s：%(message)s") % {"field": form.fields[name].label or name, "message": message}
        for name, errors in form.errors.items()
        if name in form.fields and form.data.get(form.add_prefix(name))
        for message in errors
    )


def save_errors(header: SheetHeaderForm, rows: BaseIndicatorFormSet) -> list[dict]:
    """What a refused save lists at the top of the editor: each offending field with its row
    number (as the editor numbers the rows shown), its column and its message, and the id of
    its input to link and move the focus to. Marks the fields invalid as it goes."""
    found = []
    mark_invalid(header)
    for name, errors in header.errors.items():
        if name in header.fields:
            found += [
                {
                    "row": None,
                    "label": _header_label(header, name),
                    "id": header[name].auto_id,
                    "message": message,
                }
                for message in errors
            ]
    shown = 0
    for form in rows.forms:
        if rows.can_delete and form["DELETE"].data:
            continue
        shown += 1
        mark_invalid(form, described=DESCRIBED_ROW_FIELDS)
        for name, errors in form.errors.items():
            if name not in form.fields:
                continue
            found += [
                {
                    "row": shown,
                    "label": str(form.fields[name].label or name),
                    "id": form[name].auto_id,
                    "message": message,
                }
                for message in errors
            ]
    return found


class NamesSelect(forms.Select):
    """A choice of names (content, Chinese in every language): each option but the empty
    one is marked lang="zh-Hans"."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value:
            option["attrs"]["lang"] = "zh-Hans"
        return option


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
        # The catalogue's names: content, Chinese in every language.
        widget=forms.Select(attrs={"class": "form-select form-select-sm", "lang": "zh-Hans"}),
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
        # The official sheet's wording of each level, printed as chosen.
        widget=forms.Select(
            attrs={"class": "form-select form-select-sm js-qual", "lang": "zh-Hans"}
        ),
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
        # A weight or score refused for its range, kept so the live check still reads it.
        self.out_of_range: dict[str, Decimal] = {}

    def clean(self):
        """分值 from 0 to 100, 得分 from 0 to the 分值 (on an applicable row): the engine's own
        range rules (`scoring.range_checks`), worded as the live check words them."""
        data = super().clean()
        weight, score = data.get("weight"), data.get("score")
        for code, field, params in scoring.range_checks(
            weight, score, applicable=not data.get("not_applicable")
        ):
            if field in self.errors:
                continue
            self.out_of_range[field] = data[field]
            self.add_error(field, finding_message(Finding(code, field=field, params=params)))
        return data

    def _value(self, name: str):
        return self.cleaned_data.get(name, self.out_of_range.get(name))

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
            return original if before.kind == ActualKind.NOT_APPLICABLE else official.NOT_APPLICABLE
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
            return official.ACHIEVEMENT_WORDING[Level(level)]
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
            weight=self._value("weight"),
            score=self._value("score"),
            reason=(data.get("reason") or "").strip(),
            applicable=not data.get("not_applicable"),
        )


class BaseIndicatorFormSet(forms.BaseFormSet):
    """Indicator rows; pass `form_kwargs={"level2_queryset": …}` for the level-2 choices.

    At most `PERFEVAL_MAX_ROWS` rows (docs/rules.md, Limits); more are refused with a message,
    and a posted form count beyond that is not even instantiated."""

    default_error_messages = {
        "too_many_forms": _("一张自评表最多 %(num)d 行三级指标，请删除多余的行后再保存。"),
    }

    def __init__(self, *args, **kwargs) -> None:
        # Read when the form is built, so the setting (and a test's override) applies.
        self.max_num = settings.PERFEVAL_MAX_ROWS
        self.absolute_max = settings.PERFEVAL_MAX_ROWS + 1
        super().__init__(*args, **kwargs)

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
    IndicatorForm,
    formset=BaseIndicatorFormSet,
    extra=0,
    can_order=True,
    can_delete=True,
    validate_max=True,
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
        amount_unit=header.chosen_unit(),
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
        # The posted values themselves (a bound field's value is its data): a row anyone
        # typed into is kept, read without building a bound field per cell.
        if any(
            form.data.get(form.add_prefix(f))
            for f in ("name", "target_number", "target_text", "weight", "score")
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
        amount_unit=header.chosen_unit(),
    )
    return content, [form.prefix for form in ordered]


# The sheet list's filter values beyond one state: 草稿 and 已退回 together (still with the
# unit), and the sheets with errors or with open review comments (the dashboard links here).
FILLING = "filling"
HAS_ERRORS = "errors"
HAS_OPEN_COMMENTS = "comments"


def open_comments():
    """The review comments still open: first comments of a thread, not resolved."""
    return Comment.objects.filter(parent__isnull=True, resolved_at__isnull=True)


class SheetFilterForm(forms.Form):
    """Filters of the sheet list; the choices only offer what the user may see."""

    year = forms.IntegerField(label=_("年度"), required=False, widget=forms.Select)
    department = forms.ModelChoiceField(
        label=_("主管部门"), queryset=Department.objects.none(), required=False
    )
    unit = forms.ModelChoiceField(label=_("实施单位"), queryset=Unit.objects.none(), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False)
    grade = forms.ChoiceField(label=_("评分等级"), required=False)
    issues = forms.ChoiceField(label=_("问题"), required=False)
    q = forms.CharField(label=_("项目名称"), required=False, max_length=100)

    def __init__(self, *args, user, visible_sheets, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The years with a visible sheet: an index probe a year, however many sheets.
        years = sheet_years(visible_sheets)
        self.fields["year"].widget.choices = [("", _("全部年度"))] + [(y, str(y)) for y in years]
        departments, units = filter_choices(
            user, visible_sheets, self.data.get("department"), self.data.get("unit")
        )
        self.fields["unit"].queryset = units.select_related("department")
        self.fields["unit"].empty_label = _("全部单位")
        self.fields["department"].queryset = departments
        self.fields["department"].empty_label = _("全部主管部门")
        self.fields["status"].choices = [
            ("", _("全部状态")),
            *Sheet.Status.choices,
            (FILLING, _("填报中（草稿、已退回）")),
        ]
        self.fields["grade"].choices = [("", _("全部等级"))] + [
            (grade.value, grade_name(grade.value)) for grade in scoring.Grade
        ]
        self.fields["issues"].choices = [
            ("", _("全部")),
            (HAS_ERRORS, _("有错误")),
            (HAS_OPEN_COMMENTS, _("有未解决意见")),
        ]
        for name, field in self.fields.items():
            css = "form-control" if name == "q" else "form-select"
            field.widget.attrs["class"] = f"{css} {css}-sm"
        self.fields["department"].widget.attrs["class"] += " js-submit-on-change"
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
        if data.get("status") == FILLING:
            queryset = queryset.filter(status__in=[Sheet.Status.DRAFT, Sheet.Status.RETURNED])
        elif data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("grade"):
            queryset = queryset.filter(figures__grade=data["grade"])
        if data.get("issues") == HAS_ERRORS:
            queryset = queryset.filter(figures__errors__gt=0)
        elif data.get("issues") == HAS_OPEN_COMMENTS:
            queryset = queryset.filter(Exists(open_comments().filter(sheet=OuterRef("pk"))))
        if data.get("q"):
            queryset = queryset.filter(project__name__icontains=data["q"])
        return queryset


class NewSheetForm(forms.Form):
    """Start a sheet for one of the unit's projects: empty, from last year's, or pasted."""

    MODES = [
        ("empty", _("空白表")),
        ("copy", _("复制上一年度的自评表（指标、指标值和分值）")),
        ("paste", _("粘贴从 Excel/Word 复制的表格")),
        ("xlsx", _("上传 Excel 文件（.xlsx）")),
    ]

    project = forms.ChoiceField(label=_("项目"), required=False, widget=NamesSelect)
    new_project = forms.CharField(label=_("或新项目名称"), required=False, max_length=200)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    mode = forms.ChoiceField(
        label=_("填报方式"), choices=MODES, widget=forms.RadioSelect, initial="empty"
    )
    text = forms.CharField(
        label=_("粘贴内容"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 10, "class": "form-control font-monospace small", "spellcheck": "false"}
        ),
        help_text=_("在 Excel 或 Word 中选中整张自评表（从表名到评分等级），复制后粘贴到这里。"),
    )

    upload = forms.FileField(
        label=_("Excel 文件"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx", "class": "form-control"}),
        help_text=_("本系统导出的 Excel，或其他系统按官方表样导出的 .xlsx 文件。"),
    )

    def __init__(self, *args, unit: Unit, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.unit = unit
        projects = Project.objects.filter(unit=unit).order_by("name")
        self.fields["project"].choices = [("", _("— 选择本单位的项目 —"))] + [
            (str(p.pk), p.name) for p in projects
        ]
        # The open task's year, else last calendar year (never the latest sheet's + 1).
        self.fields["year"].initial = proposed_year(unit)
        self.fields["project"].widget.attrs["class"] = "form-select"
        self.fields["new_project"].widget.attrs["class"] = "form-control"
        self.fields["year"].widget.attrs["class"] = "form-control"

    def project_name(self) -> str:
        data = self.cleaned_data
        if data.get("new_project"):
            return data["new_project"].strip()
        return Project.objects.get(pk=data["project"], unit=self.unit).name

    def previous_sheet(self) -> Sheet | None:
        return previous_sheet(self.unit, self.project_name(), self.cleaned_data["year"])

    def clean(self):
        data = super().clean()
        if not data.get("project") and not (data.get("new_project") or "").strip():
            self.add_error("project", _("请选择项目，或填写新项目名称。"))
            return data
        if (
            data.get("project")
            and not Project.objects.filter(pk=data["project"], unit=self.unit).exists()
        ):
            self.add_error("project", _("请选择本单位的项目。"))
            return data
        if "year" not in data:
            return data
        if data.get("mode") == "copy" and self.previous_sheet() is None:
            self.add_error(
                "mode", _("该项目没有 %(year)s 年度的自评表可复制。") % {"year": data["year"] - 1}
            )
        if data.get("mode") == "xlsx":
            # An uploaded workbook becomes the same text a paste gives, then follows that path.
            upload = data.get("upload")
            if upload is None:
                if "upload" not in self.errors:  # an empty file is already refused
                    self.add_error("upload", _("请选择 Excel 文件。"))
                return data
            try:
                data["text"] = read_upload(upload)
            except ImportRefused as exc:
                self.add_error("upload", str(exc))
                return data
            if not self._check_paste(data["text"], field="upload"):
                return data
            data["mode"] = "paste"
            self.data = self.data.copy()
            self.data["text"], self.data["mode"] = data["text"], "paste"
        elif data.get("mode") == "paste":
            self._check_paste(data.get("text") or "")
        return data

    def _check_paste(self, text: str, *, field: str = "text") -> bool:
        """Bounded before parsing: the length first, then the rows the reader finds. Whether
        the text holds a sheet that may be imported."""
        uploaded = field == "upload"
        if not text.strip():
            empty = _("上传的文件中没有内容。") if uploaded else _("请粘贴自评表内容。")
            self.add_error(field, empty)
            return False
        try:
            check_text_length(text)
            sheets = read_text(text).sheets
        except ImportRefused as exc:
            self.add_error(field, str(exc))
            return False
        if not sheets:
            none = (
                _("没有识别出自评表：请确认上传的文件中有包含“项目名称”的整张表。")
                if uploaded
                else _("没有识别出自评表：请确认复制了包含“项目名称”的整张表。")
            )
            self.add_error(field, none)
            return False
        return True
