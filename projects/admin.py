"""The administrator's back office: departments, units, users and their roles, the sheets'
content, transitions, comments and evidence, and the year's rule-set versions.

The back office never bypasses the workflow (docs/rules.md §8): states change only through
it; a sheet's content, transitions, comments and evidence are read-only here once the sheet
has left 草稿; a sheet that ever left 草稿 is never deleted; history is never reverted from
here (SIMPLE_HISTORY_REVERT_DISABLED); a rule-set version that scores a submitted or approved
sheet is never edited in place (a change saves the next version: projects/rule_sets.py).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin

from indicators.models import Bureau, CatalogueScheme, Level1, RuleSet

from . import figures, rule_sets
from .access import (
    auditor_conflict,
    filler_unit,
    finance_bureau,
    reviewer_department,
    role_label,
)
from .accounts import services as accounts
from .audit.admin_logging import LogEachDeletion
from .content import ContentColumns, ContentSelect, Quoting, zh
from .models import (
    BudgetLine,
    Comment,
    Department,
    Evidence,
    Indicator,
    Profile,
    Project,
    Sheet,
    SheetTransition,
    Unit,
)
from .sheets.services import left_draft


@admin.register(Department)
class DepartmentAdmin(ContentColumns, admin.ModelAdmin):
    list_display = ["name", "bureau"]
    list_filter = ["bureau"]
    search_fields = ["name"]


@admin.register(Unit)
class UnitAdmin(ContentColumns, admin.ModelAdmin):
    list_display = ["name", "department"]
    list_filter = ["department"]
    search_fields = ["name"]


@admin.register(Project)
class ProjectAdmin(ContentColumns, admin.ModelAdmin):
    list_display = ["name", "unit"]
    list_filter = ["unit__department", "unit"]
    search_fields = ["name"]


class NoBulkDelete:
    """No "delete selected" action: Django's bulk delete asks the model's permission, not each
    object's, so it would pass the per-object guards below."""

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class WorkflowGuard(NoBulkDelete):
    """Read-only once the sheet behind the object has left 草稿; never deleted then; no bulk
    delete."""

    @staticmethod
    def sheet_of(obj):
        return obj if isinstance(obj, Sheet) else getattr(obj, "sheet", None)

    def has_change_permission(self, request, obj=None) -> bool:
        sheet = self.sheet_of(obj)
        if sheet is not None and sheet.status != Sheet.Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if left_draft(self.sheet_of(obj)):
            return False
        return super().has_delete_permission(request, obj)

    # Whether saving here changes the sheet's content. If so the sheet's version moves on, as
    # a save in the editor would, so an editor opened before is refused as stale instead of
    # silently overwriting the administrator's change.
    changes_content = False

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if self.changes_content:
            self._next_version(self.sheet_of(form.instance), request.user)

    def delete_model(self, request, obj) -> None:
        sheet = None if isinstance(obj, Sheet) else self.sheet_of(obj)
        super().delete_model(request, obj)
        if self.changes_content and sheet is not None:
            self._next_version(sheet, request.user)

    @staticmethod
    def _next_version(sheet: Sheet, user) -> None:
        Sheet.objects.filter(pk=sheet.pk).update(
            version=F("version") + 1, updated_by=user, updated_at=timezone.now()
        )
        figures.store(sheet.pk)  # a draft's content changed: its stored figures follow


class InlineGuard:
    """An inline of a sheet: read-only and undeletable once the sheet has left 草稿."""

    def has_add_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.status != Sheet.Status.DRAFT:
            return False
        return super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.status != Sheet.Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if left_draft(obj):
            return False
        return super().has_delete_permission(request, obj)


class BudgetLineInline(InlineGuard, admin.TabularInline):
    model = BudgetLine
    extra = 0

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "kind":  # the official sheet's labels: content in every language
            kwargs["widget"] = ContentSelect
        return super().formfield_for_choice_field(db_field, request, **kwargs)


