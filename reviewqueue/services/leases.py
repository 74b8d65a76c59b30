"""Claiming drafts and the life of a lease: renew, release, expiry, loss of permission.

Locking policy: a claim locks the candidate draft row with `FOR UPDATE SKIP LOCKED`, so
concurrent claimers pass over each other's candidates instead of queueing behind them; every
other change to a leased draft (decide, renew, release, withdraw, SLA sweep, reaper, claiming a
lost lease's draft again) locks the draft row with a plain `FOR UPDATE` first, so whoever locks
second sees the first one's result. The per-person, per-queue advisory lock of a claim is taken
before its SKIP LOCKED scan by claim_next and after the draft row by claim_again: no deadlock,
because a SKIP LOCKED scan never waits for a row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import Combinable

from audit import events
from audit.actors import Actor
from audit.services import record
from reviewqueue import clock
from reviewqueue.models import Draft, Lease, Queue
from reviewqueue.selectors.access import REVIEW, may
from reviewqueue.services.errors import Conflict, NotAllowed

REAP_BATCH = 500


@dataclass(frozen=True)
class Claim:
    draft: Draft
    already_held: bool  # the caller already held this lease; nothing new was claimed


def claim_next(*, queue: Queue, user: User) -> Claim | None:
    """Lease the most urgent claimable draft of `queue` to `user` (None if there is none).

    A person holds at most one lease per queue: claiming again returns the draft they hold.
    Callers check that `user` may review `queue`.
    """
    now = clock.now()
    with transaction.atomic():
        _one_claim_at_a_time(user, queue)
        held = _live_lease_of(user, queue, now)
        if held is not None:
            held.queue, held.workflow = queue, queue.workflow
            return Claim(held, already_held=True)
        draft = _lock_next_candidate(queue, user, now)
        if draft is None:
            return None
        _lease_to(draft, queue, user)
    return Claim(draft, already_held=False)


def claim_again(*, draft_id: UUID, user: User) -> Claim:
    """Lease a draft again to the person whose lease on it ran out, if nobody took it since:
    what they were writing when time ran out is about this draft, not the queue's next one.
    Raises Conflict (409) otherwise. Callers check that `user` may review its queue."""
    with transaction.atomic():
        # Lock first, as every change to a leased draft does (module docstring).
        draft = (
            Draft.objects.select_for_update(of=("self",), no_key=True)
            .select_related("queue__workflow", "workflow", "policy")
            .get(pk=draft_id)
        )
        if draft.is_final:
            raise Conflict("draft_already_final", _already_final(draft))
        queue, now = draft.review_queue, clock.now()
        # Checked again under the lock: a revocation since the page was shown wins.
        if not may(user, REVIEW, queue):
            raise NotAllowed("permission_denied", "You may no longer review this queue.")
        _one_claim_at_a_time(user, queue)
        held = _live_lease_of(user, queue, now)
        if held is not None and held.pk == draft.pk:
            return Claim(draft, already_held=True)
        if held is not None:
            raise Conflict(
                "lease_held",
                f"You are already reviewing {held.external_id} in {queue.slug}: decide or "
                "release it first.",
            )
        if not lost_lease_on(draft, user, now):
            raise Conflict(
                "not_claimable_again",
                "Someone else has taken this draft meanwhile."
                if draft.status == Draft.Status.IN_REVIEW
                else "Only a draft whose lease ran out on you can be claimed again by name; "
                "claim the next draft of its queue instead.",
            )
        _lease_to(draft, queue, user)
    return Claim(draft, already_held=False)


def lost_lease_on(draft: Draft, user: User, now: datetime) -> bool:
    """Whether the draft waits, claimable by this person, after their own lease on it ran out
    (the reaper may or may not have ended that lease yet)."""
    if draft.status == Draft.Status.IN_REVIEW:
        expires = draft.lease_expires_at
        return draft.leased_by_id == user.pk and expires is not None and expires <= now
    if draft.status not in Draft.CLAIMABLE_STATUSES or draft.first_approver_id == user.pk:
        return False
    last = draft.leases.order_by("-started_at").first()
    return last is not None and last.holder_id == user.pk and last.end_reason == Lease.End.EXPIRED


def lost_to_revocation(draft_id: UUID, user: User) -> bool:
    """Whether the person's last lease on the draft ended because their review right was taken
    away: they may no longer see it, but they know it, and what they typed is theirs."""
    last = Lease.objects.filter(draft_id=draft_id, holder=user).order_by("-started_at").first()
    return last is not None and last.end_reason == Lease.End.REVOKED


def _lease_to(draft: Draft, queue: Queue, user: User) -> None:
    """Start `user`'s lease on the locked draft, with its history row and audit entry."""
    # Time the lease from now that the row is ours: a decision that ended the previous lease
    # committed before our lock was granted, so the two can never overlap.
    now = clock.now()
    if draft.status == Draft.Status.IN_REVIEW:  # an expired lease: end it first
        _end_lease(draft, Lease.End.EXPIRED, now, Actor.system("lease expiry"))
    draft.status_before_lease = draft.status
    draft.status = Draft.Status.IN_REVIEW
    draft.leased_by = user
    draft.lease_started_at = now
    draft.lease_expires_at = now + queue.lease_duration
    draft.first_claimed_at = draft.first_claimed_at or now
    draft.save(update_fields=[*_LEASE_FIELDS, "first_claimed_at"])
    Lease.objects.create(
        draft=draft, queue=queue, holder=user, started_at=now, expires_at=draft.lease_expires_at
    )
    record(
        events.DRAFT_CLAIMED,
        actor=Actor.person(user),
        object_type="draft",
        object_id=draft.pk,
        workflow_slug=queue.workflow.slug,
        data={
            "queue": queue.slug,
            "before": {"status": draft.status_before_lease},
            "after": {"status": draft.status, "lease_expires_at": _iso(draft.lease_expires_at)},
        },
    )


