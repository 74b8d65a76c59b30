"""The API's face of workflows/selectors/access.py: 404 for an unknown workflow, 403 otherwise."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from reviewqueue.api.errors import APIError
from workflows.models import Workflow
from workflows.selectors.access import OWNER, feedback_role


def access_workflow(user: AbstractBaseUser, slug: str, *, owners_only: bool = False) -> Workflow:
    """The workflow if the person may see its feedback, else 404 (unknown) or 403."""
    workflow = Workflow.objects.filter(slug=slug).first()
    if workflow is None:
        raise APIError(404, "not_found", "No such workflow.")
    role = feedback_role(user, workflow)
    if role == OWNER or (role and not owners_only):
        return workflow
    raise APIError(403, "permission_denied", "Only the workflow's owners, admins and auditors.")
