"""Cursor pages for every list of the API: stable under inserts, no OFFSET scans."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

from reviewqueue.api.errors import APIError

_BIGINT = 2**63 - 1


def _refuse_cursor(cause: Exception | None = None) -> APIError:
    error = APIError(400, "invalid_cursor", "The cursor is not one this API gave out.")
    error.__cause__ = cause
    return error


class CursorPages(CursorPagination):
    """DRF answers a cursor it cannot read with 404 and ignores a page size it cannot read; both
    are wrong input to a list that exists: 400. A page size above the maximum is capped.

    Cursors are not signed, so the position inside one is checked like any other input before
    it reaches a query: a value its ordering field cannot hold is a 400, not a database error."""

    page_size_query_param = "page_size"
    max_page_size = 200  # a list without its own cap still never answers unbounded pages

    def get_page_size(self, request):
        raw = request.query_params.getlist(self.page_size_query_param)
        # isascii: "²" and "١٢" are digits to str.isdigit, not page sizes.
        if raw and (len(raw) > 1 or not (raw[0].isascii() and raw[0].isdigit()) or int(raw[0]) < 1):
            raise APIError(400, "invalid_page_size", "page_size must be one whole number above 0.")
        return super().get_page_size(request)

    def paginate_queryset(self, queryset, request, view=None):
        self._ordered_by = queryset.model._meta.get_field(
            self.get_ordering(request, queryset, view)[0].lstrip("-")
        )
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound as unreadable:
            raise _refuse_cursor(unreadable) from unreadable
        if cursor is not None and cursor.position is not None:
            _check_position(self._ordered_by, cursor.position)
        return cursor


def _check_position(field: models.Field, position: str) -> None:
    if "\x00" in position:
        raise _refuse_cursor()
    try:
        value = field.to_python(position)
    except ValidationError as unreadable:
        raise _refuse_cursor(unreadable) from unreadable
    if isinstance(value, int) and not -_BIGINT <= value <= _BIGINT:
        raise _refuse_cursor()
