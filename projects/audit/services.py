"""Writing the audit log: `record` appends one record to the hash chain; `checkpoint` notes its
head. Everything else in the app calls `record` (through the receivers, the middleware, and a
few views), never the model.

The chain. Each record's `hash` is the SHA-256 of its canonical content — a JSON object of its
fields, `prev_hash` (the hash of the record before it) included, keys sorted, time in ISO 8601
UTC with microseconds, Decimals as text, no spaces (the id is left out: it only orders the
table, the links are the chain). Its `id` is the previous record's plus one.
Both are read and written under one lock, so two writers never build on the same record (no
forks): PostgreSQL `pg_advisory_xact_lock(AUDIT_LOCK)`, held until the surrounding transaction
ends; SQLite allows one writer at a time, and `record` takes that write lock (a write that
changes nothing) before it reads the head, so a second writer waits instead of failing.

Transactions. `record` runs in `transaction.atomic`: called inside another transaction, its
record commits or rolls back with that transaction's work. A content save that fails leaves no
record of a save that did not happen. Refusals are different: the refused action raises, its
transaction rolls back, and the refusal is recorded afterwards, outside it — by the middleware's
`process_exception` for PermissionDenied and a sheet outside the user's scope (Django has left
the view, and so the view's atomic blocks, by then), and by the failed-login and lock-out
receivers, which run outside any transaction of the app. Code that catches a refusal inside a
transaction and carries on should call `record(..., result="refused")` after its atomic block.
The PostgreSQL lock is held until the outer transaction commits: keep work after a recorded
event short.
"""

from __future__ import annotations

import contextvars
import datetime
import hashlib
import ipaddress
import json
from decimal import Decimal

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from perfeval.client_ip import client_ip

from .codes import Action, Result
from .models import AuditCheckpoint, AuditRecord

# The advisory lock's key: "perfaudt" read as a 64-bit number.
AUDIT_LOCK = int.from_bytes(b"perfaudt", "big") & 0x7FFF_FFFF_FFFF_FFFF

# The request being answered, so that signal receivers know who and from where.
current_request: contextvars.ContextVar = contextvars.ContextVar("audit_request", default=None)


# -- canonical content and its hash -----------------------------------------------------------


