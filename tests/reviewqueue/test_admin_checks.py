"""What the admin refuses to save: settings that would route drafts to the wrong people, breach
every SLA at once, hand out leases nobody can use, or send callbacks where they must not go."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from audit.models import AuditEntry
from reviewqueue.models import Queue
from workflows.models import Workflow

pytestmark = pytest.mark.django_db


def admin() -> Client:
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    return client


def queue_form(queue: Queue, **changes) -> dict:
    form = {
        "slug": queue.slug,
        "name": queue.name,
        "workflow": queue.workflow_id,
        "sla": "02:00:00",
        "lease_duration": "00:15:00",
        "escalation_queue": queue.escalation_queue_id or "",
        "approvals_required": queue.approvals_required,
    }
    return {**form, **changes}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        # Not offered (see below), and refused if sent anyway.
        ({"escalation_queue": "finance-escalations"}, "escalation_queue", "valid choice"),
        ({"escalation_queue": "claims-senior"}, "escalation_queue", "valid choice"),
        ({"sla": "00:00:00"}, "sla", "longer than zero"),
        ({"lease_duration": "-00:05:00"}, "lease_duration", "at least a minute"),
        ({"lease_duration": "00:00:30"}, "lease_duration", "at least a minute"),
    ],
)
def test_the_admin_refuses_a_queue_setting_that_breaks_review(demo, changes, field, message):
    queue = Queue.objects.get(slug="claims-senior")
    before = Queue.objects.filter(pk=queue.pk).values().get()
    if "escalation_queue" in changes:
        changes["escalation_queue"] = Queue.objects.get(slug=changes["escalation_queue"]).pk
    url = f"/admin/reviewqueue/queue/{queue.pk}/change/"
    response = admin().post(url, queue_form(queue, **changes))
    assert response.status_code == 200  # the form again, with the error
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors[field])
    assert Queue.objects.filter(pk=queue.pk).values().get() == before
    assert not AuditEntry.objects.filter(action="queue.changed").exists()


def test_the_admin_offers_only_queues_of_the_same_workflow_to_escalate_to(demo):
    queue = Queue.objects.get(slug="claims-senior")
    response = admin().get(f"/admin/reviewqueue/queue/{queue.pk}/change/")
    offered = response.context["adminform"].form.fields["escalation_queue"].queryset
    assert set(offered.values_list("slug", flat=True)) == {
        "claims-standard",
        "claims-critical",
        "claims-escalations",
        "claims-qa",
    }


def test_the_workflow_admin_offers_only_its_own_queues_for_qa(demo):
    claims = Workflow.objects.get(slug="claims-intake-summary")
    response = admin().get(f"/admin/workflows/workflow/{claims.pk}/change/")
    offered = response.context["adminform"].form.fields["qa_queue"].queryset
    assert offered.exists() and not offered.exclude(workflow=claims).exists()


def test_the_model_says_why_a_queue_cannot_escalate_there(demo):
    from django.core.exceptions import ValidationError

    queue = Queue.objects.get(slug="claims-senior")
    for target, says in (("finance-escalations", "same workflow"), ("claims-senior", "itself")):
        queue.escalation_queue = Queue.objects.get(slug=target)
        with pytest.raises(ValidationError) as refused:
            queue.full_clean()
        assert says in " ".join(refused.value.message_dict["escalation_queue"])


def test_the_database_refuses_them_too(demo):
    queue = Queue.objects.filter(slug="claims-senior")
    for change in ({"sla": timedelta(0)}, {"lease_duration": timedelta(seconds=5)}):
        with pytest.raises(IntegrityError), transaction.atomic():
            queue.update(**change)
    with pytest.raises(IntegrityError), transaction.atomic():
        queue.update(escalation_queue=queue.get())


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("https://user:pw@example.com/hook", "credentials"),
        ("ftp://example.com/x", "only http and https"),
    ],
)
def test_a_workflow_refuses_a_callback_url_the_api_would_refuse(claims, url, says):
    claims.default_callback_url = url
    with pytest.raises(ValidationError) as refused:
        claims.full_clean()
    assert says in " ".join(refused.value.message_dict["default_callback_url"])


def test_a_workflow_refuses_another_workflows_qa_queue_and_rates_above_one(claims):
    claims.qa_queue = Queue.objects.get(slug="finance-review")
    claims.qa_sample_rate = 2
    claims.automation_threshold = -0.1
    with pytest.raises(ValidationError) as refused:
        claims.full_clean()
    problems = refused.value.message_dict
    assert "Choose a queue of this workflow" in problems["qa_queue"][0]
    assert {"qa_sample_rate", "automation_threshold"} <= set(problems)
    claims.qa_queue = Queue.objects.get(slug="claims-qa")
    claims.qa_sample_rate, claims.automation_threshold = Decimal("0.1"), Decimal("0.95")
    claims.default_callback_url = "https://hooks.example.com/review"
    claims.full_clean()  # a sound configuration passes
