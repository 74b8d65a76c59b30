"""Callbacks to producing systems: written to an outbox with the outcome, delivered after.

- `enqueue(draft, event)` runs inside the transaction that gives the draft its outcome; the row
  commits (or not) with it, then a Celery task is asked to send it at once.
- `attempt(delivery_id)` makes one signed POST. It first claims the row for a short while in its
  own small transaction, so no lock is held during the request, and records the attempt after.
- Failures retry with exponential backoff and jitter for RQ_CALLBACK_GIVE_UP_HOURS (24), then
  the delivery fails for good; delivered and failed are audit events.
- `sweep()` (Celery beat) sends what is due: retries, and events whose task never ran because
  the broker was down when the decision committed. A delivered row is never sent again.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit import events
from audit.actors import Actor
from audit.services import record
from workflows.callbacks import signing
from workflows.callbacks.urls import (
    HostDoesNotResolve,
    UnsafeCallbackURL,
    check,
    shown,
    vetted_addresses,
)
from workflows.models import CallbackAttempt, CallbackDelivery, GoneEndpoint

if TYPE_CHECKING:
    from reviewqueue.models import Decision, Draft

log = logging.getLogger(__name__)
SENDER = Actor.system("callbacks")
CLAIM_FOR = timedelta(seconds=60)
TIMEOUT_SECONDS = 10
# A name's addresses tried in turn when one cannot be connected to (at most this many).
CONNECT_TRIES = 3
# A sweep stops starting attempts after this long (it runs every RQ_CALLBACK_SWEEP_SECONDS).
SWEEP_BUDGET_SECONDS = 20


def address_of(draft: Draft) -> str:
    """Where a draft's callbacks go now: its own URL, else its workflow's default ("" if none)."""
    return draft.callback_url or draft.workflow.default_callback_url


def enqueue(
    draft: Draft, event_type: str, decision: Decision | None = None
) -> CallbackDelivery | None:
    """Write the outcome's callback to the outbox (inside the caller's transaction)."""
    url = address_of(draft)
    if not url:
        return None
    now = timezone.now()
    gone = GoneEndpoint.objects.filter(workflow=draft.workflow, url=url).first()
    delivery = CallbackDelivery.objects.create(
        id=f"msg_{uuid.uuid4().hex}",
        workflow=draft.workflow,
        draft=draft,
        event_type=event_type,
        url=url,
        payload=_payload(draft, event_type, decision, now),
        next_attempt_at=now,
        created_at=now,
        retrying_since=now,
        # The receiver said 410 Gone: the event is kept (an owner may send it again), not sent.
        status=CallbackDelivery.Status.FAILED if gone else CallbackDelivery.Status.PENDING,
        last_error=(
            f"not sent: this URL answered 410 Gone on {gone.gone_at:%d %b %Y %H:%M} UTC; "
            "'Send again' on any of its callbacks reopens it"
            if gone
            else ""
        ),
    )
    if gone:
        _record_outcome(delivery, delivered=False, status_code=None, error=delivery.last_error)
        return delivery
    transaction.on_commit(lambda: _kick(delivery.pk), robust=True)
    return delivery


def _payload(draft: Draft, event_type: str, decision: Decision | None, now: datetime) -> dict:
    data: dict[str, Any] = {
        "draft_id": str(draft.pk),
        "external_id": draft.external_id,
        "workflow": draft.workflow.slug,
        "status": draft.status,
        "final_content": draft.current_content if draft.status in ("approved", "edited") else None,
    }
    if decision is not None:
        data["decision"] = {
            "action": decision.action,
            "reviewer": decision.reviewer.get_username(),
            "error_category": decision.error_category.slug if decision.error_category else None,
            "comment": decision.comment,
            "reason": decision.reason,
            "decided_at": decision.decided_at.isoformat(),
        }
    return {"type": event_type, "timestamp": now.isoformat(), "data": data}


def _kick(delivery_id: str) -> None:
    from workflows.tasks import deliver_callback

    try:
        deliver_callback.delay(delivery_id)
    except Exception:  # the broker is down: the row is safe, the sweeper will send it
        log.warning(
            "callback %s not queued (broker unavailable); the sweeper will send it",
            delivery_id,
            exc_info=True,
        )


def _claim(delivery_id: str, now: datetime) -> CallbackDelivery | None:
    claimed = CallbackDelivery.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        pk=delivery_id,
        status=CallbackDelivery.Status.PENDING,
        next_attempt_at__lte=now,
    ).update(claimed_until=now + CLAIM_FOR)
    if not claimed:
        return None
    return CallbackDelivery.objects.select_related("workflow").get(pk=delivery_id)


def attempt(delivery_id: str) -> bool:
    """One delivery attempt if the row is due and free; True if it was delivered."""
    delivery = _claim(delivery_id, timezone.now())
    if delivery is None:
        # A redelivered task (its worker died mid-attempt) lands here while that attempt's claim
        # holds: the sweeper sends it once the claim lapses, never two at once.
        log.info(
            "callback %s not attempted: not due, done, or claimed by another attempt", delivery_id
        )
        return False
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True)
    started = time.monotonic()
    status_code, error, wait = None, "", None
    try:
        check(delivery.url, resolve=False)
        response = _post(delivery.url, body, signing.headers(delivery.workflow, delivery.id, body))
        status_code = response.status_code
        if status_code in (429, 503):
            wait = _retry_after(response.headers.get("Retry-After", ""))
    except HostDoesNotResolve as unresolved:
        error = f"DNS: {unresolved}"  # retried with backoff, unlike a refusal
    except UnsafeCallbackURL as refused:
        error = f"refused: {refused}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    except Exception as exc:
        # A URL httpx cannot use (InvalidURL, ValueError) or an unexpected fault: it is still an
        # attempt, retried and given up like any other, not a crashed task the sweeper repeats.
        log.warning("callback %s attempt raised", delivery.pk, exc_info=True)
        error = f"{type(exc).__name__}: {exc}"[:500]
    elapsed_ms = int((time.monotonic() - started) * 1000)
    return _record(delivery, status_code, error, elapsed_ms, wait=wait)


def _retry_after(value: str) -> timedelta | None:
    """A receiver's Retry-After (seconds or an HTTP date), at most an hour."""
    value = value.strip()
    seconds: float
    if value.isdigit():
        seconds = int(value)
    else:
        try:
            seconds = (parsedate_to_datetime(value) - timezone.now()).total_seconds()
        except (TypeError, ValueError):
            return None
    return timedelta(seconds=min(max(seconds, 0), 3600))


