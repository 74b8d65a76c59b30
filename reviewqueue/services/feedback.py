"""What reviewers tell owners besides decisions: flagged sources, golden cases."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit import events
from audit.actors import Actor
from audit.chain import digest
from audit.services import record
from reviewqueue.models import Draft, SourceFlag
from reviewqueue.selectors.access import access_draft_for_review
from reviewqueue.services.errors import Conflict, Invalid


def flag_source(
    *, user: User, draft_id: UUID, source_id: str, reason: str, comment: str = ""
) -> SourceFlag:
    """A reviewer of the draft's queue flags one of its sources (once per person).

    Draft.DoesNotExist if the person may not see the draft; NotAllowed if they may only view it.
    """
    draft = access_draft_for_review(user, draft_id)
    if source_id not in {str(s.get("id")) for s in draft.sources}:
        raise Invalid(
            "validation_error", "The draft cites no such source.", {"source_id": "unknown_source"}
        )
    try:
        with transaction.atomic():
            flag = SourceFlag.objects.create(
                draft=draft,
                source_id=source_id,
                reason=reason,
                comment=comment,
                flagged_by=user,
                created_at=timezone.now(),
            )
            record(
                events.SOURCE_FLAGGED,
                actor=Actor.person(user),
                object_type="draft",
                object_id=draft.pk,
                workflow_slug=draft.workflow.slug,
                # The comment stays out of the log (retention purges it from the flag).
                data={
                    "source_id": source_id,
                    "reason": reason,
                    **({"comment_sha256": digest(comment)} if comment else {}),
                },
            )
    except IntegrityError as exists:
        raise Conflict("already_flagged", "You already flagged this source.") from exists
    return flag


def mark_golden(*, user: User, draft_id: UUID, golden: bool = True) -> Draft:
    """A reviewer of the queue of a decided draft marks it as a golden evaluation case (or
    unmarks it); refused as flag_source refuses."""
    draft = access_draft_for_review(user, draft_id)
    if draft.status not in Draft.DECIDED_BY_A_PERSON:
        raise Conflict("not_decided", "Only decided drafts can be golden cases.")
    with transaction.atomic():
        Draft.objects.filter(pk=draft.pk).update(is_golden=golden)
        record(
            events.DRAFT_MARKED_GOLDEN,
            actor=Actor.person(user),
            object_type="draft",
            object_id=draft.pk,
            workflow_slug=draft.workflow.slug,
            data={"after": {"is_golden": golden}},
        )
    draft.is_golden = golden
    return draft
