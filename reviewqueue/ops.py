"""Operations endpoints: /healthz (the process answers), /readyz (its database and Redis
answer), /metrics (Prometheus).

/metrics reads its figures from the database, so they are the same whichever web process
answers; one reading serves the scrapes of RQ_METRICS_CACHE_SECONDS (15 s). It is open to staff,
a scraper sending `Authorization: Bearer $RQ_METRICS_TOKEN`, and loopback callers unless
BEHIND_TLS_PROXY (where the proxy is loopback).
"""

from __future__ import annotations

import hmac

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Min, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_safe
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from reviewqueue.models import Decision, Draft, Queue
from workflows.models import CallbackAttempt, Workflow


@require_safe  # GET and HEAD: probes and scrapers read, nothing else
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


@require_safe  # GET and HEAD: probes and scrapers read, nothing else
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any failure means "not ready", with the reason
        checks["database"] = f"down: {type(exc).__name__}"
    if settings.REDIS_URL:
        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping()
            checks["redis"] = "ok"
        except redis.RedisError as exc:
            checks["redis"] = f"down: {type(exc).__name__}"
    else:
        checks["redis"] = "not used (embedded mode)"
    ok = all(v == "ok" or v.startswith("not used") for v in checks.values())
    return JsonResponse({"ok": ok, **checks}, status=200 if ok else 503)


class _FromDatabase:
    def collect(self):
        now = timezone.now()
        waiting = Q(drafts__status__in=Draft.CLAIMABLE_STATUSES)
        depth = GaugeMetricFamily(
            "reviewqueue_queue_depth", "Drafts waiting to be claimed", labels=["queue"]
        )
        oldest = GaugeMetricFamily(
            "reviewqueue_queue_oldest_age_seconds",
            "Age of the oldest waiting draft",
            labels=["queue"],
        )
        for queue in Queue.objects.annotate(
            n=Count("drafts", filter=waiting), first=Min("drafts__received_at", filter=waiting)
        ):
            depth.add_metric([queue.slug], queue.n)
            age = (now - queue.first).total_seconds() if queue.first else 0
            oldest.add_metric([queue.slug], age)
        yield depth
        yield oldest
        decisions = CounterMetricFamily(
            "reviewqueue_decisions", "Review decisions by action", labels=["action"]
        )
        for row in Decision.objects.values("action").annotate(n=Count("pk")):
            decisions.add_metric([row["action"]], row["n"])
        yield decisions
        received = CounterMetricFamily(
            "reviewqueue_drafts_received", "Drafts received by workflow", labels=["workflow"]
        )
        slugs = dict(Workflow.objects.values_list("pk", "slug"))
        for row in Draft.objects.values("workflow_id").annotate(n=Count("pk")):
            received.add_metric([slugs[row["workflow_id"]]], row["n"])
        yield received
        attempts = CallbackAttempt.objects.aggregate(
            all=Count("pk"),
            failed=Count("pk", filter=~Q(status_code__gte=200, status_code__lt=300)),
        )
        yield CounterMetricFamily(
            "reviewqueue_callback_attempts", "Callback delivery attempts", value=attempts["all"]
        )
        yield CounterMetricFamily(
            "reviewqueue_callback_failures",
            "Callback attempts that failed",
            value=attempts["failed"],
        )


_CACHED = "ops:metrics:body"
# No auto-describe: that would query the database at import time.
_registry = CollectorRegistry(auto_describe=False)
_registry.register(_FromDatabase())


def _may_scrape(request: HttpRequest) -> bool:
    token = settings.RQ_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header, f"Bearer {token}"):
        return True
    if request.user.is_authenticated and request.user.is_staff:
        return True
    # Behind our TLS proxy every request arrives from loopback: then only the token opens it.
    return not settings.BEHIND_TLS_PROXY and request.META.get("REMOTE_ADDR") in ("127.0.0.1", "::1")


@require_safe  # GET and HEAD: probes and scrapers read, nothing else
def metrics(request: HttpRequest) -> HttpResponse:
    if not _may_scrape(request):
        return JsonResponse(
            {"error": {"code": "permission_denied", "message": "Metrics need a token."}},
            status=403,
        )
    # Counted from whole tables: scrapes (every replica, every few seconds) share one count
    # per RQ_METRICS_CACHE_SECONDS through the cache, Redis in production.
    body = cache.get(_CACHED) if settings.RQ_METRICS_CACHE_SECONDS else None
    if body is None:
        body = generate_latest(_registry)
        if settings.RQ_METRICS_CACHE_SECONDS:
            cache.set(_CACHED, body, settings.RQ_METRICS_CACHE_SECONDS)
    return HttpResponse(body, content_type="text/plain; version=0.0.4")