def _post(url: str, body: str, headers: dict[str, str]) -> httpx.Response:
    target = httpx.URL(url)
    if settings.RQ_CALLBACK_ALLOW_PRIVATE:
        return _send(target, body, headers, {})
    # Connect to an address we vetted, not to whatever the name resolves to a moment later.
    # Host header, TLS SNI and certificate check still use the name.
    host = target.raw_host.decode("ascii")
    headers = {**headers, "Host": target.netloc.decode("ascii")}
    extensions = {"sni_hostname": host} if target.scheme == "https" else {}
    *others, last = vetted_addresses(host)[:CONNECT_TRIES]
    for address in others:
        try:
            return _send(target.copy_with(host=address), body, headers, extensions)
        except (httpx.ConnectError, httpx.ConnectTimeout):
            # Nothing was sent, so the next address (an IPv4 one behind an IPv6 one this worker
            # cannot reach, say) cannot deliver the event twice.
            continue
    return _send(target.copy_with(host=last), body, headers, extensions)


def _send(
    target: httpx.URL, body: str, headers: dict[str, str], extensions: dict[str, str]
) -> httpx.Response:
    with (
        httpx.Client(
            timeout=TIMEOUT_SECONDS,
            follow_redirects=False,  # a redirect could point anywhere, inside included
        ) as client,
        client.stream(
            "POST", target, content=body.encode("utf-8"), headers=headers, extensions=extensions
        ) as response,
    ):
        # Only the status and headers count: the answer's body is never read, so a receiver
        # cannot make a worker hold (or wait for) whatever it sends back.
        return response


def _backoff(attempts: int) -> timedelta:
    base = min(30 * 2 ** (attempts - 1), 3600)  # 30 s, 1 min, 2 min, … at most an hour
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


def _record(
    delivery: CallbackDelivery,
    status_code: int | None,
    error: str,
    ms: int,
    wait: timedelta | None = None,
) -> bool:
    now = timezone.now()
    delivered = status_code is not None and 200 <= status_code < 300
    give_up_at = delivery.gives_up_at
    final_refusal = status_code == 410 or error.startswith("refused:")
    with transaction.atomic():
        # Locked so a resend or a purge cannot change the row between the attempt and its record.
        delivery = CallbackDelivery.objects.select_for_update(of=("self",), no_key=True).get(
            pk=delivery.pk
        )
        CallbackAttempt.objects.create(
            delivery=delivery,
            attempted_at=now,
            status_code=status_code,
            error=error,
            duration_ms=ms,
        )
        delivery.attempts += 1
        delivery.last_status_code = status_code
        delivery.last_error = error
        delivery.claimed_until = None
        if delivered:
            delivery.status = CallbackDelivery.Status.DELIVERED
            delivery.delivered_at = now
        else:
            # The receiver asked for time (429 / 503 Retry-After): not sooner than that.
            pause = max(_backoff(delivery.attempts), wait or timedelta(0))
            if final_refusal or now + pause >= give_up_at:
                delivery.status = CallbackDelivery.Status.FAILED
            else:
                delivery.next_attempt_at = now + pause
        delivery.save()
        if status_code == 410:
            _mark_gone(delivery, now)
        if delivery.status != CallbackDelivery.Status.PENDING:
            _record_outcome(delivery, delivered=delivered, status_code=status_code, error=error)
    return delivered


