"""Server-rendered pages. Reviewer pages grow here; for now, who you are and where to go."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.defaults import page_not_found
from django.views.defaults import server_error as html_server_error

from reviewqueue.api.errors import json_404, json_500
from reviewqueue.selectors.access import REVIEW, VIEW, queues_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    viewable = queues_for(request.user, VIEW).select_related("workflow")
    reviewable = set(queues_for(request.user, REVIEW).values_list("pk", flat=True))
    return render(
        request,
        "home.html",
        {
            "queues": [(queue, queue.pk in reviewable) for queue in viewable],
            "roles": sorted(g.name for g in request.user.groups.all()),
        },
    )


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return json_404(request, exception)
    return page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return json_500(request)
    return html_server_error(request)
