"""One error shape for every API error.

    {"error": {"code": "validation_error", "message": "...",
               "fields": {"sources.0.uri": [{"code": "invalid", "message": "..."}]}}}

`code` is stable and machine-readable; `fields` appears only for validation errors and names each
offending field by its dotted path. README.md lists the codes.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

log = logging.getLogger(__name__)


class APIError(exceptions.APIException):
    """An error with our own code, e.g. APIError(409, "idempotency_conflict", "...")."""

    def __init__(self, status_code: int, code: str, message: str):
        self.status_code = status_code
        super().__init__(detail=message, code=code)
        self.code = code


class DatabaseUnavailable(APIError):
    wait = 1  # seconds, sent as Retry-After

    def __init__(self):
        super().__init__(
            503, "database_unavailable", "The database is not reachable right now; retry shortly."
        )


class PayloadTooLarge(APIError):
    def __init__(self, limit: int):
        super().__init__(413, "payload_too_large", f"Request body is larger than {limit} bytes.")


# DRF's default codes, renamed where ours read better.
_CODES = {
    "parse_error": "malformed_json",
    "not_authenticated": "not_authenticated",
    "authentication_failed": "authentication_failed",
    "permission_denied": "permission_denied",
    "not_found": "not_found",
    "method_not_allowed": "method_not_allowed",
    "unsupported_media_type": "unsupported_media_type",
    "throttled": "throttled",
    "not_acceptable": "not_acceptable",
}


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        body["fields"] = fields
    return {"error": body}


def flatten_field_errors(detail: Any, prefix: str = "") -> dict[str, list[dict[str, str]]]:
    """DRF's nested error detail as {"a.b.0.c": [{"code": ..., "message": ...}]}."""
    flat: dict[str, list[dict[str, str]]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else str(key)
            path = f"{prefix}.{name}" if prefix and name else (prefix or name or "body")
            flat.update(flatten_field_errors(value, path))
    elif (
        isinstance(detail, list)
        and detail
        and all(isinstance(item, exceptions.ErrorDetail) for item in detail)
    ):
        flat.setdefault(prefix or "body", []).extend(
            {"code": item.code or "invalid", "message": str(item)} for item in detail
        )
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            if item:
                flat.update(
                    flatten_field_errors(item, f"{prefix}.{index}" if prefix else str(index))
                )
    else:
        code = getattr(detail, "code", "invalid") or "invalid"
        flat.setdefault(prefix or "body", []).append({"code": code, "message": str(detail)})
    return flat


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        from django.conf import settings

        exc = PayloadTooLarge(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    elif isinstance(exc, DatabaseOperationalError | DatabaseInterfaceError):
        # The database restarting, unreachable, or a transaction it had to cancel: nothing was
        # stored, and the same request (same external_id) can simply be sent again.
        log.warning("database unavailable: %s", exc)
        exc = DatabaseUnavailable()
    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: Django's 500 handler (JSON under /api/) takes it

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    if isinstance(exc, exceptions.ValidationError):
        body = error_body(
            "validation_error", "The request has invalid fields.", flatten_field_errors(exc.detail)
        )
    else:
        detail = exc.detail
        code = getattr(exc, "code", None) or getattr(detail, "code", None) or exc.default_code
        body = error_body(_CODES.get(code, code), str(detail))
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


def json_400(request, exception=None) -> JsonResponse:
    return JsonResponse(
        error_body("bad_request", "The request cannot be served (e.g. an unknown Host header)."),
        status=status.HTTP_400_BAD_REQUEST,
    )


def json_403(request, exception=None) -> JsonResponse:
    return JsonResponse(
        error_body("permission_denied", "You may not do this."), status=status.HTTP_403_FORBIDDEN
    )


def json_404(request, exception=None) -> JsonResponse:
    return JsonResponse(error_body("not_found", "Not found."), status=status.HTTP_404_NOT_FOUND)


def json_500(request) -> JsonResponse:
    return JsonResponse(
        error_body("server_error", "Something went wrong on our side; it has been logged."),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )
