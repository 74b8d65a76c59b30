"""Building review situations quickly: drafts in a queue, people with rights, API calls."""

from __future__ import annotations

import itertools

from django.contrib.auth.models import Group, User

from audit.actors import Actor
from reviewqueue.models import Draft
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
        submissions.append(ingest.Submission(data, ingest.body_hash(data)))
    outcomes = ingest.receive_drafts(key=key, submissions=submissions)
    return [o.draft for o in outcomes]


def reviewer(username: str, role: str = "senior_adjusters") -> User:
    """A new person in a demo role (so they hold that role's queue rights)."""
    user = User.objects.create_user(username=username, password="x")
    user.groups.add(Group.objects.get(name=role))
    return user
