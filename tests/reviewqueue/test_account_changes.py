"""Every way a person's rights change is in the audit log and takes effect at once: global
permissions, account flags, a deleted role, guardian's bulk grants; the auditor reviews nothing;
the admin deletes nothing that decisions hang off; secrets never reach the log."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.test import Client
from guardian.shortcuts import assign_perm

from audit.actors import Actor
from audit.models import AuditEntry
from reviewqueue.models import Draft, Queue, QueueUserObjectPermission
from reviewqueue.services.tokens import issue_token
from tests.conftest import person_client
from tests.reviewqueue.review_helpers import make_drafts, reviewer
from workflows.models import ErrorCategory, ProducerKey, Workflow

pytestmark = pytest.mark.django_db


def read_audit_log() -> Permission:
    return Permission.objects.get(codename="read_audit_log")


def admin_client() -> Client:
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    return client


def claim(client, slug: str) -> str:
    response = client.post(f"/api/v1/queues/{slug}/claim")
    assert response.status_code == 200, response.content
    return response.json()["id"]


@pytest.fixture
def one_waiting(claims):
    Draft.objects.update(status="approved")
    [draft] = make_drafts(claims, 1)
    return draft


def test_a_global_grant_and_its_revocation_are_logged(demo):
    user = User.objects.get(username="controller")
    user.user_permissions.add(read_audit_log())
    granted = AuditEntry.objects.get(action="permission.granted", data__user="controller")
    assert granted.data == {"permission": "read_audit_log", "scope": "global", "user": "controller"}
    user.user_permissions.clear()
    assert AuditEntry.objects.filter(
        action="permission.revoked", data__user="controller", data__permission="read_audit_log"
    ).exists()
    Group.objects.get(name="adjusters").permissions.add(read_audit_log())
    assert AuditEntry.objects.filter(action="permission.granted", data__group="adjusters").exists()


def test_an_auditor_given_queue_rights_still_claims_and_decides_nothing(one_waiting):
    auditors = Group.objects.get(name="auditors")
    queue = Queue.objects.get(slug="claims-standard")
    assign_perm("reviewqueue.view_queue", auditors, queue)
    assign_perm("reviewqueue.review_queue", auditors, queue)
    auditor = person_client("auditor")
    # They may look (view was granted), but not claim ...
    assert auditor.get(f"/api/v1/drafts/{one_waiting.pk}").status_code == 200
    assert auditor.post("/api/v1/queues/claims-standard/claim").status_code == 403
    # ... and a reviewer who becomes an auditor loses the lease they held at once.
    adjuster = person_client("adjuster")
    draft_id = claim(adjuster, "claims-standard")
    User.objects.get(username="adjuster").user_permissions.add(read_audit_log())
    assert Draft.objects.get(pk=draft_id).status == "queued"
    refused = adjuster.post(
        f"/api/v1/drafts/{draft_id}/decisions", {"action": "approve"}, format="json"
    )
    assert refused.status_code in (403, 409)
    assert Draft.objects.get(pk=draft_id).status == "queued"


def test_deactivating_a_reviewer_is_logged_and_ends_their_lease(one_waiting):
    adjuster = person_client("adjuster")
    draft_id = claim(adjuster, "claims-standard")
    user = User.objects.get(username="adjuster")
    user.is_active = False
    user.save()
    entry = AuditEntry.objects.get(action="user.changed", data__user="adjuster")
    assert entry.data["before"] == {"is_active": True}
    assert entry.data["after"] == {"is_active": False}
    assert Draft.objects.get(pk=draft_id).status == "queued"
    assert AuditEntry.objects.filter(action="lease.revoked", object_id=draft_id).exists()


def test_making_someone_superuser_is_logged(demo):
    user = User.objects.get(username="claims_tech")
    user.is_superuser = True
    user.save()
    entry = AuditEntry.objects.get(action="user.changed", data__user="claims_tech")
    assert entry.data["after"] == {"is_superuser": True}


def test_deleting_a_role_logs_each_member_and_ends_their_leases(one_waiting):
    adjuster = person_client("adjuster")
    draft_id = claim(adjuster, "claims-standard")
    Group.objects.get(name="adjusters").delete()
    removed = AuditEntry.objects.filter(action="group.member_removed", data__group="adjusters")
    assert "adjuster" in {e.data["user"] for e in removed}
    assert Draft.objects.get(pk=draft_id).status == "queued"


def test_guardians_bulk_grant_is_audited_row_by_row(demo):
    person = reviewer("bulk_person", role="controllers")
    queues = Queue.objects.filter(slug__startswith="claims-")
    assign_perm("reviewqueue.view_queue", person, queues)  # guardian's bulk_create path
    assert QueueUserObjectPermission.objects.filter(user=person).count() == queues.count()
    logged = AuditEntry.objects.filter(action="permission.granted", data__user="bulk_person")
    assert logged.count() == queues.count()


@pytest.mark.parametrize(
    "path",
    ["/admin/reviewqueue/draft/{draft}/delete/", "/admin/workflows/producerkey/{key}/delete/"],
)
def test_the_admin_deletes_no_draft_and_no_key(one_waiting, claims, path):
    from audit.actors import Actor
    from workflows.services.keys import create_producer_key

    key, _ = create_producer_key(workflow=claims, actor=Actor.system("test"))
    url = path.format(draft=one_waiting.pk, key=key.pk)
    admin = admin_client()
    refused = admin.get(url)
    assert refused.status_code == 403
    assert "The admin deletes nothing that decisions or the audit log rest on" in (
        refused.content.decode()
    )  # the product's page, with the way on, not a bare "403 Forbidden"
    assert admin.post(url, {"post": "yes"}).status_code == 403
    assert Draft.objects.filter(pk=one_waiting.pk).exists()
    assert ProducerKey.objects.filter(pk=key.pk).exists()
    listing = admin.post(
        "/admin/reviewqueue/draft/",
        {"action": "delete_selected", "_selected_action": [one_waiting.pk], "post": "yes"},
    )
    assert listing.status_code in (200, 302)
    assert Draft.objects.filter(pk=one_waiting.pk).exists()


def test_the_callback_secret_never_reaches_the_log(claims):
    admin = admin_client()
    page = admin.get(f"/admin/workflows/workflow/{claims.pk}/change/")
    assert page.status_code == 200
    assert claims.callback_secret not in page.content.decode()
    out = _run("rotate_callback_secret", claims.slug)
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("whsec_") and Workflow.objects.get(pk=claims.pk).callback_secret == (
        secret
    )
    # A change made through a snapshot (the admin's before / after) shows only a fingerprint.
    from audit.changes import snapshot

    assert "whsec_" not in json.dumps(snapshot(Workflow.objects.get(pk=claims.pk)))
    everything = json.dumps(list(AuditEntry.objects.values_list("data", flat=True)))
    assert "whsec_" not in everything


def workflow_form(admin: Client, workflow: Workflow, label_of: dict[int, str] | None = None):
    """The admin's change form of a workflow as the page fills it, categories included."""
    page = admin.get(f"/admin/workflows/workflow/{workflow.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    inline = page.context["inline_admin_formsets"][0].formset
    data.update(
        {
            f"{inline.prefix}-TOTAL_FORMS": str(len(inline.forms)),
            f"{inline.prefix}-INITIAL_FORMS": str(len(inline.forms)),
            f"{inline.prefix}-MIN_NUM_FORMS": "0",
            f"{inline.prefix}-MAX_NUM_FORMS": "1000",
        }
    )
    for index, sub in enumerate(inline.forms):
        for name, value in sub.initial.items():
            data[f"{inline.prefix}-{index}-{name}"] = value
        data[f"{inline.prefix}-{index}-id"] = sub.instance.pk
        data[f"{inline.prefix}-{index}-workflow"] = workflow.pk
        if sub.instance.pk in (label_of or {}):
            data[f"{inline.prefix}-{index}-label"] = (label_of or {})[sub.instance.pk]
    return data


def test_error_category_edits_in_the_admin_are_logged(claims):
    admin = admin_client()
    category = ErrorCategory.objects.get(workflow=claims, slug="tone")
    url = f"/admin/workflows/workflow/{claims.pk}/change/"
    data = workflow_form(admin, claims, {category.pk: "Tone of voice"})
    response = admin.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditEntry.objects.get(action="error_category.changed", object_id=str(category.pk))
    assert entry.data["after"] == {"label": "Tone of voice"}


def _run(*args) -> str:
    import io

    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_new_roi_inputs_saved_in_the_admin_join_their_history(claims):
    admin = admin_client()
    url = f"/admin/workflows/workflow/{claims.pk}/change/"
    before = list(claims.roi_history.values_list("loaded_hourly_cost_usd", flat=True))
    data = {**workflow_form(admin, claims), "loaded_hourly_cost_usd": "80.00"}
    response = admin.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    history = list(claims.roi_history.values_list("loaded_hourly_cost_usd", flat=True))
    assert history == [*before, 80]
    admin.post(url, {**workflow_form(admin, claims), "name": "Claims intake"})
    assert claims.roi_history.count() == len(history)  # other changes add nothing


def test_creating_and_deleting_an_account_is_logged_with_its_roles(demo):
    person = User.objects.create_user(username="temp_reviewer", password="x")
    token, _ = issue_token(user=person, actor=Actor.system("test"))
    created = AuditEntry.objects.get(action="user.created", data__user="temp_reviewer")
    assert created.data["after"] == {"is_active": True, "is_staff": False, "is_superuser": False}
    person.groups.add(Group.objects.get(name="adjusters"))
    assign_perm("reviewqueue.view_queue", person, Queue.objects.get(slug="claims-standard"))

    response = admin_client().post(f"/admin/auth/user/{person.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302 and not User.objects.filter(pk=person.pk).exists()
    deleted = AuditEntry.objects.get(action="user.deleted", data__user="temp_reviewer")
    assert deleted.data["before"]["roles"] == ["adjusters"]
    assert deleted.data["before"]["personal_tokens"] == [token.prefix]  # gone with them
    assert deleted.actor_label == "admin"
    assert AuditEntry.objects.filter(
        action="group.member_removed", data__user="temp_reviewer", data__group="adjusters"
    ).exists()
    assert AuditEntry.objects.filter(
        action="permission.revoked", data__user="temp_reviewer", data__permission="view_queue"
    ).exists()


def test_an_owners_account_cannot_be_deleted_while_they_own_a_workflow(claims):
    owner = User.objects.create_user(username="temp_owner", password="x")
    Workflow.objects.filter(pk=claims.pk).update(technical_owner=owner)
    page = admin_client().get(f"/admin/auth/user/{owner.pk}/delete/").content.decode()
    assert "would require deleting the following protected related objects" in page
    assert "claims-intake-summary: they are its technical owner; name another owner" in page
    assert "permission to delete" not in page
    admin_client().post(f"/admin/auth/user/{owner.pk}/delete/", {"post": "yes"})
    assert User.objects.filter(pk=owner.pk).exists()
    assert Workflow.objects.get(pk=claims.pk).technical_owner == owner
    assert not AuditEntry.objects.filter(action="user.deleted", data__user="temp_owner").exists()


def test_a_workflow_change_names_the_new_owner_and_its_slug_stays(claims):
    admin = admin_client()
    url = f"/admin/workflows/workflow/{claims.pk}/change/"
    tech = User.objects.get(username="senior_adjuster")
    data = {**workflow_form(admin, claims), "technical_owner": tech.pk, "slug": "renamed"}
    response = admin.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditEntry.objects.filter(action="workflow.changed", object_id=str(claims.pk)).last()
    assert entry.data["after"] == {"technical_owner_id": f"senior_adjuster (id {tech.pk})"}
    assert Workflow.objects.get(pk=claims.pk).slug == "claims-intake-summary"


def test_a_reviewers_account_with_decisions_is_kept_and_the_admin_says_to_deactivate(claims):
    Draft.objects.update(status="approved")
    [draft] = make_drafts(claims, 1)
    adjuster = person_client("adjuster")
    claim(adjuster, "claims-standard")
    adjuster.post(f"/api/v1/drafts/{draft.pk}/decisions", {"action": "approve"}, format="json")
    person = User.objects.get(username="adjuster")
    page = admin_client().get(f"/admin/auth/user/{person.pk}/delete/").content.decode()
    assert "1 decision(s) they made and " in page and "lease(s) they held, which the record" in page
    assert "untick “Active”" in page and "permission to delete" not in page
    assert "Lease: lease of" not in page  # one line per kind, not one per lease
