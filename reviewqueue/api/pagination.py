"""Cursor pages for every list of the API: stable under inserts, no OFFSET scans."""

from __future__ import annotations

from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

from reviewqueue.api.errors import APIError


class CursorPages(CursorPagination):
    """DRF answers a cursor it cannot read with 404 and ignores a page size it cannot read; both
    are wrong input to a list that exists: 400. A page size above the maximum is capped."""

    page_size_query_param = "page_size"

    def get_page_size(self, request):
        raw = request.query_params.getlist(self.page_size_query_param)
        if raw and (len(raw) > 1 or not raw[0].isdigit() or int(raw[0]) < 1):
            raise APIError(400, "invalid_page_size", "page_size must be one whole number above 0.")
        return super().get_page_size(request)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound as unreadable:
            raise APIError(
                400, "invalid_cursor", "The cursor is not one this API gave out."
            ) from unreadable
