"""Periodic review jobs (Celery beat). Thin: each calls one service."""

from celery import shared_task

from reviewqueue.services.leases import expire_leases
from reviewqueue.services.sla import escalate_overdue


@shared_task(name="reviewqueue.escalate_overdue")
def escalate_overdue_task() -> int:
    return escalate_overdue()


@shared_task(name="reviewqueue.expire_leases")
def expire_leases_task() -> int:
    return expire_leases()