_LEASE_FIELDS = [
    "status",
    "status_before_lease",
    "leased_by",
    "lease_started_at",
    "lease_expires_at",
    "updated_at",
]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _one_claim_at_a_time(user: User, queue: Queue) -> None:
    # Two claims by the same person on the same queue (a double click, two tabs) must not both
    # pass the "already holds a lease" check; a transaction-scoped advisory lock serialises them.
    if connection.vendor == "postgresql":
        digest = hashlib.blake2b(f"claim:{user.pk}:{queue.pk}".encode(), digest_size=8).digest()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)]
            )


def _live_lease_of(user: User, queue: Queue, now: datetime) -> Draft | None:
    return (
        Draft.objects.filter(
            queue=queue, status=Draft.Status.IN_REVIEW, leased_by=user, lease_expires_at__gt=now
        )
        .select_related("policy")
        .first()
    )


# A draft the person gave back this recently goes to them again only if nothing else waits:
# "Release" then "Claim next" means "another one, please".
RELEASED_RECENTLY = timedelta(minutes=10)


def _lock_next_candidate(queue: Queue, user: User, now: datetime) -> Draft | None:
    released = Lease.objects.filter(
        draft=OuterRef("pk"),
        holder=user,
        end_reason=Lease.End.RELEASED,
        ended_at__gt=now - RELEASED_RECENTLY,
    )
    return _lock_first(queue, user, now, ~Exists(released)) or _lock_first(queue, user, now)


def _lock_first(
    queue: Queue, user: User, now: datetime, prefer: Q | Combinable | None = None
) -> Draft | None:
    waiting = Draft.objects.filter(queue=queue, status__in=Draft.CLAIMABLE_STATUSES)
    if prefer is not None:
        waiting = waiting.filter(prefer)
    expired = Draft.objects.filter(
        queue=queue, status=Draft.Status.IN_REVIEW, lease_expires_at__lte=now
    )
    picks = []
    for candidates in (waiting, expired):
        # SKIP LOCKED: a row another claimer has locked is theirs; take the next one. Never
        # offer a draft to its first approver: it waits for someone else's approval, which
        # they cannot give.
        pick = (
            candidates.exclude(first_approver=user)
            .order_by("due_at", "received_at", "id")  # one order: the queue page shows it
            .select_for_update(skip_locked=True, of=("self",), no_key=True)
            .select_related("policy")
            .first()
        )
        if pick is not None:
            picks.append(pick)
    if not picks:
        return None
    for pick in picks:  # the caller's queue (with its workflow) is already loaded
        pick.queue, pick.workflow = queue, queue.workflow
    return min(
        picks,
        key=lambda d: (d.due_at or datetime.max.replace(tzinfo=now.tzinfo), d.received_at, d.pk),
    )


def _end_lease(draft: Draft, reason: str, now: datetime, actor: Actor) -> None:
    """Close the draft's live lease in the history and audit why (the draft row is locked)."""
    Lease.objects.filter(draft=draft, holder_id=draft.leased_by_id, ended_at__isnull=True).update(
        ended_at=now, end_reason=reason
    )
    audited: dict[str, str] = {
        Lease.End.EXPIRED: events.LEASE_EXPIRED,
        Lease.End.RELEASED: events.LEASE_RELEASED,
        Lease.End.REVOKED: events.LEASE_REVOKED,
    }
    action = audited.get(reason)
    if action:
        record(
            action,
            actor=actor,
            object_type="draft",
            object_id=draft.pk,
            workflow_slug=draft.workflow.slug,
            data={
                "holder": draft.leased_by.get_username() if draft.leased_by else None,
                "lease_expires_at": _iso(draft.lease_expires_at),
                "before": {"status": draft.status},
                "after": {"status": draft.status_before_lease},
            },
        )


def return_to_queue(draft: Draft, reason: str, now: datetime, actor: Actor) -> None:
    """End the live lease and put the draft back where it waited (the draft row is locked)."""
    _end_lease(draft, reason, now, actor)
    draft.status = draft.status_before_lease or Draft.Status.QUEUED
    clear_lease(draft)
    draft.save(update_fields=_LEASE_FIELDS)


