"""An admin gives a new workflow its routing policy in the admin, and the workflow then takes
drafts; a policy that is not valid JSON, not a policy or names another workflow's queues is
refused next to the field, and nothing changes."""

from __future__ import annotations

import html
import json
from datetime import timedelta

import pytest
from django.test import Client

from audit.actors import Actor
from audit.models import AuditEntry
from reviewqueue.services.queues import create_queue
from tests.conftest import producer_client
from tests.reviewqueue.helpers import draft_body, post_json
from tests.reviewqueue.test_account_changes import admin_client, workflow_form
from workflows.models import PolicyVersion, Workflow
from workflows.services.workflows import create_workflow

pytestmark = pytest.mark.django_db
ADMIN = Actor.system("test")
POLICY = {
    "levels": {"low": "motor-a", "medium": "motor-a", "high": "motor-b", "critical": "motor-b"},
    "escalation_queue": "motor-b",
    "rules": [{"field": "confidence", "op": "<", "value": 0.5, "queue": "motor-b"}],
}


@pytest.fixture
def motor(demo) -> Workflow:
    workflow = create_workflow(
        slug="motor-claims",
        name="Motor claims",
        actor=ADMIN,
        error_categories={"tone": "Tone"},
        output_kind="internal",
    )
    for slug in ("motor-a", "motor-b"):
        create_queue(slug=slug, name=slug, workflow=workflow, actor=ADMIN, sla=timedelta(hours=4))
    return workflow


def save_with_policy(admin: Client, workflow: Workflow, text: str):
    data = {**workflow_form(admin, workflow), "new_routing_policy": text}
    return admin.post(f"/admin/workflows/workflow/{workflow.pk}/change/", data)


def test_a_policy_written_in_the_admin_lets_the_workflow_take_drafts(motor):
    producer = producer_client(motor)[0]
    refused = post_json(producer, "/api/v1/drafts", draft_body())
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "workflow_not_configured"
    page = admin_client().get(f"/admin/workflows/workflow/{motor.pk}/change/").content.decode()
    assert "None yet: the workflow accepts no drafts until one is written below." in page

    response = save_with_policy(admin_client(), motor, json.dumps(POLICY))

    assert response.status_code == 302, response.context["adminform"].form.errors
    motor.refresh_from_db()
    assert (motor.current_policy.version, motor.current_policy.policy) == (1, POLICY)
    entry = AuditEntry.objects.get(
        action="workflow.changed", object_id=str(motor.pk), data__field="routing_policy"
    )
    assert entry.actor_label == "admin" and entry.data["after"] == POLICY
    accepted = post_json(producer, "/api/v1/drafts", draft_body(confidence=0.3))
    assert accepted.status_code == 201
    assert accepted.json()["queue"] == "motor-b"
    assert accepted.json()["routing_reason"] == "rule 'confidence < 0.5' of policy v1"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{not json", "Not valid JSON"),
        (
            json.dumps({"levels": {"low": "motor-a"}}),
            "Not a routing policy of this workflow: levels",
        ),
        (
            json.dumps({**POLICY, "escalation_queue": "claims-escalations"}),
            "no such queue in this workflow: claims-escalations. Its queues: motor-a, motor-b.",
        ),
    ],
)
def test_a_bad_policy_is_refused_next_to_the_field_and_nothing_changes(motor, text, says):
    admin = admin_client()  # signing in is an audit entry of its own
    entries = AuditEntry.objects.count()
    response = save_with_policy(admin, motor, text)
    assert response.status_code == 200
    assert says in " ".join(response.context["adminform"].form.errors["new_routing_policy"])
    assert not PolicyVersion.objects.filter(workflow=motor).exists()
    assert AuditEntry.objects.count() == entries


def test_saving_with_the_field_empty_keeps_the_policy_in_force(claims):
    before = claims.current_policy
    response = save_with_policy(admin_client(), claims, "  ")
    assert response.status_code == 302
    assert Workflow.objects.get(pk=claims.pk).current_policy == before


def test_the_example_on_a_workflows_page_names_its_own_queues_and_is_accepted(motor):
    page = admin_client().get(f"/admin/workflows/workflow/{motor.pk}/change/")
    help_text = page.context["adminform"].form.fields["new_routing_policy"].help_text
    example = json.loads(html.unescape(help_text.split("<code>")[-1].split("</code>")[0]))
    assert set(example["levels"].values()) <= {"motor-a", "motor-b"}
    response = save_with_policy(admin_client(), motor, json.dumps(example))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Workflow.objects.get(pk=motor.pk).current_policy.policy == example
