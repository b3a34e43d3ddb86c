"""Who a change is recorded as, in the history (django-simple-history) of sheets, rows, budget
lines, projects, comments and evidence.

In a web request the history middleware knows: the logged-in user. Outside one (the demo
loader, a management command, a job) the services that act for a person say so with
`@acts_for_user`, so a status change or a comment made there is recorded as that person, not as
"系统导入". A change nobody acted for (an import from the command line) still has no user,
and the history says 系统导入."""

from __future__ import annotations

import functools
from contextlib import contextmanager
from contextvars import ContextVar

_acting = ContextVar("perfeval_acting_user", default=None)


@contextmanager
def acting_as(user):
    """Changes saved inside are recorded as `user` when no request says otherwise."""
    token = _acting.set(user)
    try:
        yield
    finally:
        _acting.reset(token)


def acts_for_user(service):
    """A service whose keyword argument `user` is the person acting: its saves are theirs."""

    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        with acting_as(kwargs.get("user")):
            return service(*args, **kwargs)

    return wrapper


def history_user(request=None, **kwargs):
    """`HistoricalRecords(get_user=…)`: the request's user, else the person acting."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    return _acting.get()
