"""Pages that only take a form's POST answer a GET (a reloaded or pasted address) with a page
that says so and links back, not the browser's blank 405."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

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


def _back(request: HttpRequest, kwargs: dict) -> str:
    """The page the button lives on."""
    if kwargs.get("draft_id"):
        return reverse("draft", kwargs={"draft_id": kwargs["draft_id"]})
    if kwargs.get("slug") and request.path.startswith("/workflows/"):
        return reverse("owner-dashboard", kwargs={"slug": kwargs["slug"]})
    if request.path.startswith("/audit/"):
        return reverse("audit-log")
    return reverse("home")
