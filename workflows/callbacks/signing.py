"""Standard Webhooks signatures (webhook-id, webhook-timestamp, webhook-signature)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from workflows.models import Workflow

ROTATION_OVERLAP = timedelta(days=1)


def signing_secrets(workflow: Workflow, now: datetime) -> list[str]:
    """The current secret, and the previous one for a day after a rotation."""
    found = [workflow.callback_secret]
    rotated = workflow.callback_secret_rotated_at
    if workflow.previous_callback_secret and rotated and now - rotated < ROTATION_OVERLAP:
        found.append(workflow.previous_callback_secret)
    return found


def headers(workflow: Workflow, msg_id: str, body: str, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    signatures = [
        Webhook(secret).sign(msg_id, now, body) for secret in signing_secrets(workflow, now)
    ]
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
