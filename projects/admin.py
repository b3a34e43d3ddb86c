from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .models import BudgetLine, Department, Profile, Project, Sheet, Unit


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


@admin.register(Sheet)
class SheetAdmin(admin.ModelAdmin):
    list_display = ["project", "year", "status", "version", "updated_at"]
    list_filter = ["year", "status", "project__unit__department"]
    search_fields = ["project__name"]
    readonly_fields = ["version", "created_at", "updated_at", "updated_by"]
    inlines = [BudgetLineInline]


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
    list_display = ["username", "get_full_name", "is_staff", "is_superuser", "unit", "department"]

    @admin.display(description="实施单位")
    def unit(self, obj):
        profile = getattr(obj, "profile", None)
        return profile.unit if profile else ""

    @admin.display(description="主管部门")
    def department(self, obj):
        profile = getattr(obj, "profile", None)
        return profile.department if profile else ""