def _plain(value):
    """A JSON-safe value that reads back as itself: Decimals and floats as text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, Decimal | float):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def canonical_json(value) -> str:
    return json.dumps(_plain(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _ip(value) -> str | None:
    return str(ipaddress.ip_address(value)) if value else None


def content_of(record: AuditRecord) -> dict:
    """What a record's hash covers: every column but the hash and the id. The id only orders
    the table; the chain is the links, so renumbered rows are found as out of chain order."""
    return {
        "created_at": _iso(record.created_at),
        "user_id": record.user_id,
        "username": record.username,
        "ip": _ip(record.ip),
        "action": record.action,
        "result": record.result,
        "object_type": record.object_type,
        "object_id": record.object_id,
        "object_label": record.object_label,
        "params": record.params,
        "prev_hash": record.prev_hash,
    }


def hash_of(record: AuditRecord) -> str:
    return hashlib.sha256(canonical_json(content_of(record)).encode("utf-8")).hexdigest()


# -- what a record says about its object ------------------------------------------------------


def sheet_label(sheet) -> str:
    """A sheet as the log names it: 2023 信息化运维项目."""
    return f"{sheet.year} {sheet.project.name}"


def describe(obj) -> tuple[str, str, str]:
    """(type, id, label) of the object a record is about; the label is a copy of its name."""
    from projects.models import Comment, EvaluationTask, Evidence, ExportJob, ReCheck, Sheet

    if isinstance(obj, Sheet):
        return "sheet", str(obj.pk), sheet_label(obj)
    if isinstance(obj, Evidence):
        return "evidence", str(obj.pk), f"{sheet_label(obj.sheet)} · {obj.name}"
    if isinstance(obj, Comment):
        return "comment", str(obj.pk), sheet_label(obj.sheet)
    if isinstance(obj, ExportJob):
        scope = obj.unit or obj.department
        return "export_job", str(obj.pk), f"{obj.year} {scope or ''}".strip()
    if isinstance(obj, ReCheck):
        return "recheck", str(obj.pk), f"{obj.year} {obj.title}"
    if isinstance(obj, EvaluationTask):
        return "task", str(obj.pk), f"{obj.year} {obj.title}"
    if isinstance(obj, models.Model):
        return obj._meta.label_lower, str(obj.pk), str(obj)
    return "", "", ""


# -- writing ----------------------------------------------------------------------------------


def _take_lock() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK])
        elif connection.vendor == "sqlite":
            # A write that changes nothing takes SQLite's one write lock for this transaction.
            cursor.execute("DELETE FROM projects_auditcheckpoint WHERE 0 = 1")


def _who(request, user) -> tuple:
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    return user


def record(
    action: str,
    *,
    request=None,
    user=None,
    obj=None,
    result: str = Result.OK,
    params: dict | None = None,
    username: str = "",
    ip: str | None = None,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
) -> AuditRecord:
    """Append one record: `action` and `result` are codes (`codes.Action`, `codes.Result`),
    `params` codes and values. Who and where come from `request`, else from the request being
    answered (the middleware's), else from `user`; the object from `obj` or the explicit
    fields. Runs in its own atomic block (a savepoint inside a transaction)."""
    action, result = Action(action).value, Result(result).value
    request = request if request is not None else current_request.get()
    user = _who(request, user)
    if ip is None and request is not None:
        ip = client_ip(request) or None
    if obj is not None:
        object_type, object_id, object_label = describe(obj)
    entry = AuditRecord(
        user_id=user.pk if user is not None else None,
        username=(user.get_username() if user is not None else username)[:150],
        ip=_ip(ip),
        action=action,
        result=result,
        object_type=object_type[:60],
        object_id=str(object_id)[:64],
        object_label=object_label[:300],
        params=json.loads(canonical_json(params or {})),
    )
    with transaction.atomic():
        _take_lock()
        head = AuditRecord.objects.order_by("-id").values_list("id", "hash").first()
        entry.id = head[0] + 1 if head else 1
        entry.prev_hash = head[1] if head else ""
        entry.created_at = timezone.now()
        entry.hash = hash_of(entry)
        entry.save()
        every = getattr(settings, "PERFEVAL_AUDIT_CHECKPOINT_EVERY", 1000)
        if every and entry.id % every == 0:
            checkpoint(reason=AuditCheckpoint.Reason.PERIODIC)
    return entry


def checkpoint(
    *, reason: str = AuditCheckpoint.Reason.MANUAL, start: tuple[int, str] | None = None
) -> AuditCheckpoint | None:
    """Note the chain's head and its length from its start (nothing when the log is empty).
    The start is carried over from the latest checkpoint; only a prune gives a new one."""
    with transaction.atomic():
        _take_lock()
        head = AuditRecord.objects.order_by("-id").values_list("id", "hash").first()
        if head is None:
            return None
        first_id, first_prev_hash = start or chain_start()
        return AuditCheckpoint.objects.create(
            created_at=timezone.now(),
            reason=reason,
            record_id=head[0],
            record_hash=head[1],
            record_count=AuditRecord.objects.filter(id__gte=first_id, id__lte=head[0]).count(),
            first_id=first_id,
            first_prev_hash=first_prev_hash,
        )


def chain_start() -> tuple[int, str]:
    """Where the chain begins: its first record's id and the hash that record points back to,
    as the latest checkpoint says (record 1 and nothing, until a prune)."""
    latest = latest_checkpoint()
    if latest is None:
        return 1, ""
    return latest.first_id, latest.first_prev_hash


def latest_checkpoint() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-id").first()
