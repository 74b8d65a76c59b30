"""Signed callbacks to a real receiver on loopback: signatures, retries with backoff, the outbox
surviving a broker outage, no duplicates on a second sweep, refused internal URLs (with a fake
resolver, also one that rebinds), and attempts that raise still being retried and given up."""

from __future__ import annotations

import socket
import time
from datetime import timedelta

import httpx
import pytest
import time_machine
from django.test import TestCase, override_settings
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from audit.models import AuditEntry
from reviewqueue.models import Draft
from tests.conftest import person_client
from tests.reviewqueue.helpers import field_codes, post_json
from tests.reviewqueue.review_helpers import make_drafts
from tests.workflows.broker import publishing_to
from tests.workflows.receiver import Receiver
from workflows.callbacks import outbox, signing
from workflows.callbacks.urls import UnsafeCallbackURL, check
from workflows.models import CallbackDelivery

pytestmark = pytest.mark.django_db


def test_our_signer_reproduces_the_standard_webhooks_known_answer():
    from datetime import UTC, datetime

    signed = Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").sign(
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        datetime.fromtimestamp(1614265330, UTC),
        '{"test": 2432232314}',
    )
    assert signed == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


@pytest.fixture
def receiver(claims):
    running = Receiver(secret=claims.callback_secret).start()
    yield running
    running.stop()


def decide_one(claims, receiver, action="approve", **body):
    Draft.objects.update(status="approved")
    [draft] = make_drafts(claims, 1, callback_url=receiver.url)
    adjuster = person_client("adjuster")
    adjuster.post("/api/v1/queues/claims-standard/claim")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = adjuster.post(
            f"/api/v1/drafts/{draft.pk}/decisions", {"action": action, **body}, format="json"
        )
    assert response.status_code == 201
    return draft


def test_a_decision_is_delivered_signed_to_the_drafts_callback_url(claims, receiver):
    draft = decide_one(claims, receiver, "edit", content="Fixed.", error_category="tone")
    [got] = receiver.received
    assert got.verified and got.status == 200
    assert got.body["type"] == "draft.edited"
    assert got.body["data"]["final_content"] == "Fixed."
    assert got.body["data"]["decision"]["error_category"] == "tone"
    delivery = CallbackDelivery.objects.get(draft=draft)
    assert delivery.status == "delivered" and delivery.id == got.webhook_id
    # Under the draft: tracing the draft in the log shows its callbacks.
    assert AuditEntry.objects.filter(
        action="callback.delivered",
        object_type="draft",
        object_id=str(delivery.draft_id),
        data__callback_id=delivery.id,
    ).exists()


def test_a_tampered_body_does_not_verify(claims):
    headers = signing.headers(claims, "msg_1", '{"a":1}')
    with pytest.raises(Exception, match="signature"):
        Webhook(claims.callback_secret).verify('{"a":2}', headers)


def test_failures_retry_with_growing_gaps_then_deliver_once(claims, receiver):
    receiver.script = [500, 503, 500]
    draft = decide_one(claims, receiver)
    delivery = CallbackDelivery.objects.get(draft=draft)
    gaps, now = [], timezone.now()
    for _ in range(3):
        delivery.refresh_from_db()
        gaps.append(delivery.next_attempt_at - now)
        now = delivery.next_attempt_at
        with time_machine.travel(now + timedelta(seconds=1)):
            outbox.sweep()
            outbox.sweep()  # a second sweep in the same moment sends nothing more
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 4
    assert gaps[1] < gaps[2]  # exponential backoff (with jitter)
    assert [r.status for r in receiver.received] == [500, 503, 500, 200]
    assert len({r.webhook_id for r in receiver.received}) == 1  # the same event each time
    assert all(r.verified for r in receiver.received)
    assert delivery.tries.count() == 4


def test_after_24_hours_of_failures_the_callback_fails_for_good(claims, receiver):
    receiver.script = [500] * 100
    draft = decide_one(claims, receiver)
    delivery = CallbackDelivery.objects.get(draft=draft)
    for hours in range(1, 27):
        with time_machine.travel(timezone.now() + timedelta(hours=hours)):
            outbox.sweep()
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert AuditEntry.objects.filter(
        action="callback.failed", data__callback_id=delivery.id
    ).exists()


