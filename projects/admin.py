"""The administrator's back office: departments, units, users and their roles, the sheets'
content, transitions, comments and evidence. States change only through the workflow."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .access import filler_unit, reviewer_department, role_label
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


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "department"]
    list_filter = ["department"]
    search_fields = ["name"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "unit"]
    list_filter = ["unit__department", "unit"]
    search_fields = ["name"]


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    extra = 0


class TransitionInline(admin.TabularInline):
    model = SheetTransition
    extra = 0
    can_delete = False
    fields = ["created_at", "user", "action", "from_status", "to_status", "comment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Sheet)
class SheetAdmin(SimpleHistoryAdmin):
    list_display = ["project", "year", "status", "version", "updated_at"]
    list_filter = ["year", "status", "project__unit__department"]
    search_fields = ["project__name"]
    # States change only through the workflow (reopen on the sheet page), never by hand here.
    readonly_fields = ["status", "version", "created_at", "updated_at", "updated_by"]
    inlines = [BudgetLineInline, TransitionInline]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["sheet", "about", "author", "created_at", "resolved_at"]
    list_filter = ["sheet__year"]
    search_fields = ["body"]

    @admin.display(description=_("评论对象"))
    def about(self, obj: Comment) -> str:
        return obj.anchor_text


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["name", "sheet", "size", "uploaded_by", "created_at"]
    exclude = ["file"]
    readonly_fields = ["sheet", "indicator", "name", "size", "content_type", "uploaded_by"]


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    extra = 0
    max_num = 1


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PerfevalUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ["username", "full_name", "role", "unit", "department", "is_active"]

    @admin.display(description=_("姓名"))
    def full_name(self, obj):
        return obj.get_full_name()

    @admin.display(description=_("角色"))
    def role(self, obj):
        return role_label(obj)

    @admin.display(description=_("实施单位"))
    def unit(self, obj):
        return filler_unit(obj) or ""

    @admin.display(description=_("主管部门"))
    def department(self, obj):
        return reviewer_department(obj) or ""


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["name", "sheet", "level2", "target_text", "actual_text", "weight", "score"]
    list_filter = ["sheet__year", "level1"]
    search_fields = ["name"]
    list_select_related = ["sheet__project", "level2__level1"]
