"""Sign-in, rate limited (django-ratelimit): every failed attempt is an audit entry, so neither a
password guesser nor a flood of strangers may try without limit.

Per client address (RQ_SIGNIN_RATE_PER_CLIENT, 30/min) and per username tried
(RQ_SIGNIN_RATE_PER_USERNAME, 10/min); over either, 429 with a page saying when to try again.
Behind a TLS proxy the client address is the one the proxy reports (reviewqueue/settings.py).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited


def limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST" and _over_the_limit(request):
            response = render(request, "registration/too_many.html", status=429)
            response["Retry-After"] = "60"
            return response
        return view(request, *args, **kwargs)

    return wrapped


def _over_the_limit(request: HttpRequest) -> bool:
    # Both counters always count (no short-circuit), so a guesser cannot dodge one of them.
    by_client = is_ratelimited(
        request,
        group="signin-client",
        key=lambda group, request: client_address(request),
        rate=settings.RQ_SIGNIN_RATE_PER_CLIENT,
        increment=True,
    )
    by_name = is_ratelimited(
        request,
        group="signin-username",
        key=lambda group, request: request.POST.get("username", "")[:150].lower(),
        rate=settings.RQ_SIGNIN_RATE_PER_USERNAME,
        increment=True,
    )
    return by_client or by_name


def client_address(request: HttpRequest) -> str:
    """The caller's address; behind our TLS proxy, the one it appended to X-Forwarded-For (the
    last entry: anything before it came from the client and can be forged)."""
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


login = limited(auth_views.LoginView.as_view())


class SignOut(auth_views.LogoutView):
    """Sign out, and say so on the sign-in page it leads to."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are signed out.")
        return response


logout = SignOut.as_view()
