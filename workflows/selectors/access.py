"""Who sees a workflow's feedback: its owners (view metrics permission) and admins act on it,
auditors read it."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from workflows.models import Workflow

OWNER, READER = "owner", "reader"


def feedback_role(user: AbstractBaseUser, workflow: Workflow) -> str | None:
    """OWNER (owners, admins), READER (auditors) or None."""
    if user.is_superuser or user.has_perm("workflows.view_workflow_metrics", workflow):
        return OWNER
    if user.has_perm("audit.read_audit_log"):
        return READER
    return None


def workflows_with_feedback(user: AbstractBaseUser) -> QuerySet[Workflow]:
    """The workflows whose metrics the person may see, by slug."""
    if user.is_superuser or user.has_perm("audit.read_audit_log"):
        return Workflow.objects.order_by("slug")
    return get_objects_for_user(
        user, "workflows.view_workflow_metrics", klass=Workflow, accept_global_perms=False
    ).order_by("slug")
