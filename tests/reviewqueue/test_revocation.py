"""Revoking rights ends live leases at once, and every change of rights is audited, whichever
way it was made (services, guardian's admin pages, role membership)."""

from __future__ import annotations

import html

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client

from audit.actors import Actor
from audit.models import AuditEntry
from reviewqueue.models import (
    Draft,
    Lease,
    Queue,
    QueueGroupObjectPermission,
    QueueUserObjectPermission,
)
from reviewqueue.services.permissions import grant_permission, remove_from_role, revoke_permission
from tests.conftest import person_client, signed_in
from tests.reviewqueue.helpers import error_code

pytestmark = pytest.mark.django_db
ADMIN = Actor.system("test admin")


def claim(client, slug):
    response = client.post(f"/api/v1/queues/{slug}/claim")
    assert response.status_code == 200
    return response.json()["id"]


def test_revoking_review_rights_ends_the_lease_and_refuses_the_pending_decision(demo):
    Draft.objects.update(status="approved")
    Draft.objects.filter(pk=Draft.objects.filter(queue__slug="claims-senior").first().pk).update(
        status="queued"
    )
    senior = person_client("senior_adjuster")
    draft_id = claim(senior, "claims-senior")
    queue = Queue.objects.get(slug="claims-senior")

    revoke_permission(
        perm="review_queue",
        holder=Group.objects.get(name="senior_adjusters"),
        obj=queue,
        actor=ADMIN,
    )

    draft = Draft.objects.get(pk=draft_id)
    assert draft.status != "in_review" and draft.leased_by is None
    lease = Lease.objects.get(draft_id=draft_id, holder__username="senior_adjuster")
    assert lease.end_reason == "revoked"
    late = senior.post(f"/api/v1/drafts/{draft_id}/decisions", {"action": "approve"}, format="json")
    assert late.status_code == 403  # may still view the queue, no longer review it
    assert claim(person_client("admin"), "claims-senior") == draft_id  # claimable again
    revoked = AuditEntry.objects.get(action="permission.revoked", object_id=str(queue.pk))
    assert revoked.data == {
        "queue": "claims-senior",  # by name: an auditor cannot look up ids
        "permission": "review_queue",
        "group": "senior_adjusters",
    }
    assert revoked.actor_label == "test admin"
    assert AuditEntry.objects.filter(action="lease.revoked", object_id=draft_id).exists()


def test_leaving_a_role_ends_the_lease_and_hides_the_draft(demo):
    adjuster = person_client("adjuster")
    draft_id = claim(adjuster, "claims-standard")
    remove_from_role(
        user=User.objects.get(username="adjuster"),
        group=Group.objects.get(name="adjusters"),
        actor=ADMIN,
    )
    assert Draft.objects.get(pk=draft_id).leased_by is None
    late = adjuster.post(
        f"/api/v1/drafts/{draft_id}/decisions", {"action": "approve"}, format="json"
    )
    assert late.status_code == 404
    assert error_code(late) == "not_found"
    removed = AuditEntry.objects.get(action="group.member_removed")
    assert removed.data == {"group": "adjusters", "user": "adjuster"}


def test_a_lease_held_through_another_role_survives(demo):
    senior_user = User.objects.get(username="senior_adjuster")
    grant_permission(
        perm="review_queue",
        holder=senior_user,
        obj=Queue.objects.get(slug="claims-senior"),
        actor=ADMIN,
    )
    view = Queue.objects.get(slug="claims-senior")
    senior = person_client("senior_adjuster")
    draft_id = claim(senior, "claims-senior")
    revoke_permission(
        perm="review_queue",
        holder=Group.objects.get(name="senior_adjusters"),
        obj=view,
        actor=ADMIN,
    )
    assert Draft.objects.get(pk=draft_id).leased_by == senior_user  # still holds it directly


def test_grants_and_revocations_through_the_admin_pages_are_audited(demo):
    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    queue = Queue.objects.get(slug="finance-review")
    group = Group.objects.get(name="adjusters")
    url = f"/admin/reviewqueue/queue/{queue.pk}/permissions/group-manage/{group.pk}/"

    granted = admin.post(url, {"permissions": ["view_queue", "review_queue"]})
    assert granted.status_code == 302
    entries = AuditEntry.objects.filter(
        action="permission.granted", object_id=str(queue.pk), data__group="adjusters"
    )
    assert {e.data["permission"] for e in entries} == {"view_queue", "review_queue"}
    assert {e.actor_label for e in entries} == {"admin"}

    # Guardian's page needs at least one permission left ticked: untick "review".
    admin.post(url, {"permissions": ["view_queue"]})
    revoked = AuditEntry.objects.get(
        action="permission.revoked", object_id=str(queue.pk), data__group="adjusters"
    )
    assert revoked.data["permission"] == "review_queue" and revoked.actor_label == "admin"


def test_role_membership_changes_in_the_user_admin_are_audited(demo):
    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    user = User.objects.get(username="claims_tech")
    user.groups.add(Group.objects.get(name="adjusters"))
    assert AuditEntry.objects.filter(action="group.member_added", data__user="claims_tech").exists()
    user.groups.clear()
    removed = AuditEntry.objects.filter(action="group.member_removed", data__user="claims_tech")
    assert {e.data["group"] for e in removed} == {"adjusters", "workflow_owners"}


def test_global_permissions_do_not_open_queues(demo):
    user = User.objects.create_user("global_only")
    user.user_permissions.add(
        Permission.objects.get(codename="view_queue"),
        Permission.objects.get(codename="review_queue"),
    )
    client = person_client("global_only")
    assert client.get("/api/v1/drafts").json()["results"] == []
    assert client.get("/api/v1/queues").json()["results"] == []
    assert client.post("/api/v1/queues/claims-standard/claim").status_code == 404


