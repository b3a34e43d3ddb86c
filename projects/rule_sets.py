"""Rule-set versions (docs/rules.md §5): a bureau's scoring rules for a year change without
touching any sheet that has left 草稿.

Rules belong to a finance bureau and a year, or to no bureau: the national default. Each
(bureau, year) has its own versions 1, 2, … A sheet records the rule-set version that scores
it (`Sheet.rule_set`). A version that scores a submitted or approved sheet is never edited or
deleted: saving a change to it makes the (bureau, year)'s next version instead. Drafts and
returned sheets (the ones their unit is still working on) move to the newest version of the
rules that govern them (`governed_sheets`), so they are always scored by their bureau's
current rules; submitted and approved sheets keep theirs, and their figures, page and PDF
never change.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, Q, QuerySet

from indicators.models import Bureau, RuleSet

from . import figures
from .models import Sheet
from .workflow import EDITABLE


def is_frozen(rule_set: RuleSet) -> bool:
    """Whether the version scores a sheet that is out of its unit's hands (submitted or
    approved). A returned sheet is back in its unit's hands and moves with the rules."""
    if rule_set.pk is None:
        return False
    return Sheet.objects.filter(rule_set=rule_set).exclude(status__in=EDITABLE).exists()


def is_deletable(rule_set: RuleSet) -> bool:
    """Only a version no sheet records may be deleted (drafts move to another one first)."""
    return rule_set.pk is not None and not Sheet.objects.filter(rule_set=rule_set).exists()


@dataclass(frozen=True)
class Saved:
    rule_set: RuleSet
    new_version: bool  # a change to a frozen version became the next version
    moved: int  # drafts and returned sheets now scored by this version


def versions_of(bureau_id: int | None, year: int) -> QuerySet[RuleSet]:
    """Every version of one bureau's rules (None: the national default's) for a year."""
    if bureau_id is None:
        return RuleSet.objects.filter(year=year, bureau__isnull=True)
    return RuleSet.objects.filter(year=year, bureau_id=bureau_id)


def governed_sheets(bureau_id: int | None, year: int) -> QuerySet[Sheet]:
    """The year's sheets that one bureau's rules (None: the national default's) govern.

    A bureau's rules govern the sheets of its departments. The national default governs the
    sheets of departments without a bureau, and of departments whose bureau has no rules of
    its own for that year (`RuleSet.for_year` falls back to the default for them too); once
    such a bureau gets its first version for the year, its departments' sheets are its own.
    """
    sheets = Sheet.objects.filter(year=year)
    if bureau_id is not None:
        return sheets.filter(project__unit__department__bureau_id=bureau_id)
    without_rules = Bureau.objects.exclude(rule_sets__year=year)
    return sheets.filter(
        Q(project__unit__department__bureau__isnull=True)
        | Q(project__unit__department__bureau__in=without_rules)
    )


@transaction.atomic
def save_rule_set(rule_set: RuleSet) -> Saved:
    """Save a new or changed rule set the versioned way (per bureau and year), and move the
    drafts and returned sheets it governs to its newest version."""
    versions = versions_of(rule_set.bureau_id, rule_set.year).select_for_update()
    newest = versions.aggregate(Max("version"))["version__max"] or 0
    new_version = False
    if rule_set.pk is None:
        rule_set.version = newest + 1
    elif is_frozen(RuleSet.objects.get(pk=rule_set.pk)):
        rule_set.pk = None
        rule_set._state.adding = True
        rule_set.version = newest + 1
        new_version = True
    rule_set.save()
    moved = 0
    # The drafts and returned sheets scored by this version, or moved to it, are scored
    # afresh (their stored figures); submitted and approved sheets never.
    rescored = set(
        Sheet.objects.filter(rule_set=rule_set, status__in=EDITABLE).values_list("pk", flat=True)
    )
    if rule_set.version >= newest:
        governed = governed_sheets(rule_set.bureau_id, rule_set.year).filter(status__in=EDITABLE)
        ids = list(governed.values_list("pk", flat=True))
        moved = Sheet.objects.filter(pk__in=ids).update(rule_set=rule_set)
        rescored.update(ids)
    figures.store_many(sorted(rescored))
    return Saved(rule_set, new_version, moved)
