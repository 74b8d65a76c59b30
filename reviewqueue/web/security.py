"""Response hardening for the reviewer pages, which show text written by AI and producers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse

# No script runs on these pages: if escaping ever failed, injected markup still could not execute.
# Inline styles stay allowed for base.html's <style> block.
CONTENT_SECURITY_POLICY = "default-src 'self'; style-src 'self' 'unsafe-inline'"


def content_security_policy(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

    return wrapped
