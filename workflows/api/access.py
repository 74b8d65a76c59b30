"""The API's face of workflows/selectors/access.py: 404 for a workflow that is unknown or not
the person's to see, 403 for an auditor asking to act."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from reviewqueue.api.errors import APIError
from workflows.models import Workflow
from workflows.selectors.access import OwnersOnly, access_workflow_feedback

OWNERS_ONLY = "Auditors read this workflow's feedback; only its owners and admins may do this."


def access_workflow(user: AbstractBaseUser, slug: str, *, owners_only: bool = False) -> Workflow:
    try:
        workflow, _role = access_workflow_feedback(user, slug, owners_only=owners_only)
    except Workflow.DoesNotExist as missing:
        raise APIError(404, "not_found", "No such workflow.") from missing
    except OwnersOnly as refused:
        raise APIError(403, "permission_denied", OWNERS_ONLY) from refused
    return workflow
