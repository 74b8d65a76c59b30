"""Who may see a workflow's feedback: its owners (view metrics permission), admins, auditors."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from reviewqueue.api.errors import APIError
from workflows.models import Workflow


def access_workflow(user: AbstractBaseUser, slug: str, *, owners_only: bool = False) -> Workflow:
    """The workflow if the person may see its feedback, else 404 (unknown) or 403."""
    workflow = Workflow.objects.filter(slug=slug).first()
    if workflow is None:
        raise APIError(404, "not_found", "No such workflow.")
    owner = user.has_perm("workflows.view_workflow_metrics", workflow) or user.is_superuser
    auditor = user.has_perm("audit.read_audit_log")
    if owner or (auditor and not owners_only):
        return workflow
    raise APIError(403, "permission_denied", "Only the workflow's owners, admins and auditors.")
