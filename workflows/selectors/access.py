"""Who sees a workflow's feedback: its owners (named on the workflow, or holding its view
metrics permission) and admins act on it, auditors read it."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from workflows.models import Workflow

OWNER, READER = "owner", "reader"


def feedback_role(user: AbstractBaseUser, workflow: Workflow) -> str | None:
    """OWNER (owners, admins), READER (auditors) or None."""
    if user.is_superuser or user.has_perm("workflows.view_workflow_metrics", workflow):
        return OWNER
    if user.is_active and user.pk in (workflow.business_owner_id, workflow.technical_owner_id):
        return OWNER  # the digest goes to them: its links must open
    if user.has_perm("audit.read_audit_log"):
        return READER
    return None


class OwnersOnly(Exception):
    """An auditor reads the workflow's feedback but may not act on it (403)."""


def access_workflow_feedback(
    user: AbstractBaseUser, slug: str, *, owners_only: bool = False
) -> tuple[Workflow, str]:
    """The workflow and the person's role in its feedback.

    Raises Workflow.DoesNotExist both for an unknown slug and for a workflow the person may not
    see, so neither answer tells which workflows exist; OwnersOnly for an auditor asking to act.
    """
    workflow = Workflow.objects.get(slug=slug)
    role = feedback_role(user, workflow)
    if role is None:
        raise Workflow.DoesNotExist(f"No workflow {slug!r} for {user}.")
    if owners_only and role != OWNER:
        raise OwnersOnly(slug)
    return workflow, role


def workflows_with_feedback(user: AbstractBaseUser) -> QuerySet[Workflow]:
    """The workflows whose metrics the person may see, by slug."""
    if user.is_superuser or user.has_perm("audit.read_audit_log"):
        return Workflow.objects.order_by("slug")
    if not user.is_active:
        return Workflow.objects.none()
    granted = get_objects_for_user(
        user, "workflows.view_workflow_metrics", klass=Workflow, accept_global_perms=False
    )
    return Workflow.objects.filter(
        Q(pk__in=granted.values("pk")) | Q(business_owner=user) | Q(technical_owner=user)
    ).order_by("slug")