class TransitionInline(admin.TabularInline):
    model = SheetTransition
    extra = 0
    can_delete = False
    fields = ["created_at", "user", "action", "from_status", "to_status", "comment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Sheet)
class SheetAdmin(ContentColumns, WorkflowGuard, SimpleHistoryAdmin):
    changes_content = True
    list_display = ["project", "year", "status", "version", "updated_at"]
    list_filter = ["year", "status", "project__unit__department"]
    search_fields = ["project__name"]
    # States change only through the workflow (reopen on the sheet page), never by hand here.
    readonly_fields = [
        "status",
        "version",
        "rule_set",
        "created_at",
        "updated_at",
        "updated_by",
    ]
    inlines = [BudgetLineInline, TransitionInline]

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """An old version is shown, never saved back: SIMPLE_HISTORY_REVERT_DISABLED only hides
        simple-history's button, and a posted old version would bypass the workflow (its old
        status included), the version check and the read-only rules above."""
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Comment)
class CommentAdmin(ContentColumns, WorkflowGuard, admin.ModelAdmin):
    list_display = ["sheet", "about", "author", "created_at", "resolved_at"]
    content_choice_fields = ("budget_line",)
    list_filter = ["sheet__year"]
    search_fields = ["body"]

    @admin.display(description=_("评论对象"))
    def about(self, obj: Comment) -> str:
        if obj.anchor == Comment.Anchor.ROW:  # the row's name quoted as content
            return Quoting(
                _("第 %(n)s 行 %(name)s"), {"name": obj.anchor_row_name}, n=obj.anchor_row_number
            ).__html__()
        return obj.anchor_text


@admin.register(Evidence)
class EvidenceAdmin(ContentColumns, WorkflowGuard, admin.ModelAdmin):
    list_display = ["name", "sheet", "size", "uploaded_by", "created_at"]
    exclude = ["file"]
    readonly_fields = ["sheet", "indicator", "name", "size", "content_type", "uploaded_by"]


class ProfileFormSet(BaseInlineFormSet):
    """A 审计员 holds no other role (access.auditor_conflict). The user's own fields, as
    submitted, are already on `self.instance`. Two tables, so no database constraint: this
    form is the guard, and access.is_auditor ignores the mark on a superuser."""

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            problem = auditor_conflict(
                self.instance,
                auditor=bool(data.get("auditor")),
                unit=data.get("unit"),
                department=data.get("department"),
                bureau=data.get("bureau"),
            )
            if problem:
                raise ValidationError(problem)


class ProfileInline(admin.StackedInline):
    model = Profile
    formset = ProfileFormSet
    can_delete = False
    extra = 0
    max_num = 1
    # Kept by the login itself (projects/accounts), shown for information.
    readonly_fields = ["password_changed_at", "session_key"]


# Second-factor devices are never edited by hand: django-otp's admin shows each device's
# secret key (and its QR code), which would let whoever reads it pass anyone's second factor.
# The 管理员 resets a user's devices on the accounts page (/accounts/manage/), audited.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)

User = get_user_model()
admin.site.unregister(User)


def _zh_or_blank(value) -> str:
    """A related object's name as content, or nothing."""
    return zh(value) if value else ""


@admin.register(User)
class PerfevalUserAdmin(ContentColumns, LogEachDeletion, UserAdmin):
    inlines = [ProfileInline]
    list_display = ["username", "full_name", "role", "unit", "department", "bureau", "is_active"]

    @admin.display(description=_("姓名"))
    def full_name(self, obj):
        return zh(obj.get_full_name()) if obj.get_full_name() else ""

    @admin.display(description=_("角色"))
    def role(self, obj):
        return role_label(obj)

    @admin.display(description=_("实施单位"))
    def unit(self, obj):
        return _zh_or_blank(filler_unit(obj))

    @admin.display(description=_("主管部门"))
    def department(self, obj):
        return _zh_or_blank(reviewer_department(obj))

    @admin.display(description=_("财政局"))
    def bureau(self, obj):
        return _zh_or_blank(finance_bureau(obj))

    # A password the administrator sets (a new user's, or a reset) must be changed by its user
    # at the next login (projects/accounts).
    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            target = self.get_object(request, id)
            accounts.record_password_change(
                request, target, by_administrator=target.pk != request.user.pk
            )
        return response

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change and form.instance.has_usable_password():
            accounts.record_password_change(request, form.instance, by_administrator=True)


@admin.register(Indicator)
class IndicatorAdmin(ContentColumns, WorkflowGuard, admin.ModelAdmin):
    changes_content = True
    list_display = ["name", "sheet", "level2", "target_text", "actual_text", "weight", "score"]
    list_filter = ["sheet__year", "level1"]
    search_fields = ["name"]
    list_select_related = ["sheet__project", "level2__level1"]


