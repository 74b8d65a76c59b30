"""Why a review action was refused. The API maps each kind to its status (403, 409, 400)."""

from __future__ import annotations


class ReviewRefused(Exception):
    def __init__(self, code: str, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}


class NotAllowed(ReviewRefused):
    """The person may see the draft but may not do this to it (403)."""


class Conflict(ReviewRefused):
    """The draft's state does not allow it now: no live lease, already decided (409)."""


class Invalid(ReviewRefused):
    """The request names something that does not exist for this draft (400)."""
