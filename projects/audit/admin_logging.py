"""For the Django admin: log each deleted object with its own LogEntry.

The audit log hears the admin through the post_save of each LogEntry. Deleting several
objects at once, Django writes their entries with one bulk_create, which sends no signal; a
ModelAdmin that mixes this in logs them one at a time, so each deletion is audited.
"""

from __future__ import annotations

from django.contrib.admin.models import DELETION, LogEntry


class LogEachDeletion:
    def log_deletions(self, request, queryset):
        return [
            LogEntry.objects.log_actions(
                user_id=request.user.pk, queryset=[obj], action_flag=DELETION, single_object=True
            )
            for obj in queryset
        ]
