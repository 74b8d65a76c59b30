"""Every request: an id that lands in its log lines and its audit entries; and a path that can
name nothing stored is answered 404 before it reaches a query."""

import re
import uuid

import structlog
from django.http import Http404

from audit.context import current_request_id

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Accept a caller's id only if it is short and plain, so it cannot inject into logs.
        incoming = request.headers.get("X-Request-Id", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = current_request_id.set(request_id)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            response = self.get_response(request)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
            current_request_id.reset(token)
        response["X-Request-Id"] = request_id
        return response


class UnstorablePathMiddleware:
    """A NUL (or a lone surrogate) in the path: no id, slug or source id can hold one, and
    PostgreSQL refuses to compare text with it. Not found, as any other unknown address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or _has_lone_surrogate(request.path):
            raise Http404("No such address.")
        return self.get_response(request)


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
