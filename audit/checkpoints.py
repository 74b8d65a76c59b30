"""Daily checkpoints of the chain's head, mailed to auditors to keep outside the database."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit import events
from audit.actors import Actor
from audit.models import AuditCheckpoint
from audit.sealing import head, seal_pending
from audit.services import record

MAX_POSITION = 2**63 - 1


def parse_checkpoint(text: str) -> tuple[int, str]:
    """POSITION:HASH as printed in the checkpoint mail; ValueError saying how to write it."""
    position, _, digest = text.strip().partition(":")
    digest = digest.lower()
    if (
        not position.isdigit()
        or not 0 < int(position) <= MAX_POSITION
        or len(digest) != 64
        or any(c not in "0123456789abcdef" for c in digest)
    ):
        raise ValueError("Write it as POSITION:HASH (a position and the 64-character hash).")
    return int(position), digest


def auditor_emails() -> list[str]:
    holders = User.objects.filter(
        Q(groups__permissions__codename="read_audit_log")
        | Q(user_permissions__codename="read_audit_log"),
        is_active=True,
    )
    return sorted({u.email for u in holders if u.email})


def record_checkpoint() -> AuditCheckpoint | None:
    """Seal what can be sealed, then record and mail the head. None while the chain is empty."""
    seal_pending()
    current = head()
    if current.position == 0:
        return None
    with transaction.atomic():
        checkpoint = AuditCheckpoint.objects.create(
            position=current.position, head_hash=current.hash, created_at=timezone.now()
        )
        record(
            events.AUDIT_CHECKPOINT,
            actor=Actor.system("audit checkpoint"),
            object_type="audit_checkpoint",
            object_id=checkpoint.pk,
            data={"position": current.position, "head": current.hash},
        )
        transaction.on_commit(lambda: _mail(checkpoint))
    return checkpoint


def _mail(checkpoint: AuditCheckpoint) -> None:
    recipients = auditor_emails()
    if not recipients:
        return
    send_mail(
        subject=f"ReviewQueue audit checkpoint {checkpoint.created_at:%Y-%m-%d}",
        message=(
            "Keep this message: it lets you prove later that the audit log was not rewritten.\n\n"
            f"Position: {checkpoint.position}\nHead hash: {checkpoint.head_hash}\n"
            f"Recorded: {checkpoint.created_at.isoformat()}\n\n"
            "To check the log against it, sign in as an auditor, open the audit log "
            f'({settings.RQ_BASE_URL}/audit/) and paste this into "Verify the chain now":\n'
            f"  {checkpoint.position}:{checkpoint.head_hash}\n\n"
            "or, from a shell on the server:\n"
            f"  manage.py verify_audit --checkpoint {checkpoint.position}:{checkpoint.head_hash}\n"
        ),
        from_email=None,
        recipient_list=recipients,
    )
