"""Make the signed-in person the actor of audit entries written during their request, and log
every refusal of a known caller."""

from __future__ import annotations

import json
import logging
import time

from django.conf import settings
from django.core.cache import cache
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
    for each 404 answered to them on a draft, queue or workflow address, with `exists` saying
    whether the object was there (hidden from them) or not. Both kinds of 404 are written alike,
    so the time an answer takes does not tell a hidden object from a missing one.

    At most RQ_DENIALS_LOGGED_PER_MINUTE entries per caller a minute (the rest are log lines),
    and strangers (401) are not logged here (their failed sign-ins are): nobody can grow a log
    nobody may prune at the speed of their requests."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code not in (403, 404):
            return response
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return response
        data = {
            "method": request.method,
            "path": request.path[:500],
            "status": response.status_code,
            "code": _code(response),
        }
        if response.status_code == 404:
            exists = _object_exists(request)
            if exists is None:
                return response  # an address that names no object: nothing was hidden
            data["exists"] = exists
        actor = _actor(user)
        if not _within_cap(actor):
            log.warning("refusal of %s not written to the audit log: over the cap", actor.label)
            return response
        try:
            with transaction.atomic():
                record(
                    events.ACCESS_DENIED,
                    actor=actor,
                    object_type="endpoint",
                    object_id=request.path[:64],
                    workflow_slug=getattr(getattr(user, "workflow", None), "slug", ""),
                    data=data,
                )
        except DatabaseError:  # the refusal stands; the database is what failed
            log.warning("could not log a refusal of %s", request.path, exc_info=True)
        return response


def _within_cap(actor: Actor) -> bool:
    key = f"rq:denials:{actor.kind}:{actor.id}:{int(time.time() // 60)}"
    try:
        cache.add(key, 0, timeout=120)
        count = cache.incr(key)
    except Exception:  # no cache (Redis down): log the refusal, as without a cap
        return True
    return count <= settings.RQ_DENIALS_LOGGED_PER_MINUTE


def _actor(user) -> Actor:
    key = getattr(user, "key", None)
    return Actor.producer(key) if key is not None else Actor.person(user)


def _object_exists(request) -> bool | None:
    """Whether the draft, queue or workflow the address names exists; None if it names none."""
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
    return None


def _code(response) -> str:
    if not response.streaming and response.get("Content-Type", "").startswith("application/json"):
        try:
            return str(json.loads(response.content)["error"]["code"])[:64]
        except (ValueError, KeyError, TypeError):
            pass
    return "forbidden" if response.status_code == 403 else "not_found"
