"""Addresses that only take a form's POST: a GET (a reloaded or pasted address) gets a page that
says so and links back, not the browser's blank 405; a POST sent after the session ended leads,
once signed in again, back to the page the form is on, not to an address with no page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.template.loader import render_to_string
from django.urls import reverse


def post_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST":
            return view(request, *args, **kwargs)
        back = _back(request, kwargs)
        page = render_to_string("post_only.html", {"back": back}, request=request)
        return HttpResponseNotAllowed(["POST"], content=page)

    return wrapped


NOT_DONE = "You were signed out, so that was not done. Sign in, then do it again."
KEPT = " What you had typed is back in the form, as long as your lease lasts."


def sign_in_first(
    keep: Callable[[HttpRequest, dict], bool] | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """login_required for a form's action. Signed out (in another tab, or the session ended),
    the POST is not done; sign-in then leads to the page the form is on, saying so, and `keep`
    may put aside what was typed so that page can offer it again."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.user.is_authenticated:
                return view(request, *args, **kwargs)
            if request.method != "POST":
                return redirect_to_login(request.get_full_path())
            kept = keep is not None and keep(request, kwargs)
            messages.warning(request, NOT_DONE + (KEPT if kept else ""))
            return redirect_to_login(_back(request, kwargs))

        return wrapped

    return decorator


def _back(request: HttpRequest, kwargs: dict) -> str:
    """The page the button lives on."""
    if kwargs.get("draft_id"):
        return reverse("draft", kwargs={"draft_id": kwargs["draft_id"]})
    if kwargs.get("slug") and request.path.startswith("/workflows/"):
        return reverse("owner-dashboard", kwargs={"slug": kwargs["slug"]})
    if request.path.startswith("/audit/"):
        return reverse("audit-log")
    return reverse("home")