def test_the_admin_offers_only_the_rights_that_mean_something_on_one_queue(demo):
    from guardian.shortcuts import get_perms

    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    queue = Queue.objects.get(slug="finance-review")
    group = Group.objects.get(name="auditors")
    url = f"/admin/reviewqueue/queue/{queue.pk}/permissions/group-manage/{group.pk}/"
    page = admin.get(url)
    offered = dict(page.context["form"].fields["permissions"].choices)
    assert set(offered) == {"view_queue", "review_queue"}

    refused = admin.post(url, {"permissions": ["delete_queue"]})
    assert refused.status_code == 200 and "delete_queue" not in get_perms(group, queue)
    overview_url = f"/admin/reviewqueue/queue/{queue.pk}/permissions/"
    overview = admin.get(overview_url).content.decode()
    assert "Their username, e.g. adjuster." in overview and "Can delete queue" not in overview
    # Someone who does not exist is said so, on the page (guardian's own message).
    for field, form in (("user", "submit_manage_user"), ("group", "submit_manage_group")):
        missing = admin.post(overview_url, {field: "nobody", form: "1"})
        assert missing.status_code == 200
        assert "does not exist" in missing.content.decode()
        # ... on that form only: the other one is not told it lacks a value.
        assert missing.content.decode().count("This field is required.") == 0


@pytest.mark.parametrize(
    ("holder", "permissions", "says"),
    [
        ("user/auditor", ["view_queue", "review_queue"], "Auditors decide nothing"),
        ("group/auditors", ["view_queue", "review_queue"], "Auditors decide nothing"),
        ("user/claims_owner", ["review_queue"], "needs viewing it too"),
        ("group/controllers", ["review_queue"], "needs viewing it too"),
    ],
)
def test_the_admin_refuses_a_queue_right_that_would_have_no_effect(demo, holder, permissions, says):
    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    queue = Queue.objects.get(slug="claims-standard")
    kind, name = holder.split("/")
    pk = (
        (User if kind == "user" else Group)
        .objects.get(**{"username" if kind == "user" else "name": name})
        .pk
    )
    url = f"/admin/reviewqueue/queue/{queue.pk}/permissions/{kind}-manage/{pk}/"
    entries = AuditEntry.objects.count()

    response = admin.post(url, {"permissions": permissions})

    assert response.status_code == 200
    assert says in response.content.decode()
    assert AuditEntry.objects.count() == entries
    rights = QueueUserObjectPermission if kind == "user" else QueueGroupObjectPermission
    holder_field = "user_id" if kind == "user" else "group_id"
    assert not rights.objects.filter(
        content_object=queue, permission__codename="review_queue", **{holder_field: pk}
    ).exists()


def test_a_review_right_of_their_own_is_enough_when_a_role_gives_view(demo):
    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    queue = Queue.objects.get(slug="claims-standard")
    person = User.objects.get(username="adjuster")  # adjusters view claims-standard
    QueueGroupObjectPermission.objects.filter(
        content_object=queue, permission__codename="review_queue"
    ).delete()
    url = f"/admin/reviewqueue/queue/{queue.pk}/permissions/user-manage/{person.pk}/"
    assert admin.post(url, {"permissions": ["review_queue"]}).status_code == 302
    assert QueueUserObjectPermission.objects.filter(
        user=person, content_object=queue, permission__codename="review_queue"
    ).exists()


def test_a_reviewer_whose_rights_were_taken_mid_review_is_told_so_and_keeps_their_text(demo):
    page_client = signed_in("adjuster")
    draft_id = claim(person_client("adjuster"), "claims-standard")
    remove_from_role(
        user=User.objects.get(username="adjuster"),
        group=Group.objects.get(name="adjusters"),
        actor=ADMIN,
    )
    response = page_client.post(
        f"/drafts/{draft_id}/decide/",
        {"action": "edit", "content": "My rewrite.", "error_category": "tone", "comment": "Ok."},
    )
    assert response.status_code == 403
    page = html.unescape(response.content.decode())
    assert "Your right to review this draft's queue was taken away while you held it" in page
    assert "My rewrite." in page and "Ok." in page
    assert f"/drafts/{draft_id}/" not in page  # no way back to a draft they may not see
    assert Draft.objects.get(pk=draft_id).status == "queued"
    # Anyone else asking about that draft still gets the plain 404.
    other = signed_in("controller").post(f"/drafts/{draft_id}/decide/", {"action": "approve"})
    assert other.status_code == 404


def test_the_permission_service_refuses_a_right_that_would_have_no_effect_too(demo):
    from reviewqueue.services.errors import Invalid

    queue = Queue.objects.get(slug="claims-standard")
    auditors = Group.objects.get(name="auditors")
    with pytest.raises(Invalid) as refused:
        grant_permission(perm="review_queue", holder=auditors, obj=queue, actor=ADMIN)
    assert "Auditors decide nothing" in refused.value.message
    owner = User.objects.get(username="claims_owner")
    with pytest.raises(Invalid):
        grant_permission(perm="review_queue", holder=owner, obj=queue, actor=ADMIN)
    grant_permission(perm="view_queue", holder=owner, obj=queue, actor=ADMIN)
    grant_permission(perm="review_queue", holder=owner, obj=queue, actor=ADMIN)  # now it counts
    assert QueueUserObjectPermission.objects.filter(
        user=owner, content_object=queue, permission__codename="review_queue"
    ).exists()
