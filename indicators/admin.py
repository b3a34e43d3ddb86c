from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import CatalogueScheme, Level1, Level2, RuleSet


class Level2Inline(admin.TabularInline):
    model = Level2
    extra = 0


@admin.register(Level1)
class Level1Admin(admin.ModelAdmin):
    list_display = ["name", "scheme", "position"]
    list_filter = ["scheme"]
    inlines = [Level2Inline]


class Level1Inline(admin.TabularInline):
    model = Level1
    extra = 0
    show_change_link = True


@admin.register(CatalogueScheme)
class CatalogueSchemeAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    inlines = [Level1Inline]


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ["year", "scheme", "rounding", "budget_weight", "title"]
    fieldsets = [
        (None, {"fields": ["year", "scheme", "title", "rounding", "budget_weight"]}),
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
        (_("提醒"), {"fields": ["execution_warning_below", "over_achievement_factor"]}),
    ]
