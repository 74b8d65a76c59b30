"""Response hardening for the reviewer pages, which show text written by AI and producers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

# No script runs on these pages: if escaping ever failed, injected markup still could not execute.
# Inline styles stay allowed for base.html's <style> block.
CONTENT_SECURITY_POLICY = "default-src 'self'; style-src 'self' 'unsafe-inline'"


def content_security_policy(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        # Drafts, decisions and the log are not for the browser's cache: "Back" after a decision
        # must ask again (not show a stale form that still offers the lease), and a shared
        # computer must not keep someone's claim files after they sign out.
        add_never_cache_headers(response)
        return response

    return wrapped