def test_410_gone_stops_the_retries(claims, receiver):
    receiver.script = [410]
    draft = decide_one(claims, receiver)
    assert CallbackDelivery.objects.get(draft=draft).status == "failed"


def test_an_owner_can_resend(claims, receiver):
    receiver.script = [410]
    draft = decide_one(claims, receiver)
    delivery = CallbackDelivery.objects.get(draft=draft)
    owner = person_client("claims_owner")
    listed = owner.get("/api/v1/workflows/claims-intake-summary/callbacks").json()["results"]
    assert listed[0]["id"] == delivery.id and listed[0]["attempts"][0]["status_code"] == 410
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = owner.post(
            f"/api/v1/workflows/claims-intake-summary/callbacks/{delivery.id}/resend"
        )
    assert response.status_code == 200
    resent = CallbackDelivery.objects.get(pk=delivery.id)
    assert resent.status == "delivered"
    # The event keeps when it was made; its window of retries starts again from the resend.
    assert resent.created_at == delivery.created_at
    assert resent.retrying_since > delivery.retrying_since
    assert response.json()["retrying_since"] == resent.retrying_since.isoformat().replace(
        "+00:00", "Z"
    )
    assert (
        person_client("adjuster")
        .get("/api/v1/workflows/claims-intake-summary/callbacks")
        .status_code
        == 404
    )


def test_the_outbox_survives_a_broker_outage_and_the_sweeper_delivers(claims, receiver, settings):
    # A real publish to a Redis that is not there, with the production publish settings: the
    # decision commits, and the request is not held long waiting on the broker.
    import time

    started = time.monotonic()
    with publishing_to("redis://127.0.0.1:1/0"):
        draft = decide_one(claims, receiver)
    assert time.monotonic() - started < 5

    assert Draft.objects.get(pk=draft.pk).status == "approved"
    assert receiver.received == []
    assert CallbackDelivery.objects.get(draft=draft).status == "pending"
    # The broker is back: beat runs the sweeper.
    assert outbox.sweep() == 1
    assert outbox.sweep() == 0
    assert len(receiver.received) == 1


@override_settings(RQ_CALLBACK_ALLOW_PRIVATE=False)
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/h",
        "http://localhost/h",
        "http://10.1.2.3/h",
        "http://169.254.169.254/latest",
        "http://[::1]/h",
        "http://192.168.0.10/h",
        "https://u:p@example.com/h",
        # IPv6 forms that carry an internal IPv4 address inside.
        "http://[::ffff:10.0.0.1]/h",
        "http://[64:ff9b::7f00:1]/h",  # NAT64 of 127.0.0.1
        "http://[2002:7f00:1::]/h",  # 6to4 of 127.0.0.1
        "http://[::127.0.0.1]/h",  # IPv4-compatible
        "http://[64:ff9b:1::a00:1]/h",  # a network's local NAT64
    ],
)
def test_internal_or_credentialed_callback_urls_are_refused_at_ingest(claims_producer, url):
    from tests.reviewqueue.helpers import draft_body

    response = post_json(claims_producer, "/api/v1/drafts", draft_body(callback_url=url))
    assert response.status_code == 400
    assert field_codes(response) == {"callback_url": ["invalid_callback_url"]}


PUBLIC = "93.184.215.14"
PRODUCER = "hooks.producer.example"


