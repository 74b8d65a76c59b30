"""The request id of the request being served, so audit entries can carry it without plumbing."""

from contextvars import ContextVar

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="")
