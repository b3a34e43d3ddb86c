"""The audit log's two tables: the records, hash-chained, and the checkpoints of the chain's head.

Both are append-only three times over: the models refuse to save an existing row or delete one
(and their querysets refuse `update` and `delete`), nothing registers them in the admin, and
database triggers refuse UPDATE, DELETE and TRUNCATE (migration `projects/0008_audit_log`).

The tables are `managed = False`: the migration creates them, with their indexes and triggers,
and Django's `flush` (which a transactional test runs after each test, and which would meet the
triggers) leaves them alone. A change to their columns is a hand-written migration, which must
also say what it means for the hashes already written.

The user is a reference without a database constraint and never cleared (DO_NOTHING): clearing
it when a user is deleted would be an UPDATE, which the triggers refuse; `username` keeps the
name as it was, and every page shows that copy.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .codes import Action, Result


class AppendOnly(Exception):
    """An attempt to change or delete an audit record or checkpoint."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("audit rows cannot be updated")

    def delete(self):
        raise AppendOnly("audit rows cannot be deleted")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnly("audit rows cannot be updated")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("an audit row, once written, cannot change")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("audit rows cannot be deleted")


def _choices(codes) -> list[tuple[str, str]]:
    # The codes alone: `projects.audit.wording` words them when shown.
    return [(code.value, code.value) for code in codes]


class AuditRecord(AppendOnlyModel):
    """One security event: when, who, from where, what, on which object, and how it ended.

    `id` is the record's place in the chain, assigned under the chain's lock (1, 2, 3 …), so a
    gap is a deleted record. `hash` is the SHA-256 of the record's canonical content, which
    includes `prev_hash`, the hash of the record before it (`projects.audit.services`).
    """

    id = models.BigIntegerField(_("序号"), primary_key=True)
    created_at = models.DateTimeField(_("时间"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("用户"),
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    action = models.CharField(_("事件"), max_length=40, choices=_choices(Action))
    result = models.CharField(_("结果"), max_length=10, choices=_choices(Result))
    object_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_label = models.CharField(_("对象"), max_length=300, blank=True)
    # Codes and values only (ids, states, kinds, sizes), never sentences.
    params = models.JSONField(_("参数"), default=dict, blank=True)
    prev_hash = models.CharField(_("前一条的哈希"), max_length=64, blank=True)
    hash = models.CharField(_("哈希"), max_length=64, unique=True)

    class Meta:
        managed = False
        db_table = "projects_auditrecord"
        ordering = ["-id"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        indexes = [
            models.Index(fields=["created_at"], name="audit_created_at"),
            models.Index(fields=["user"], name="audit_user"),
            models.Index(fields=["username"], name="audit_username"),
            models.Index(fields=["action", "created_at"], name="audit_action"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["ip"], name="audit_ip"),
        ]

    def __str__(self) -> str:
        return f"#{self.id} {self.action} {self.result}"


class AuditCheckpoint(AppendOnlyModel):
    """The chain as it stood at a moment: its head (`record_id`, `record_hash`), how many
    records it held from its first to its head, and where it starts (`first_id`,
    `first_prev_hash`: the first record kept and the hash it must point back to — empty at the
    beginning, the last pruned record's hash after a prune). `verify_audit` checks the table
    against the latest one: a head that is gone, or fewer records, is a truncated tail."""

    class Reason(models.TextChoices):
        PERIODIC = "periodic", "periodic"  # every N records, written by `record`
        MANUAL = "manual", "manual"  # manage.py audit_checkpoint (cron or a systemd timer)
        PRUNE = "prune", "prune"  # manage.py prune_audit: the chain now starts later

    created_at = models.DateTimeField(_("时间"))
    reason = models.CharField(_("原因"), max_length=10, choices=Reason.choices)
    record_id = models.BigIntegerField(_("最新记录序号"))
    record_hash = models.CharField(_("最新记录哈希"), max_length=64)
    record_count = models.BigIntegerField(_("记录数"))
    first_id = models.BigIntegerField(_("首条记录序号"))
    first_prev_hash = models.CharField(_("首条记录的前一哈希"), max_length=64, blank=True)

    class Meta:
        managed = False
        db_table = "projects_auditcheckpoint"
        ordering = ["-id"]
        verbose_name = _("审计检查点")
        verbose_name_plural = _("审计检查点")

    def __str__(self) -> str:
        return f"{self.record_id} {self.record_hash[:12]}"
