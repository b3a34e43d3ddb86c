"""The id of the request being served, for log records and error pages.

`perfeval.middleware.RequestIdMiddleware` sets it for each request; every log record made while
the request is served carries it as `request_id` (a record factory, so whichever handler reads
the record first sees it), and the log format of settings.LOGGING prints it.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager

_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def current_request_id() -> str:
    """The id of the request being served in this thread, or "-" outside a request."""
    return _current.get()


def request_id_of(request) -> str:
    return getattr(request, "request_id", None) or current_request_id()


@contextmanager
def serving(request_id: str) -> Iterator[None]:
    token = _current.set(request_id)
    try:
        yield
    finally:
        _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to a record that lacks it, for the log format (settings.LOGGING)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


def _install_record_factory() -> None:
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.request_id = current_request_id()
        return record

    factory.adds_request_id = True
    logging.setLogRecordFactory(factory)


_install_record_factory()
