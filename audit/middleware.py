"""Make the signed-in person the actor of audit entries written during their request, and log
every refusal of a known caller."""

from __future__ import annotations

import json
import logging

from django.db import DatabaseError, transaction

from audit import events
from audit.actors import Actor
from audit.context import current_actor
from audit.services import record

log = logging.getLogger(__name__)


class ActorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        actor = Actor.person(user) if user is not None and user.is_authenticated else None
        token = current_actor.set(actor)
        try:
            return self.get_response(request)
        finally:
            current_actor.reset(token)


class DenialMiddleware:
    """An `authz.denied` entry for each 403 answered to a signed-in person or a producer, and
    for each 404 that hid an existing draft, queue or workflow from them (the caller cannot
    tell it from a missing one; the log can). Strangers (401) are not logged here: their failed
    sign-ins are, and a flood of anonymous requests must not grow a log nobody can prune."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code not in (403, 404):
            return response
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return response
        if response.status_code == 404 and not _hid_something(request):
            return response
        try:
            with transaction.atomic():
                record(
                    events.ACCESS_DENIED,
                    actor=_actor(user),
                    object_type="endpoint",
                    object_id=request.path[:64],
                    workflow_slug=getattr(getattr(user, "workflow", None), "slug", ""),
                    data={
                        "method": request.method,
                        "path": request.path[:500],
                        "status": response.status_code,
                        "code": _code(response),
                    },
                )
        except DatabaseError:  # the refusal stands; the database is what failed
            log.warning("could not log a refusal of %s", request.path, exc_info=True)
        return response


def _actor(user) -> Actor:
    key = getattr(user, "key", None)
    return Actor.producer(key) if key is not None else Actor.person(user)


def _hid_something(request) -> bool:
    """Whether the 404 answered a draft, queue or workflow that exists."""
    from reviewqueue.models import Draft, Queue
    from workflows.models import Workflow

    match = getattr(request, "resolver_match", None)
    kwargs = match.kwargs if match else {}
    if kwargs.get("draft_id") is not None:
        return Draft.objects.filter(pk=kwargs["draft_id"]).exists()
    slug = kwargs.get("slug")
    if slug is not None:
        return (
            Queue.objects.filter(slug=slug).exists() or Workflow.objects.filter(slug=slug).exists()
        )
    return False


def _code(response) -> str:
    if not response.streaming and response.get("Content-Type", "").startswith("application/json"):
        try:
            return str(json.loads(response.content)["error"]["code"])[:64]
        except (ValueError, KeyError, TypeError):
            pass
    return "forbidden" if response.status_code == 403 else "not_found"