def fake_dns(monkeypatch, name: str, *answers: list[str]) -> list[str]:
    """socket.getaddrinfo answers `name` with each list of addresses in turn (the last one from
    then on) and every other name as before; returns the lookups of `name`, to count them."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host != name:
            return real(host, port, *args, **kwargs)
        asked.append(host)
        addresses = answers[min(len(asked), len(answers)) - 1]
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port or 0, 0, 0))
            if ":" in a
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port or 0))
            for a in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def pending_delivery(claims, url: str) -> CallbackDelivery:
    Draft.objects.update(status="approved")
    [draft] = make_drafts(claims, 1)
    Draft.objects.filter(pk=draft.pk).update(callback_url=url)
    draft.refresh_from_db()
    return outbox.enqueue(draft, "draft.approved")


@override_settings(RQ_CALLBACK_ALLOW_PRIVATE=False)
@pytest.mark.parametrize(
    ("addresses", "refused"),
    [
        (["10.0.0.1"], True),
        (["169.254.169.254"], True),
        (["127.0.0.1"], True),
        (["::1"], True),
        ([PUBLIC, "10.0.0.1"], True),  # one inside is enough
        ([PUBLIC], False),
        ([PUBLIC, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"], False),
    ],
)
def test_a_name_is_refused_when_any_of_its_addresses_is_internal(monkeypatch, addresses, refused):
    fake_dns(monkeypatch, PRODUCER, addresses)
    if refused:
        with pytest.raises(UnsafeCallbackURL, match="resolves to an internal address"):
            check(f"http://{PRODUCER}/h")
    else:
        check(f"http://{PRODUCER}/h")


@override_settings(RQ_CALLBACK_ALLOW_PRIVATE=False)
def test_a_name_resolving_to_loopback_is_refused_at_delivery(claims, receiver, monkeypatch):
    fake_dns(monkeypatch, PRODUCER, ["127.0.0.1"])
    delivery = pending_delivery(claims, receiver.url.replace("127.0.0.1", PRODUCER))
    outbox.attempt(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert delivery.last_error == f"refused: {PRODUCER} resolves to an internal address (127.0.0.1)"
    assert [t.error for t in delivery.tries.all()] == [delivery.last_error]
    assert AuditEntry.objects.filter(
        action="callback.failed", data__callback_id=delivery.id
    ).exists()
    assert receiver.received == []


@override_settings(RQ_CALLBACK_ALLOW_PRIVATE=False)
def test_a_name_rebinding_to_loopback_after_the_check_never_reaches_it(
    claims, receiver, monkeypatch
):
    # The producer's name first answers a public address, then (rebinding) the loopback one.
    asked = fake_dns(monkeypatch, PRODUCER, [PUBLIC], ["127.0.0.1"])
    real_connect = socket.create_connection
    connected: list[str] = []

    def create_connection(address, *args, **kwargs):
        connected.append(address[0])
        if address[0] == PUBLIC:
            raise ConnectionRefusedError("no public network in tests")
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    delivery = pending_delivery(claims, receiver.url.replace("127.0.0.1", PRODUCER))

    outbox.attempt(delivery.pk)
    assert receiver.received == []
    # Resolved once, and the connection went to the address that was checked.
    assert asked == [PRODUCER] and connected == [PUBLIC]
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.last_error.startswith("ConnectError")

    with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1)):
        outbox.attempt(delivery.pk)
    delivery.refresh_from_db()
    assert connected == [PUBLIC]
    assert delivery.status == "failed" and delivery.attempts == 2
    assert delivery.last_error == f"refused: {PRODUCER} resolves to an internal address (127.0.0.1)"
    assert receiver.received == []


@override_settings(RQ_CALLBACK_ALLOW_PRIVATE=False)
def test_an_address_that_cannot_be_reached_gives_way_to_the_next_one(claims, receiver, monkeypatch):
    # The name answers an IPv6 address first, which this worker cannot reach, then an IPv4 one.
    v6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"
    fake_dns(monkeypatch, PRODUCER, [v6, PUBLIC])
    real_connect = socket.create_connection
    connected: list[str] = []

    def create_connection(address, *args, **kwargs):
        connected.append(address[0])
        if address[0] == v6:
            raise OSError(101, "Network is unreachable")
        return real_connect(("127.0.0.1", address[1]), *args, **kwargs)  # PUBLIC, in tests

    monkeypatch.setattr(socket, "create_connection", create_connection)
    delivery = pending_delivery(claims, receiver.url.replace("127.0.0.1", PRODUCER))

    assert outbox.attempt(delivery.pk) is True
    assert connected == [v6, PUBLIC]
    [received] = receiver.received
    assert received.verified and received.webhook_id == delivery.id
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 1


@override_settings(RQ_CALLBACK_ALLOW_PRIVATE=False)
def test_https_goes_to_the_vetted_address_but_is_verified_for_the_name(claims, monkeypatch):
    fake_dns(monkeypatch, PRODUCER, [PUBLIC])
    sent: list[httpx.Request] = []

    def handle_request(transport, request):
        sent.append(request)
        return httpx.Response(204)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle_request)
    delivery = pending_delivery(claims, f"https://{PRODUCER}:8443/hooks")
    assert outbox.attempt(delivery.pk)
    [request] = sent
    assert str(request.url) == f"https://{PUBLIC}:8443/hooks"
    assert request.headers["host"] == f"{PRODUCER}:8443"
    # TLS sends this name and checks the certificate against it, not against the address.
    assert request.extensions["sni_hostname"] == PRODUCER


@pytest.mark.parametrize(
    ("url", "raised"),
    [
        ("http://example.com:abc/h", "InvalidURL"),  # httpx cannot parse it
        ("http://[::1/h", "ValueError"),  # nor can urllib
        ("http://a..b/h", "UnicodeError"),  # the name cannot be IDNA-encoded
    ],
)
def test_an_attempt_that_raises_is_recorded_retried_then_fails_for_good(claims, url, raised):
    delivery = pending_delivery(claims, url)
    assert outbox.attempt(delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_error.startswith(f"{raised}: ")
    assert delivery.next_attempt_at > timezone.now()  # backoff, not a tight loop

    for hours in range(1, 27):
        with time_machine.travel(timezone.now() + timedelta(hours=hours)):
            outbox.sweep()
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert 2 <= delivery.tries.count() <= 27
    assert all(t.error.startswith(f"{raised}: ") for t in delivery.tries.all())
    failed = AuditEntry.objects.get(action="callback.failed", data__callback_id=delivery.id)
    assert failed.data["error"].startswith(f"{raised}: ")


def test_rotated_secret_signs_with_both_for_a_day(claims):
    from audit.actors import Actor
    from workflows.services.secrets import rotate_callback_secret

    old = claims.callback_secret
    rotate_callback_secret(workflow=claims, actor=Actor.system("test"))
    claims.refresh_from_db()
    headers = signing.headers(claims, "msg_x", "{}")
    assert len(headers["webhook-signature"].split()) == 2
    Webhook(old).verify("{}", headers)
    Webhook(claims.callback_secret).verify("{}", headers)
    later = timezone.now() + timedelta(days=2)
    assert len(signing.headers(claims, "msg_x", "{}", now=later)["webhook-signature"].split()) == 1


@override_settings(RQ_CALLBACK_ALLOW_PRIVATE=False)
def test_a_name_that_does_not_resolve_for_a_moment_is_retried_not_given_up(claims, monkeypatch):
    def no_answer(host, *args, **kwargs):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    delivery = pending_delivery(claims, f"https://{PRODUCER}/h")
    monkeypatch.setattr(socket, "getaddrinfo", no_answer)
    outbox.attempt(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.next_attempt_at > timezone.now()
    assert delivery.last_error == f"DNS: {PRODUCER} does not resolve"
    assert not AuditEntry.objects.filter(
        action="callback.failed", data__callback_id=delivery.id
    ).exists()


def test_a_purged_drafts_callback_is_not_sent_again(claims, receiver):
    from reviewqueue.services.retention import purge_expired

    receiver.script = [410]
    draft = decide_one(claims, receiver)
    delivery = CallbackDelivery.objects.get(draft=draft)
    assert purge_expired(now=timezone.now() + timedelta(days=claims.retention_days + 1)) >= 1
    owner = person_client("claims_owner")
    response = owner.post(f"/api/v1/workflows/claims-intake-summary/callbacks/{delivery.id}/resend")
    assert response.status_code == 409 and response.json()["error"]["code"] == "draft_purged"
    assert CallbackDelivery.objects.get(pk=delivery.id).status == "failed"
    assert not AuditEntry.objects.filter(
        action="callback.resent", data__callback_id=delivery.id
    ).exists()


def test_a_broker_that_accepts_but_never_answers_does_not_hold_the_decision(claims, receiver):
    # A Redis that hangs (overloaded, or a dead host behind a live load balancer): with the
    # production publish settings the request gives up on it within seconds; the row is safe.
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # connections complete in the backlog; nothing ever reads or answers
    try:
        started = time.monotonic()
        with publishing_to(f"redis://127.0.0.1:{silent.getsockname()[1]}/0"):
            draft = decide_one(claims, receiver)
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert elapsed < 12, f"the decision waited {elapsed:.1f} s on the broker"
    assert Draft.objects.get(pk=draft.pk).status == "approved"
    assert CallbackDelivery.objects.get(draft=draft).status == "pending"


def test_a_sweep_stops_starting_attempts_when_its_time_is_up(claims, receiver):
    receiver.script = [500] * 10
    deliveries = [CallbackDelivery.objects.get(draft=decide_one(claims, receiver))]
    CallbackDelivery.objects.update(next_attempt_at=timezone.now())
    assert outbox.sweep(budget_seconds=0) == 0  # out of time before the first one
    assert [d.attempts for d in CallbackDelivery.objects.filter(pk=deliveries[0].pk)] == [1]
    receiver.script = [200]
    assert outbox.sweep() == 1


def test_callbacks_run_on_their_own_queue_and_with_time_limits():
    from reviewqueue.celery import app
    from workflows.tasks import deliver_callback

    routed = app.amqp.router.route({}, "workflows.deliver_callback")
    assert routed["queue"].name == "callbacks"
    assert app.amqp.router.route({}, "audit.seal")["queue"].name == "celery"
    # One queue per routing key, or every task would land in both queues and run twice.
    bindings = {(q.name, q.exchange.name, q.routing_key) for q in app.conf.task_queues}
    assert bindings == {("celery", "celery", "celery"), ("callbacks", "callbacks", "callbacks")}
    assert (deliver_callback.soft_time_limit, deliver_callback.time_limit) == (30, 45)


def test_the_receivers_answer_body_is_never_read(claims, receiver):
    """A receiver announcing a 10 GB answer and stalling holds no memory and no time of ours."""
    receiver.endless_body = True
    started = time.monotonic()
    draft = decide_one(claims, receiver)
    assert time.monotonic() - started < 4  # the receiver stalls 5 s after its first 64 KB
    delivery = CallbackDelivery.objects.get(draft=draft)
    assert delivery.status == "delivered" and delivery.last_status_code == 200


@pytest.mark.parametrize("status", [429, 503])
def test_a_receiver_asking_for_time_is_not_tried_again_sooner(claims, receiver, status):
    receiver.script, receiver.retry_after = [status], "1800"
    draft = decide_one(claims, receiver)
    delivery = CallbackDelivery.objects.get(draft=draft)
    assert delivery.status == "pending" and delivery.last_status_code == status
    wait = delivery.next_attempt_at - delivery.tries.get().attempted_at
    assert timedelta(minutes=29) < wait <= timedelta(minutes=31)  # not the 30 s backoff
    receiver.retry_after = ""
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        assert outbox.sweep() == 0  # still waiting, as asked
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert outbox.sweep() == 1


def test_each_task_lands_in_exactly_one_queue_of_a_real_broker():
    import redis as redis_client

    from audit.tasks import seal_task
    from workflows.tasks import deliver_callback

    url = "redis://127.0.0.1:6379/14"
    broker = redis_client.Redis.from_url(url)
    broker.flushdb()
    try:
        with publishing_to(url):
            deliver_callback.delay("no-such-delivery")
            seal_task.delay()
        assert (broker.llen("callbacks"), broker.llen("celery")) == (1, 1)
    finally:
        broker.flushdb()


def test_a_410_closes_the_url_until_an_owner_sends_again(claims, receiver):
    from workflows.models import GoneEndpoint

    receiver.script = [410]
    first = CallbackDelivery.objects.get(draft=decide_one(claims, receiver))
    assert first.status == "failed"
    assert GoneEndpoint.objects.filter(workflow=claims, url=receiver.url).exists()

    # The next outcome for the same URL is kept but not sent.
    second = CallbackDelivery.objects.get(draft=decide_one(claims, receiver))
    assert second.status == "failed" and "410 Gone" in second.last_error
    assert len(receiver.received) == 1
    assert AuditEntry.objects.filter(action="callback.failed", data__callback_id=second.id).exists()
    assert outbox.sweep() == 0 and len(receiver.received) == 1

    # An owner sends one again on purpose: the URL is open again.
    owner = person_client("claims_owner")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = owner.post(
            f"/api/v1/workflows/claims-intake-summary/callbacks/{second.id}/resend"
        )
    assert response.status_code == 200
    assert CallbackDelivery.objects.get(pk=second.id).status == "delivered"
    assert not GoneEndpoint.objects.filter(workflow=claims, url=receiver.url).exists()
    third = CallbackDelivery.objects.get(draft=decide_one(claims, receiver))
    assert third.status == "delivered"
