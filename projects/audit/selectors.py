"""Reading the audit log: the records that match a search, newest first (indexed columns)."""

from __future__ import annotations

import datetime
import ipaddress

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import AuditRecord


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def search(filters: dict) -> QuerySet[AuditRecord]:
    """Records matching the cleaned filter (`forms.AuditFilterForm`); days are local days."""
    records = AuditRecord.objects.order_by("-id")
    if filters.get("date_from"):
        records = records.filter(created_at__gte=_day_start(filters["date_from"]))
    if filters.get("date_to"):
        end = filters["date_to"] + datetime.timedelta(days=1)
        records = records.filter(created_at__lt=_day_start(end))
    if filters.get("user"):
        records = records.filter(username__istartswith=filters["user"].strip())
    if filters.get("action"):
        records = records.filter(action=filters["action"])
    if filters.get("result"):
        records = records.filter(result=filters["result"])
    if filters.get("obj"):
        text = filters["obj"].strip()
        records = records.filter(
            Q(object_label__icontains=text) | Q(object_id=text) | Q(object_type=text)
        )
    if filters.get("ip"):
        text = filters["ip"].strip()
        try:
            records = records.filter(ip=str(ipaddress.ip_address(text)))
        except ValueError:
            records = records.filter(ip__startswith=text)
    return records
