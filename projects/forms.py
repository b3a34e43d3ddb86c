from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .import_xlsx import xlsx_to_text
from .models import Department, Project, Sheet, Unit
from .sheet_text import parse_text


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


class NewSheetForm(forms.Form):
    """Start a sheet for one of the unit's projects: empty, from last year's, or pasted."""

    MODES = [
        ("empty", _("空白表")),
        ("copy", _("复制上一年度的自评表（指标、指标值和分值）")),
        ("paste", _("粘贴从 Excel/Word 复制的表格")),
        ("xlsx", _("上传 Excel 文件（.xlsx）")),
    ]

    project = forms.ChoiceField(label=_("项目"), required=False)
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
        latest = Sheet.objects.filter(project__unit=unit).order_by("-year").first()
        self.fields["year"].initial = latest.year + 1 if latest else None
        self.fields["project"].widget.attrs["class"] = "form-select"
        self.fields["new_project"].widget.attrs["class"] = "form-control"
        self.fields["year"].widget.attrs["class"] = "form-control"

    def project_name(self) -> str:
        data = self.cleaned_data
        if data.get("new_project"):
            return data["new_project"].strip()
        return Project.objects.get(pk=data["project"], unit=self.unit).name

    def previous_sheet(self) -> Sheet | None:
        return (
            Sheet.objects.filter(
                project__unit=self.unit,
                project__name=self.project_name(),
                year=self.cleaned_data["year"] - 1,
            )
            .prefetch_related("indicators")
            .first()
        )

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
                self.add_error("upload", _("请选择 Excel 文件。"))
                return data
            try:
                data["text"] = xlsx_to_text(upload.read())
            except ValueError as exc:
                self.add_error("upload", str(exc))
                return data
            data["mode"] = "paste"
            self.data = self.data.copy()
            self.data["text"], self.data["mode"] = data["text"], "paste"
        if data.get("mode") == "paste":
            if not (data.get("text") or "").strip():
                self.add_error("text", _("请粘贴自评表内容。"))
            elif not parse_text(data["text"]).sheets:
                self.add_error("text", _("没有识别出自评表：请确认复制了包含“项目名称”的整张表。"))
        return data
