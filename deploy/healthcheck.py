"""Container health checks for docker-compose.yml: `python deploy/healthcheck.py web|worker`.

web     GET http://127.0.0.1:8000/healthz, named by the site's first host name (Django refuses
        other Host headers); healthy when it answers 200 "ok" (the app runs and its database
        answers SELECT 1).
worker  the container's main process is `manage.py db_worker` (the entrypoint execs it, so it is
        PID 1 and the container stops when it dies), the database answers, and the queue is being
        worked: no task has been ready for longer than PERFEVAL_WORKER_STALL_SECONDS (default
        1800: a long batch of PDFs keeps a single worker busy for minutes, not half an hour).

Exit status 0 when healthy, 1 otherwise, with one line saying why (shown by
`docker inspect --format '{{json .State.Health}}' <container>`).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def site_host(allowed_hosts: str) -> str:
    """A Host header Django accepts: the first of DJANGO_ALLOWED_HOSTS, made concrete."""
    for host in (h.strip() for h in allowed_hosts.split(",")):
        if not host or host == "*":
            continue
        return "health" + host if host.startswith(".") else host
    return "localhost"


def check_web(url: str, host: str, timeout: float = 5.0) -> str | None:
    """None when the app answers 200 "ok" at `url`, else why not."""
    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read(64)
            if response.status == 200 and body == b"ok":
                return None
            return f"{url} answered {response.status} {body!r}"
    except urllib.error.HTTPError as error:
        return f"{url} answered {error.code}"
    except (OSError, ValueError) as error:
        return f"{url} unreachable: {error}"


def main_process_is_worker(cmdline: Path = Path("/proc/1/cmdline")) -> bool:
    try:
        words = cmdline.read_bytes().split(b"\0")
    except OSError:
        return False
    return b"db_worker" in words


def stalled_tasks(now: datetime, stall_seconds: int) -> int:
    """How many tasks have been ready to run for longer than `stall_seconds`."""
    from django.db.models import Q
    from django_tasks_db.models import DBTaskResult, get_date_max

    cutoff = now - timedelta(seconds=stall_seconds)
    waiting = DBTaskResult.objects.ready().filter(enqueued_at__lt=cutoff)
    return waiting.filter(Q(run_after=get_date_max()) | Q(run_after__lt=cutoff)).count()


def check_worker(stall_seconds: int, *, cmdline: Path = Path("/proc/1/cmdline")) -> str | None:
    """None when the worker process runs, reaches the database and the queue moves."""
    if not main_process_is_worker(cmdline):
        return "the container's main process is not manage.py db_worker"
    from django.db import DatabaseError
    from django.utils import timezone

    try:
        stalled = stalled_tasks(timezone.now(), stall_seconds)
    except DatabaseError as error:
        return f"database unavailable: {error}"
    if stalled:
        return f"{stalled} task(s) ready for more than {stall_seconds} s: the queue is not worked"
    return None


def main(argv: list[str]) -> int:
    what = argv[1] if len(argv) > 1 else ""
    if what == "web":
        port = os.environ.get("PERFEVAL_HEALTH_PORT", "8000")
        host = site_host(os.environ.get("DJANGO_ALLOWED_HOSTS", ""))
        problem = check_web(f"http://127.0.0.1:{port}/healthz", host)
    elif what == "worker":
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "perfeval.settings")
        import django

        django.setup()
        stall = int(os.environ.get("PERFEVAL_WORKER_STALL_SECONDS", "1800"))
        problem = check_worker(stall)
    else:
        print("usage: healthcheck.py web|worker", file=sys.stderr)
        return 2
    print(problem or "ok")
    return 1 if problem else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
