"""Decisions: approve, edit, reject, escalate; two different people on two-approval queues."""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.db import transaction

from audit import events
from audit.actors import Actor
from audit.chain import digest
from audit.services import record
from reviewqueue.models import Decision, Draft, Lease
from reviewqueue.selectors.access import REVIEW, may
from reviewqueue.services.errors import Conflict, Invalid, NotAllowed
from reviewqueue.services.leases import clear_lease, lock_leased_draft
from reviewqueue.text import is_blank, unify_line_ends
from workflows.callbacks import outbox
from workflows.models import ErrorCategory
from workflows.services import automation

Action = Decision.Action
APPROVALS = set(Decision.APPROVALS)
NEEDS_CATEGORY = {Action.EDIT, Action.REJECT}


def decide(
    *,
    draft_id: UUID,
    user: User,
    action: str,
    content: str | None = None,
    error_category: str | None = None,
    comment: str = "",
    reason: str = "",
) -> Decision:
    """Record the lease holder's decision and move the draft on, with its audit entry.

    Raises NotAllowed (403), Conflict (409) or Invalid (400); nothing changes when it does.
    """
    _check_inputs(action, content, reason)
    with transaction.atomic():
        draft, now = lock_leased_draft(draft_id, user)
        # Checked again under the lock: a revocation since the claim wins.
        if not may(user, REVIEW, draft.review_queue):
            raise NotAllowed("permission_denied", "You may no longer review this queue.")
        if action in APPROVALS and draft.first_approver_id == user.pk:
            raise NotAllowed(
                "same_approver",
                "You gave the text as it stands its first approval; the second must come from "
                "someone else.",
            )
        if action in APPROVALS and draft.first_approver_id is not None:
            _void_unqualified_first_approval(draft)
        # Read before _apply: an edit makes its author the first approver of the new text.
        pairs_with = draft.first_approver_id if action in APPROVALS else None
        category = _category(draft, action, error_category)
        queue_before, status_before = draft.review_queue, draft.status_before_lease
        lease_started_at = draft.lease_started_at or now
        text_before = draft.current_content
        if action == Action.EDIT and same_text(content or "", text_before):
            # Counted as an edit it would read as a correction in the owners' metrics.
            raise Invalid(
                "validation_error",
                "The text is unchanged: approve it as written instead.",
                {"content": "unchanged"},
            )
        text_after = content if action == Action.EDIT and content is not None else text_before

        is_final = _apply(draft, user, action, text_after, now)

        decision = Decision.objects.create(
            draft=draft,
            queue=queue_before,
            workflow_id=draft.workflow_id,
            reviewer=user,
            first_approver_id=pairs_with,
            action=action,
            is_final=is_final,
            content=text_after,
            diff=_diff(text_before, text_after),
            error_category=category,
            comment=comment,
            reason=reason,
            time_spent=now - lease_started_at,
            decided_at=now,
        )
        Lease.objects.filter(draft=draft, holder=user, ended_at__isnull=True).update(
            ended_at=now, end_reason=Lease.End.DECIDED
        )
        before = {"status": status_before, "queue": queue_before.slug}
        after = {"status": draft.status, "queue": draft.review_queue.slug}
        entry: dict[str, Any] = {
            "actor": Actor.person(user),
            "object_type": "draft",
            "object_id": draft.pk,
        }
        record(
            events.DRAFT_DECIDED,
            workflow_slug=draft.workflow.slug,
            data={
                "decision_id": decision.pk,
                "action": action,
                "error_category": category.slug if category else None,
                # The text itself stays out of the log (it may be purged); its digest is chained.
                "content_sha256": digest(text_after),
                "before": before,
                "after": after,
            },
            **entry,
        )
        if is_final or action == Action.ESCALATE:
            outbox.enqueue(draft, f"draft.{draft.status}", decision)
        if is_final and draft.qa_sample:
            automation.after_qa_decision(draft.workflow)
        if action == Action.ESCALATE:
            record(
                events.DRAFT_ESCALATED,
                workflow_slug=draft.workflow.slug,
                # People's words stay out of the log (retention purges them from the decision).
                data={"before": before, "after": after, "reason_sha256": digest(reason)},
                **entry,
            )
    return decision