def clear_lease(draft: Draft) -> None:
    draft.status_before_lease = ""
    draft.leased_by = None
    draft.lease_started_at = None
    draft.lease_expires_at = None


def lock_leased_draft(draft_id: UUID, user: User) -> tuple[Draft, datetime]:
    """The draft, locked, if `user` holds a live lease on it, and the time the lock was granted
    (changes are stamped with it); else Conflict (409), or NotAllowed (403) for the first
    approver of a draft awaiting its second approval, whom claiming would not help."""
    # Lock first: a decision, a renewal or the reaper may be changing this lease right now.
    draft = (
        Draft.objects.select_for_update(of=("self",), no_key=True)
        .select_related("queue__escalation_queue", "queue__workflow", "workflow", "policy")
        .get(pk=draft_id)
    )
    now = clock.now()
    if draft.is_final:
        raise Conflict("draft_already_final", _already_final(draft))
    if draft.lease_is_live_for(user.pk, now):
        return draft, now
    if draft.first_approver_id == user.pk:
        # Claiming cannot help them: the second approval must come from someone else.
        raise NotAllowed(
            "same_approver",
            "You gave this draft its first approval; the second must come from someone else.",
        )
    if draft.status == Draft.Status.IN_REVIEW and draft.leased_by_id == user.pk:
        raise Conflict(
            "no_live_lease",
            f"Your lease on this draft ran out at {draft.lease_expires_at:%H:%M} UTC; claim "
            "it again while nobody else has (its page offers to; someone else may take it).",
        )
    raise Conflict("no_live_lease", "You hold no live lease on this draft; claim it first.")


def _already_final(draft: Draft) -> str:
    """Who finished the draft and when: someone deciding in a second tab, or after a colleague,
    needs to know whose decision stands."""
    final = draft.decisions.filter(is_final=True).select_related("reviewer").first()
    if final is None:  # withdrawn by its producer, or auto-approved
        return f"The draft is already {draft.outcome_words}."
    return (
        f"The draft was already decided: {draft.outcome_words} by {final.reviewer.get_username()} "
        f"at {final.decided_at:%H:%M} UTC on {final.decided_at:%d %b %Y}."
    )


def renew_lease(*, draft_id: UUID, user: User) -> Draft:
    with transaction.atomic():
        draft, now = lock_leased_draft(draft_id, user)
        before = draft.lease_expires_at
        draft.lease_expires_at = now + draft.review_queue.lease_duration
        draft.save(update_fields=["lease_expires_at", "updated_at"])
        Lease.objects.filter(draft=draft, holder=user, ended_at__isnull=True).update(
            expires_at=draft.lease_expires_at
        )
        record(
            events.LEASE_RENEWED,
            actor=Actor.person(user),
            object_type="draft",
            object_id=draft.pk,
            workflow_slug=draft.workflow.slug,
            data={
                "before": {"lease_expires_at": _iso(before)},
                "after": {"lease_expires_at": _iso(draft.lease_expires_at)},
            },
        )
    return draft


def release_lease(*, draft_id: UUID, user: User) -> Draft:
    with transaction.atomic():
        draft, now = lock_leased_draft(draft_id, user)
        return_to_queue(draft, Lease.End.RELEASED, now, Actor.person(user))
    return draft


def expire_leases(*, now: datetime | None = None) -> int:
    """Return drafts whose lease ran out to their queue. Safe to run on several workers."""
    now = now or clock.now()
    expired = 0
    while True:
        with transaction.atomic():
            batch = list(
                Draft.objects.filter(status=Draft.Status.IN_REVIEW, lease_expires_at__lte=now)
                .select_for_update(skip_locked=True, of=("self",), no_key=True)
                .select_related("workflow", "leased_by")[:REAP_BATCH]
            )
            for draft in batch:
                return_to_queue(draft, Lease.End.EXPIRED, now, Actor.system("lease expiry"))
        expired += len(batch)
        if len(batch) < REAP_BATCH:
            return expired


def end_leases_without_permission(
    *, user_ids: list[int] | None = None, queue_ids: list[int] | None = None, actor: Actor
) -> int:
    """End live leases whose holder may no longer review the draft's queue (revocation)."""
    from reviewqueue.selectors.access import REVIEW, may

    now = clock.now()
    leased = Draft.objects.filter(status=Draft.Status.IN_REVIEW)
    if user_ids is not None:
        leased = leased.filter(leased_by_id__in=user_ids)
    if queue_ids is not None:
        leased = leased.filter(queue_id__in=queue_ids)
    ended = 0
    with transaction.atomic():
        # Locked so a decision by the holder cannot land while their lease is being ended.
        for draft in leased.select_for_update(of=("self",), no_key=True).select_related(
            "queue", "leased_by", "workflow"
        ):
            holder = draft.leased_by
            if holder is None or not may(holder, REVIEW, draft.review_queue):
                return_to_queue(draft, Lease.End.REVOKED, now, actor)
                ended += 1
    return ended