def _record_outcome(
    delivery: CallbackDelivery, *, delivered: bool, status_code: int | None, error: str
) -> None:
    record(
        events.CALLBACK_DELIVERED if delivered else events.CALLBACK_FAILED,
        actor=SENDER,
        # Filed under the draft, so that tracing a draft in the log shows its callbacks too.
        object_type="draft",
        object_id=delivery.draft_id,
        workflow_slug=delivery.workflow.slug,
        data={
            "callback_id": delivery.pk,
            "event": delivery.event_type,
            "attempts": delivery.attempts,
            "status_code": status_code,
            "error": error,
        },
    )


def _mark_gone(delivery: CallbackDelivery, now: datetime) -> None:
    """410 Gone: nothing more goes to this URL, neither the events waiting for it nor new ones,
    until an owner sends one again (in the transaction that recorded the 410)."""
    GoneEndpoint.objects.update_or_create(
        workflow=delivery.workflow,
        url=delivery.url,
        defaults={"gone_at": now, "delivery_id": delivery.pk},
    )
    # Locked (in key order, as every multi-row lock) so an attempt starting now sees "failed".
    waiting = (
        CallbackDelivery.objects.select_for_update(of=("self",), no_key=True)
        .filter(
            workflow=delivery.workflow, url=delivery.url, status=CallbackDelivery.Status.PENDING
        )
        .order_by("pk")
    )
    for other in waiting.select_related("workflow"):
        other.status = CallbackDelivery.Status.FAILED
        other.last_error = f"not sent: this URL answered 410 Gone to {delivery.pk}"
        other.save(update_fields=["status", "last_error"])
        _record_outcome(other, delivered=False, status_code=None, error=other.last_error)


def sweep(*, limit: int = 200, budget_seconds: float = SWEEP_BUDGET_SECONDS) -> int:
    """Attempt due deliveries, oldest first, for at most `budget_seconds` (slow receivers must
    not keep one sweep running past the next); returns how many were delivered. What is left is
    the next sweep's."""
    started = time.monotonic()
    now = timezone.now()
    due = list(
        CallbackDelivery.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            status=CallbackDelivery.Status.PENDING,
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    delivered = 0
    for pk in due:
        if time.monotonic() - started > budget_seconds:
            log.info("callback sweep stopped after %.0f s; the next one goes on", budget_seconds)
            break
        delivered += attempt(pk)
    return delivered


class DraftPurged(Exception):
    pass


def resend(*, delivery: CallbackDelivery, actor: Actor) -> CallbackDelivery:
    """An owner asks for a failed (or delivered) event again: same webhook-id, due now.

    Refused (DraftPurged) once retention purged the draft: its payload no longer holds the text,
    and the producer would receive an event that looks complete but is not."""
    with transaction.atomic():
        delivery = (
            CallbackDelivery.objects.select_for_update(of=("self",), no_key=True)
            .select_related("draft__workflow", "workflow")
            .get(pk=delivery.pk)
        )
        if delivery.draft.purged_at is not None:
            raise DraftPurged(
                f"The draft's text was purged on {delivery.draft.purged_at:%d %b %Y} "
                "(retention); its callback cannot be sent again."
            )
        # To the address the draft's callbacks go to now: an owner who corrected the workflow's
        # default after a failure sends the event to the corrected one.
        previous_url = delivery.url
        delivery.url = address_of(delivery.draft) or previous_url
        # The owner sends to this URL again on purpose: it is no longer treated as gone.
        GoneEndpoint.objects.filter(workflow_id=delivery.workflow_id, url=delivery.url).delete()
        delivery.status = CallbackDelivery.Status.PENDING
        delivery.next_attempt_at = timezone.now()
        delivery.retrying_since = timezone.now()  # a new window of retries
        delivery.claimed_until = None
        delivery.save()
        record(
            events.CALLBACK_RESENT,
            actor=actor,
            object_type="draft",
            object_id=delivery.draft_id,
            workflow_slug=delivery.workflow.slug,
            data={
                "callback_id": delivery.pk,
                **(
                    {"url": {"before": shown(previous_url), "after": shown(delivery.url)}}
                    if delivery.url != previous_url
                    else {}
                ),
            },
        )
        transaction.on_commit(lambda: _kick(delivery.pk), robust=True)
    return delivery
