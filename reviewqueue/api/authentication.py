"""`Authorization: Bearer <secret>` for producers (workflow keys) and people (personal tokens).

A producer's request carries a `Producer` as `request.user` and its `ProducerKey` as
`request.auth`; a person's carries the `User` and their `PersonalToken`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions

from reviewqueue.models import PersonalToken
from reviewqueue.secrets import hash_secret
from workflows.models import ProducerKey

# Writing last_used_at on every request would make each read a write; a minute is precise enough.
_LAST_USED_PRECISION = timedelta(minutes=1)


class Producer:
    """The caller behind a workflow API key. Not a person: holds no queue or audit rights."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    is_staff = False

    def __init__(self, key: ProducerKey):
        self.key = key
        self.workflow = key.workflow
        self.pk = None

    def __str__(self) -> str:
        return f"producer {self.key}"

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False


def _touch(model: type, obj: Any) -> None:
    now = timezone.now()
    if obj.last_used_at is None or now - obj.last_used_at > _LAST_USED_PRECISION:
        model.objects.filter(pk=obj.pk).update(last_used_at=now)
        obj.last_used_at = now


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send exactly `Authorization: Bearer <key>`.")
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid key.") from exc
        if secret.startswith("rqp_"):
            return self._producer(secret)
        if secret.startswith("rqt_"):
            return self._person(secret)
        raise exceptions.AuthenticationFailed("Invalid key.")

    def _producer(self, secret: str):
        key = (
            ProducerKey.objects.select_related("workflow__current_policy")
            .filter(key_hash=hash_secret(secret))
            .first()
        )
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid key.")
        # A revoked key is known but refused: the producer permission answers 403 key_revoked.
        if key.revoked_at is None:
            _touch(ProducerKey, key)
        return Producer(key), key

    def _person(self, secret: str):
        token = (
            PersonalToken.objects.select_related("user")
            .filter(key_hash=hash_secret(secret), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        _touch(PersonalToken, token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
