"""Rule-set versions (docs/rules.md §5): a year's scoring rules change without touching any
sheet that has left 草稿.

A sheet records the rule-set version that scores it (`Sheet.rule_set`). A version that scores
a submitted or approved sheet is never edited or deleted: saving a change to it makes the
year's next version instead. Drafts and returned
sheets (the ones their unit is still working on) move to the newest version, so they are
always scored by the year's current rules; submitted and approved sheets keep theirs, and
their figures, page and PDF never change.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max

from indicators.models import RuleSet

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


@transaction.atomic
def save_rule_set(rule_set: RuleSet) -> Saved:
    """Save a new or changed rule set the versioned way, and move the year's drafts and
    returned sheets to the year's newest version."""
    year_versions = RuleSet.objects.select_for_update().filter(year=rule_set.year)
    newest = year_versions.aggregate(Max("version"))["version__max"] or 0
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
    if rule_set.version >= newest:
        moved = Sheet.objects.filter(year=rule_set.year, status__in=EDITABLE).update(
            rule_set=rule_set
        )
    return Saved(rule_set, new_version, moved)