class DepartmentInline(admin.TabularInline):
    """A bureau's departments: their sheets are scored by the bureau's rules."""

    model = Department
    fields = ["name"]
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Bureau)
class BureauAdmin(ContentColumns, NoBulkDelete, admin.ModelAdmin):
    """财政局: the departments whose sheets its rules score, and its rule sets (docs/rules.md
    §5). A bureau with departments or rule sets cannot be deleted (both protect it)."""

    list_display = ["name", "region", "department_count", "rule_set_count"]
    search_fields = ["name", "region"]
    inlines = [DepartmentInline]

    @admin.display(description=_("主管部门数"))
    def department_count(self, obj: Bureau) -> int:
        return obj.departments.count()

    @admin.display(description=_("评分规则版本数"))
    def rule_set_count(self, obj: Bureau) -> int:
        return obj.rule_sets.count()


@admin.register(RuleSet)
class RuleSetAdmin(ContentColumns, NoBulkDelete, admin.ModelAdmin):
    """A bureau's (or the national default's) rules for a year, one row per version. Saving a
    change to a version that scores a submitted or approved sheet saves that bureau's next
    version for the year (projects/rule_sets.py)."""

    list_display = [
        "owner",
        "year",
        "version",
        "scheme",
        "rounding",
        "decimal_places",
        "budget_weight",
        "rate_denominator",
        "review_tiers",
        "source",
        "in_use",
    ]
    list_filter = ["year", "bureau"]
    list_select_related = ["bureau", "scheme"]
    readonly_fields = ["version", "created_at"]
    fieldsets = [
        (None, {"fields": ["bureau", "year", "version", "source", "scheme", "title"]}),
        (_("审核"), {"fields": ["review_tiers"]}),
        (
            _("预算执行"),
            {"fields": ["budget_weight", "rate_denominator", ("rounding", "decimal_places")]},
        ),
        (
            _("一级指标分值（留空则不提示）"),
            {"fields": [("guideline_output", "guideline_effect", "guideline_satisfaction")]},
        ),
        (
            _("定性指标得分区间（占分值 %）"),
            {
                "fields": [
                    ("achieved_low", "achieved_high"),
                    ("partial_low", "partial_high"),
                    ("not_achieved_low", "not_achieved_high"),
                ]
            },
        ),
        (_("评分等级"), {"fields": [("grade_excellent", "grade_good", "grade_pass")]}),
        (
            _("提醒"),
            {"fields": ["execution_warning_below", "over_achievement_factor", "score_mismatch"]},
        ),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "decimal_places":
            # Scores are stored with two decimals: two places, or whole points.
            return forms.TypedChoiceField(
                label=db_field.verbose_name,
                choices=[(2, _("两位小数")), (0, _("取整"))],
                coerce=int,
                initial=2,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("财政局"), ordering="bureau__name")
    def owner(self, obj: RuleSet) -> str:
        return zh(obj.bureau.name) if obj.bureau_id else str(_("全国默认"))

    @admin.display(description=_("使用中的自评表"))
    def in_use(self, obj: RuleSet) -> int:
        return obj.sheets.count()

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["bureau", "year"]  # a version belongs to its bureau and year
        return fields

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and not rule_sets.is_deletable(obj):
            return False
        return super().has_delete_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if request.method == "GET" and obj is not None and rule_sets.is_frozen(obj):
            messages.warning(
                request,
                _(
                    "此版本已用于已提交或已审核的自评表，不会被修改：保存时将生成新版本，"
                    "只用于草稿和已退回的自评表。"
                ),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change) -> None:
        saved = rule_sets.save_rule_set(obj)
        if saved.new_version:
            messages.info(
                request,
                _(
                    "已保存为%(owner)s %(year)s 年度第 %(version)s 版评分规则；已提交、已审核的"
                    "自评表仍按原版本评分，%(moved)s 张草稿和已退回的自评表改按新版本评分。"
                )
                % {
                    "owner": obj.bureau.name if obj.bureau_id else _("全国默认"),
                    "year": obj.year,
                    "version": obj.version,
                    "moved": saved.moved,
                },
            )


# The catalogue's own admins (indicators/admin.py, which never imports projects) with their
# change lists' content marked as every other list here.
for _model in (Level1, CatalogueScheme):
    _registered = type(admin.site._registry[_model])
    admin.site.unregister(_model)
    admin.site.register(_model, type(_registered.__name__, (ContentColumns, _registered), {}))
