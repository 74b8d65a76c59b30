"""Building review situations quickly: drafts in a queue, people with rights, API calls."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.contrib.auth.models import Group, User
from django.db.models import F

from audit.actors import Actor
from reviewqueue.models import Draft, Lease
from reviewqueue.services import ingest
from workflows.models import ProducerKey, Workflow
from workflows.services.keys import create_producer_key

_batch = itertools.count(1)


def make_drafts(
    workflow: Workflow, count: int, consequence: str = "medium", **fields
) -> list[Draft]:
    """`count` drafts through the real ingest path (routing, audit), oldest first."""
    key, _ = create_producer_key(workflow=workflow, actor=Actor.system("test"))
    key = ProducerKey.objects.select_related("workflow__current_policy").get(pk=key.pk)
    run = next(_batch)
    submissions = []
    for n in range(count):
        data = {
            "external_id": f"rv-{run}-{n}",
            "content": f"Draft {n} of run {run}.\nSecond line.",
            "consequence": consequence,
            "confidence": 0.9,
            **fields,
        }
        submissions.append(ingest.Submission.of(data, data))
    outcomes = ingest.receive_drafts(key=key, submissions=submissions)
    drafts = [o.draft for o in outcomes]
    # A batch shares one arrival time, and claims take the most urgent, then the oldest: with
    # ties, the order would be the table's. Each draft is made a millisecond younger than the
    # one before, so "oldest first" holds whatever the heap looks like.
    for n, draft in enumerate(drafts[1:], start=1):
        draft.received_at += timedelta(milliseconds=n)
        Draft.objects.filter(pk=draft.pk).update(received_at=draft.received_at)
    return drafts


def reviewer(username: str, role: str = "senior_adjusters") -> User:
    """A new person in a demo role (so they hold that role's queue rights)."""
    user = User.objects.create_user(username=username, password="x")
    user.groups.add(Group.objects.get(name=role))
    return user


def let_lease_time_pass(draft: Draft, minutes: float) -> None:
    """As if `minutes` had passed for the draft's leases. Leases run on the database's clock,
    which a test cannot move, so their times move back instead."""
    back = timedelta(minutes=minutes)
    Draft.objects.filter(pk=draft.pk, lease_expires_at__isnull=False).update(
        lease_started_at=F("lease_started_at") - back, lease_expires_at=F("lease_expires_at") - back
    )
    leases = Lease.objects.filter(draft=draft)
    leases.update(started_at=F("started_at") - back, expires_at=F("expires_at") - back)
    leases.filter(ended_at__isnull=False).update(ended_at=F("ended_at") - back)
