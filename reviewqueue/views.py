"""Health check and the error handlers. The reviewer pages live in reviewqueue/web/."""

from django.http import HttpRequest, HttpResponse
from django.views.defaults import bad_request, page_not_found, permission_denied
from django.views.defaults import server_error as html_server_error

from reviewqueue.api.errors import json_400, json_403, json_404, json_500
from reviewqueue.web.security import CONTENT_SECURITY_POLICY


def refused_request(request: HttpRequest, exception=None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return json_400(request, exception)
    return _hardened(bad_request(request, exception))


def forbidden(request: HttpRequest, exception=None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return json_403(request, exception)
    return _hardened(permission_denied(request, exception))


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return json_404(request, exception)
    return _hardened(page_not_found(request, exception))


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return json_500(request)
    return _hardened(html_server_error(request))


def _hardened(response: HttpResponse) -> HttpResponse:
    # Error pages echo nothing the user sent, but get the same no-script policy as the others.
    response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    return response
