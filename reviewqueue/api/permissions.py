"""Who may call an endpoint at all. Which objects they may touch is the selectors' business."""

from rest_framework.permissions import BasePermission

from reviewqueue.api.authentication import Producer
from reviewqueue.api.errors import APIError


class IsProducer(BasePermission):
    """A live workflow API key. A revoked key or a paused workflow gets 403 with its own code."""

    message = (
        "This endpoint is for producing systems: send a workflow API key (rqp_…, from "
        "manage.py create_producer_key), not a person's token or session."
    )

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.user, Producer):
            return False
        if request.auth.revoked_at is not None:
            raise APIError(403, "key_revoked", "This API key has been revoked.")
        if request.user.workflow.is_paused:
            raise APIError(403, "workflow_paused", "This workflow is paused; it accepts no drafts.")
        return True


class IsPerson(BasePermission):
    """A signed-in person (session or personal token), not a producer."""

    message = (
        "This endpoint is for people: send a personal API token (rqt_…, from manage.py "
        "issue_token) or sign in; a workflow's API key only sends and reads its drafts."
    )

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated) and not isinstance(
            request.user, Producer
        )


class ReadsDrafts(BasePermission):
    """A person, or a producer with a live key (a paused workflow's producer still reads the
    status of what it sent; a revoked key reads nothing)."""

    def has_permission(self, request, view) -> bool:
        if isinstance(request.user, Producer):
            if request.auth.revoked_at is not None:
                raise APIError(403, "key_revoked", "This API key has been revoked.")
            return True
        return IsPerson().has_permission(request, view)
