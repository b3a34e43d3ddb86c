"""The catalogue's back office. The rule sets and the finance bureaus are edited in
projects/admin.py: rule-set versions follow the sheets they score (projects/rule_sets.py),
and a bureau's page lists its departments (both of `projects`, which this app never imports)."""

from django.contrib import admin

from .models import CatalogueScheme, Level1, Level2


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
