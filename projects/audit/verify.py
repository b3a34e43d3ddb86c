"""Checking the chain (`manage.py verify_audit`): recompute every record's hash and follow the
links from the chain's start, reporting what does not fit, with record ids.

- changed: a record's content no longer gives its hash; or a record was rewritten with a new
  hash, so the record after it points back to a hash that no longer exists (no id missing).
- deleted: the record after a gap points back to a hash that no longer exists, and ids are
  missing there (or at the start of the chain).
- inserted: a record no one points back to that is not the head — a branch off the chain (it
  claims a predecessor another record claims too), or a record before the chain's start.
- reordered: followed link by link, the chain meets a record with a smaller id than one it
  met before it (ids were swapped or renumbered).
- truncated: against the latest checkpoint, its head record is gone or changed, or fewer
  records stand between the chain's start and that head than the checkpoint counted.

Memory: the ids and the two hashes of every record (about 200 bytes each: 180 days of a busy
server fit). The hashes use no secret: someone who may write the table and disable its triggers
could rewrite the whole chain after the latest checkpoint; the checkpoints' head hashes, which
`audit_checkpoint` also prints for the system log, are what such a rewrite cannot match.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import AuditRecord
from .services import chain_start, hash_of, latest_checkpoint


@dataclass(frozen=True)
class Problem:
    kind: str  # changed, deleted, inserted, reordered, truncated
    ids: tuple[int, ...]
    note: str

    def __str__(self) -> str:
        return f"{self.kind}: {', '.join(f'#{i}' for i in self.ids)} ({self.note})"


@dataclass
class Report:
    count: int = 0
    first: int | None = None
    head: int | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems

    def kinds(self) -> set[str]:
        return {p.kind for p in self.problems}


@dataclass
class _Rows:
    ids: list[int] = field(default_factory=list)
    hash: dict[int, str] = field(default_factory=dict)
    prev: dict[int, str] = field(default_factory=dict)
    by_hash: dict[str, int] = field(default_factory=dict)
    after: dict[str, list[int]] = field(default_factory=dict)  # prev hash -> ids pointing to it


def _load(report: Report) -> _Rows:
    rows = _Rows()
    for record in AuditRecord.objects.order_by("id").iterator(chunk_size=2000):
        rows.ids.append(record.id)
        rows.hash[record.id] = record.hash
        rows.prev[record.id] = record.prev_hash
        rows.by_hash[record.hash] = record.id
        rows.after.setdefault(record.prev_hash, []).append(record.id)
        if hash_of(record) != record.hash:
            report.problems.append(Problem("changed", (record.id,), "content does not match hash"))
    return rows


def _next(rows: _Rows, current: str, seen: set[int], report: Report) -> int | None:
    """The record that follows the one with hash `current`; branches are inserted records."""
    candidates = [i for i in rows.after.get(current, []) if i not in seen]
    if not candidates:
        return None
    if len(candidates) > 1:
        # The record that the chain goes on from is the real one; dead ends were put in.
        going_on = [i for i in candidates if rows.after.get(rows.hash[i])]
        chosen = going_on[0] if going_on else candidates[0]
        for other in candidates:
            if other != chosen and not rows.after.get(rows.hash[other]):
                seen.add(other)
                report.problems.append(
                    Problem("inserted", (other,), "branches off the chain; nothing follows it")
                )
        return chosen
    return candidates[0]


def _missing(rows: _Rows, low: int, high: int) -> tuple[int, ...]:
    present = set(rows.ids)
    return tuple(i for i in range(low + 1, high) if i not in present)


def _break(rows: _Rows, last: int | None, start: int, head: int, report: Report) -> None:
    """The chain resumes at `head`, whose predecessor is not in the table."""
    low = last if last is not None else start - 1
    missing = _missing(rows, low, head) if head > low else ()
    if missing:
        report.problems.append(Problem("deleted", missing, f"missing before #{head}"))
    elif last is not None and not rows.after.get(rows.hash[head]) and head == rows.ids[-1]:
        report.problems.append(Problem("inserted", (head,), f"points to no record after #{last}"))
    elif last is not None:
        report.problems.append(
            Problem("changed", (last,), f"rewritten: #{head} was chained to another hash")
        )
    else:
        report.problems.append(Problem("deleted", (head,), "the chain's first records are gone"))


def _walk(rows: _Rows, start: tuple[int, str], report: Report) -> list[int]:
    """The records in chain order, following links from the start and across breaks."""
    seen: set[int] = set()
    order: list[int] = []
    # Where the chain can resume after a break: records whose predecessor is not in the table.
    resumes = iter([i for i in rows.ids if i >= start[0] and rows.prev[i] not in rows.by_hash])
    current, last = start[1], None
    while True:
        following = _next(rows, current, seen, report)
        if following is None:
            floor = last if last is not None else start[0] - 1
            following = next((i for i in resumes if i > floor and i not in seen), None)
            if following is None:
                break
            _break(rows, last, start[0], following, report)
        seen.add(following)
        order.append(following)
        current, last = rows.hash[following], following
    for i in rows.ids:
        if i not in seen:
            where = "before the chain's start" if i < start[0] else "off the chain"
            report.problems.append(Problem("inserted", (i,), where))
    return order


def _reordered(order: list[int], report: Report) -> None:
    highest = 0
    out = []
    for i in order:
        if i < highest:
            out.append(i)
        highest = max(highest, i)
    if out:
        report.problems.append(Problem("reordered", tuple(out), "stand before their predecessor"))


def _against_checkpoint(rows: _Rows, report: Report) -> None:
    point = latest_checkpoint()
    if point is None:
        return
    if point.record_id not in rows.hash:
        last = rows.ids[-1] if rows.ids else 0
        report.problems.append(
            Problem("truncated", (point.record_id,), f"checkpointed head gone; log ends at #{last}")
        )
        return
    if rows.hash[point.record_id] != point.record_hash:
        report.problems.append(
            Problem("truncated", (point.record_id,), "checkpointed head has another hash")
        )
    count = sum(1 for i in rows.ids if point.first_id <= i <= point.record_id)
    if count < point.record_count:
        report.problems.append(
            Problem(
                "truncated",
                (point.record_id,),
                f"{count} records up to the checkpoint, {point.record_count} counted",
            )
        )


def verify() -> Report:
    report = Report()
    rows = _load(report)
    report.count = len(rows.ids)
    if rows.ids:
        report.first, report.head = rows.ids[0], rows.ids[-1]
        _reordered(_walk(rows, chain_start(), report), report)
    _against_checkpoint(rows, report)
    return report
