"""Request-wide wiring: the request id every log line and error page carries, and the
language the interface speaks."""

from __future__ import annotations

import logging
import re
import uuid

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from perfeval.errors import DATABASE_UNAVAILABLE, database_unavailable
from perfeval.request_id import serving

logger = logging.getLogger("perfeval.errors")

# A request id a proxy or a client may pass in (nginx: `$request_id`, 32 hex digits); anything
# else is replaced, so a log line never carries an attacker's text.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")


class RequestIdMiddleware:
    """Gives each request an id: the incoming X-Request-ID when it is a sane token (a proxy's),
    else a new uuid4 hex. The id is `request.request_id`, the X-Request-ID response header and
    the `request_id` of every log record written while the request is served (the error page
    shows it so a user can quote it). A database outage in a view answers 503 with the user's
    input kept (`perfeval.errors.database_unavailable`), never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        with serving(request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        logger.error("database unavailable: %s", request.path, exc_info=exception)
        return database_unavailable(request)


class ChosenLanguageMiddleware(LocaleMiddleware):
    """The interface speaks the language the user chose (language cookie), else zh-hans.

    The browser's Accept-Language is ignored on purpose: bureau PCs often run English-language
    browsers, and the product's default is Simplified Chinese.
    """

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