def _void_unqualified_first_approval(draft: Draft) -> None:
    """Two approvals count only from two people who may both review the queue when the second
    is given: a first approver who lost that right since no longer counts, and this approval
    becomes the first one (in the same transaction, with its own audit entry)."""
    first = draft.first_approver
    if first is None or may(first, REVIEW, draft.review_queue):
        return
    draft.first_approver = None
    record(
        events.APPROVAL_VOIDED,
        actor=Actor.system("two-person rule"),
        object_type="draft",
        object_id=draft.pk,
        workflow_slug=draft.workflow.slug,
        data={
            "first_approver": first.get_username(),
            "reason": f"may no longer review {draft.review_queue.slug}",
        },
    )


def _check_inputs(action: str, content: str | None, reason: str) -> None:
    """The rules every caller (API, pages, commands) gets, whatever it validated itself."""
    if action not in Action.values:
        raise Invalid(
            "validation_error", f"Unknown action {action!r}.", {"action": "invalid_choice"}
        )
    if action == Action.EDIT and is_blank(content):
        raise Invalid(
            "validation_error",
            "Write the corrected text to edit.",
            {"content": "required" if content is None else "blank"},
        )
    if action != Action.EDIT and content is not None:
        # Dropping it would let the reviewer believe their text was saved.
        raise Invalid(
            "validation_error",
            'Only an edit carries new text: choose "Edit" to keep your changes.',
            {"content": "not_allowed"},
        )
    if action == Action.ESCALATE and is_blank(reason):
        raise Invalid(
            "validation_error",
            "Say why you escalate.",
            {"reason": "blank" if reason else "required"},
        )
    if action != Action.ESCALATE and reason:
        raise Invalid(
            "validation_error",
            "Only an escalation takes a reason; use comment otherwise.",
            {"reason": "not_allowed"},
        )


def same_text(a: str, b: str) -> bool:
    """The same text once line ends are unified (browsers send CRLF)."""
    return unify_line_ends(a) == unify_line_ends(b)


def _category(draft: Draft, action: str, slug: str | None) -> ErrorCategory | None:
    if slug and action == Action.APPROVE:
        # An approval says nothing was wrong; a category on it would count as an error.
        raise Invalid(
            "validation_error",
            "An approval takes no error category: edit or reject to name what was wrong.",
            {"error_category": "not_allowed"},
        )
    if not slug:
        if action in NEEDS_CATEGORY:
            raise Invalid(
                "validation_error",
                f"An error category is required to {action}.",
                {"error_category": "required"},
            )
        return None
    category = ErrorCategory.objects.filter(
        workflow_id=draft.workflow_id, slug=slug, is_active=True
    ).first()
    if category is None:
        raise Invalid(
            "validation_error",
            f"'{slug}' is not an error category of {draft.workflow.slug}.",
            {"error_category": "unknown_category"},
        )
    return category


def _apply(draft: Draft, user: User, action: str, text: str, now: datetime) -> bool:
    """Move the (locked) draft to where the decision sends it; True if that finishes it."""
    queue = draft.review_queue
    if action == Action.ESCALATE:
        target = queue.escalation_queue
        if target is None:
            raise Conflict(
                "no_escalation_queue", f"Queue {queue.slug} has no escalation queue to send to."
            )
        clear_lease(draft)
        draft.queue = target
        draft.status = Draft.Status.ESCALATED
        draft.due_at = now + target.sla
        draft.sla_breached_at = None
        # A first approval stands: the escalation queue's reviewer gives the second (the draft
        # keeps needing two if it is critical; see Draft.approvals_needed).
        draft.save()
        return False

    if action == Action.EDIT:
        draft.reviewed_content = text
    two_people = action in APPROVALS and draft.approvals_needed == 2
    # The first approval, or an edit in the second round: the text as it now stands still
    # needs someone else's approval, so the final text always carries two people's.
    if two_people and (draft.first_approver_id is None or action == Action.EDIT):
        clear_lease(draft)
        draft.status = Draft.Status.AWAITING_SECOND_APPROVAL
        draft.first_approver = user
        draft.save()
        return False

    clear_lease(draft)
    if action == Action.REJECT:
        draft.status = Draft.Status.REJECTED
    elif draft.reviewed_content is not None:
        draft.status = Draft.Status.EDITED  # approved, with changes somewhere along the way
    else:
        draft.status = Draft.Status.APPROVED
    draft.decided_at = now
    draft.save()
    return True


def _diff(before: str, after: str) -> str:
    """A unified diff, one change per line, as `diff -u` prints it (with its marker for a last
    line that has no newline, so "-old" and "+new" never run together)."""
    if before == after:
        return ""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), "draft", "reviewed"
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
