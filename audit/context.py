"""The request id of the request being served, so audit entries can carry it without plumbing."""

from contextvars import ContextVar

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="")

# Who is acting, for audit entries written where the actor is not passed explicitly (signal
# handlers catching permission changes made through the admin, say).
current_actor: ContextVar = ContextVar("current_actor", default=None)
