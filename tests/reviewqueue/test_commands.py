"""Management commands: seed_demo, create_producer_key, issue_token, revoke_token."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import override_settings
from rest_framework.test import APIClient

from audit.models import AuditEntry
from reviewqueue.models import Draft, PersonalToken, Queue
from reviewqueue.secrets import hash_secret
from reviewqueue.selectors.access import REVIEW, VIEW, queues_for
from tests.reviewqueue.helpers import draft_body, post_json
from workflows.models import ProducerKey, Workflow

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_producer_key_prints_a_working_secret_alone_on_the_last_line(claims):
    out, err = run("create_producer_key", "claims-intake-summary", "--name", "intake bot")
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("rqp_")
    key = ProducerKey.objects.get(key_hash=hash_secret(secret))
    assert key.name == "intake bot" and key.workflow == claims
    assert secret not in err and key.prefix in err
    assert AuditEntry.objects.filter(action="producer_key.created", object_id=str(key.pk)).exists()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert post_json(client, "/api/v1/drafts", draft_body()).status_code == 201


def test_create_producer_key_for_an_unknown_workflow_lists_the_known_ones(demo):
    with pytest.raises(
        CommandError, match="Known workflows: claims-intake-summary, finance-variance"
    ):
        run("create_producer_key", "nope")


def test_issue_token_prints_a_working_secret_alone_on_the_last_line(demo):
    out, _err = run("issue_token", "adjuster")
    secret = out.strip().splitlines()[-1]
    token = PersonalToken.objects.get(key_hash=hash_secret(secret))
    assert token.user.username == "adjuster"
    assert AuditEntry.objects.filter(
        action="personal_token.issued", object_id=str(token.pk)
    ).exists()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    draft = Draft.objects.filter(queue__slug="claims-standard").first()
    assert client.get(f"/api/v1/drafts/{draft.pk}").status_code == 200


def test_issue_token_refuses_unknown_and_deactivated_people(demo):
    with pytest.raises(CommandError, match="No person"):
        run("issue_token", "nobody")
    User.objects.filter(username="auditor").update(is_active=False)
    with pytest.raises(CommandError, match="deactivated"):
        run("issue_token", "auditor")


def test_token_of_a_person_deactivated_later_stops_working(demo):
    out, _ = run("issue_token", "adjuster")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {out.strip().splitlines()[-1]}")
    User.objects.filter(username="adjuster").update(is_active=False)
    draft = Draft.objects.filter(queue__slug="claims-standard").first()
    assert client.get(f"/api/v1/drafts/{draft.pk}").status_code == 401


def test_seed_demo_builds_the_organisation_of_the_design(demo):
    claims, finance = demo["claims-intake-summary"], demo["finance-variance"]
    assert claims.business_owner.username == "claims_owner"
    assert claims.technical_owner.username == "claims_tech"
    assert finance.business_owner.username == "finance_owner"
    assert set(claims.error_categories.values_list("slug", flat=True)) == {
        "hallucinated_fact",
        "wrong_policy_cited",
        "missing_information",
        "tone",
        "calculation_error",
    }
    assert set(finance.error_categories.values_list("slug", flat=True)) == {
        "calculation_error",
        "wrong_period",
        "missing_driver",
        "tone",
    }
    assert finance.daily_draft_limit == 2000 and claims.monthly_budget_usd == 500
    queues = {q.slug: q for q in Queue.objects.select_related("escalation_queue")}
    assert queues["claims-critical"].approvals_required == 2
    assert queues["finance-critical"].approvals_required == 2
    assert queues["claims-standard"].sla.total_seconds() == 4 * 3600
    for slug in ["claims-standard", "claims-senior", "claims-critical", "claims-qa"]:
        assert queues[slug].escalation_queue.slug == "claims-escalations"
    for slug in ["finance-review", "finance-critical"]:
        assert queues[slug].escalation_queue.slug == "finance-escalations"

    def slugs(name, perm):
        return set(queues_for(User.objects.get(username=name), perm).values_list("slug", flat=True))

    assert slugs("adjuster", REVIEW) == {"claims-standard"}
    assert slugs("senior_adjuster2", REVIEW) == {q for q in queues if q.startswith("claims")}
    assert slugs("controller", VIEW) == {q for q in queues if q.startswith("finance")}
    assert slugs("auditor", VIEW) == set()
    assert User.objects.get(username="auditor").has_perm("audit.read_audit_log")
    assert not User.objects.get(username="adjuster").has_perm("audit.read_audit_log")
    assert User.objects.get(username="admin").check_password("demo-password")
    assert Draft.objects.count() == 60
    levels = set(Draft.objects.values_list("workflow__slug", "consequence"))
    assert len(levels) == 8  # every level in both workflows
    assert AuditEntry.objects.filter(action="permission.granted").exists()
    # Every grant and group change the seeding made names it, none is "unattributed".
    actors = set(
        AuditEntry.objects.filter(
            action__in=["permission.granted", "group.member_added", "user.changed"]
        ).values_list("actor_label", flat=True)
    )
    assert actors == {"seed_demo"}, actors
    assert not AuditEntry.objects.filter(actor_label="unattributed").exists()
    # Drafts about the same peril cite the same policy wording: flags on it add up.
    cited = [d.sources[0]["id"] for d in Draft.objects.filter(workflow=claims)]
    assert len(set(cited)) < len(cited) and all("-2026-s" in c for c in cited)


def test_seed_demo_twice_changes_nothing(demo):
    counts = (Draft.objects.count(), AuditEntry.objects.count(), Workflow.objects.count())
    run("seed_demo", "--allow-demo-passwords")
    assert (Draft.objects.count(), AuditEntry.objects.count(), Workflow.objects.count()) == counts


@override_settings(DEBUG=False, RQ_ALLOW_DEMO_PASSWORDS=False)
def test_seed_demo_refuses_demo_passwords_with_debug_off(db):
    with pytest.raises(CommandError, match="Refusing"):
        run("seed_demo")


def _working_token(username: str) -> tuple[PersonalToken, APIClient]:
    out, _ = run("issue_token", username)
    secret = out.strip().splitlines()[-1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/queues").status_code == 200
    return PersonalToken.objects.get(key_hash=hash_secret(secret)), client


def test_revoke_token_stops_it_at_the_next_request_and_is_logged(demo):
    token, client = _working_token("adjuster")
    other, other_client = _working_token("adjuster")
    out, _ = run("revoke_token", token.prefix)
    assert f"Revoked {token.prefix} of adjuster." in out
    response = client.get("/api/v1/queues")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert other_client.get("/api/v1/queues").status_code == 200  # only that one
    entry = AuditEntry.objects.get(action="personal_token.revoked", object_id=str(token.pk))
    assert entry.data["user"] == "adjuster"
    with pytest.raises(CommandError, match="already revoked"):
        run("revoke_token", token.prefix)
    with pytest.raises(CommandError, match="No token"):
        run("revoke_token", "rqt_nope")
    # The token as issued (rqt_PREFIX_SECRET), or its start, names it as well as its prefix.
    out, _ = run("revoke_token", f"rqt_{other.prefix}_the-rest-of-it")
    assert f"Revoked {other.prefix} of adjuster." in out
    assert other_client.get("/api/v1/queues").status_code == 401


def test_revoke_token_all_of_a_person(demo):
    _, one = _working_token("controller")
    _, two = _working_token("controller")
    out, _ = run("revoke_token", "--all-of", "controller")
    assert out.count("Revoked") == 2
    assert one.get("/api/v1/queues").status_code == 401
    assert two.get("/api/v1/queues").status_code == 401
    with pytest.raises(CommandError, match="holds no live token"):
        run("revoke_token", "--all-of", "controller")


def test_tokens_are_revoked_in_the_admin_never_edited_or_deleted(demo):
    from django.test import Client

    token, client = _working_token("auditor")
    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    listing = admin.get("/admin/reviewqueue/personaltoken/")
    assert token.prefix in listing.content.decode()
    assert admin.get(f"/admin/reviewqueue/personaltoken/{token.pk}/delete/").status_code == 403
    admin.post(
        "/admin/reviewqueue/personaltoken/", {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert client.get("/api/v1/audit/entries").status_code == 401
    entry = AuditEntry.objects.get(action="personal_token.revoked", object_id=str(token.pk))
    assert entry.actor_label == "admin"
