"""Personal API tokens for people (reviewers, owners, auditors) who use the API."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit import events
from audit.actors import Actor
from audit.services import record
from reviewqueue.models import PersonalToken
from reviewqueue.secrets import new_secret


def issue_token(*, user: User, actor: Actor) -> tuple[PersonalToken, str]:
    """A new token for the person, and its secret (shown once, never stored)."""
    made = new_secret("rqt")
    with transaction.atomic():
        token = PersonalToken.objects.create(user=user, prefix=made.prefix, key_hash=made.hash)
        record(
            events.PERSONAL_TOKEN_ISSUED,
            actor=actor,
            object_type="personal_token",
            object_id=token.pk,
            data={"after": {"user": user.get_username(), "prefix": token.prefix}},
        )
    return token, made.secret


def revoke_token(*, token: PersonalToken, actor: Actor) -> PersonalToken:
    """Stop the token working from its next request on (idempotent; one audit entry)."""
    with transaction.atomic():
        # Locked so two revocations record one event with the true "before".
        token = (
            PersonalToken.objects.select_for_update(of=("self",), no_key=True)
            .select_related("user")
            .get(pk=token.pk)
        )
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record(
                events.PERSONAL_TOKEN_REVOKED,
                actor=actor,
                object_type="personal_token",
                object_id=token.pk,
                data={
                    "user": token.user.get_username(),
                    "after": {"prefix": token.prefix, "revoked_at": token.revoked_at.isoformat()},
                },
            )
    return token
