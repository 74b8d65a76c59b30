"""Sign-ins and failed sign-ins are audit events."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction

from audit import events
from audit.actors import Actor
from audit.services import record


def _logged_in(sender, request, user, **kwargs):
    with transaction.atomic():
        record(
            events.LOGIN_SUCCEEDED,
            actor=Actor.person(user),
            object_type="user",
            object_id=user.pk,
            data={"username": user.get_username()},
        )


def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    with transaction.atomic():
        record(
            events.LOGIN_FAILED,
            actor=Actor("anonymous", "", username or "(none)"),
            object_type="user",
            object_id=username[:64],  # the column's width; the whole name is in the data
            data={"username": username},
        )


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="audit-login")
    user_login_failed.connect(_login_failed, dispatch_uid="audit-login-failed")
