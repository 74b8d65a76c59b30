"""The read side of the auditor's pages: keyset pages of entries, one entry, the chain's state,
its verifications."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from audit.models import AuditCheckpoint, AuditEntry, VerificationRun


@dataclass(frozen=True)
class EntryPage:
    entries: list[AuditEntry]
    older_than: int | None  # the `before` id of the next, older page; None on the last page


def entry_page(entries: QuerySet[AuditEntry], *, size: int) -> EntryPage:
    """Newest first by id, one extra row to know whether older entries exist.

    Keyset paging (the caller narrows with id < before), never OFFSET: the index on id (or on
    action / workflow / actor with id) serves any page of a million entries at the same cost.
    """
    rows = list(entries.select_related("seal").order_by("-id")[: size + 1])
    if len(rows) > size:
        return EntryPage(rows[:size], rows[size - 1].pk)
    return EntryPage(rows, None)


def entry_with_seal(entry_id: int) -> AuditEntry | None:
    return AuditEntry.objects.select_related("seal").filter(pk=entry_id).first()


def latest_checkpoint() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-created_at", "-id").first()


def verifications() -> QuerySet[VerificationRun]:
    """Newest first."""
    return VerificationRun.objects.select_related("requested_by").order_by("-requested_at", "-id")


def latest_verification() -> VerificationRun | None:
    return verifications().first()
