"""The auditor's pages: the log (filtered, keyset pages) and one entry in full (verification:
audit/verification_pages.py).

Server-rendered, no script. Only auditors (the global read_audit_log permission) and superusers
read them, the same people as audit.api.IsAuditor lets through; everyone else gets 403.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

import django_filters
from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from audit import events
from audit.api import EntryFilter
from audit.forms import VerifyForm
from audit.models import AuditEntry
from audit.sealing import head
from audit.selectors import (
    EntryPage,
    entry_page,
    entry_with_seal,
    latest_checkpoint,
    latest_verification,
)
from reviewqueue.models import Draft
from reviewqueue.web.security import content_security_policy

PAGE_SIZE = 50
FILTERS = list(EntryFilter.base_filters)  # what the export link carries over to the API
_MAX_ID = 2**63 - 1

_LABELS = {
    "actor": ("Actor", "username, workflow:key or task"),
    "actor_type": ("Actor type", ""),
    "action": ("Action", "e.g. draft.decided, or draft for all draft events"),
    "workflow": ("Workflow", "workflow slug"),
    "object_type": ("Object type", "e.g. draft"),
    "object_id": ("Object id", ""),
    "since": ("Since", "ISO time, e.g. 2025-03-01T00:00Z"),
    "until": ("Until (excluded)", "ISO time"),
}


class _EntryId(django_filters.NumberFilter):
    field_class = forms.IntegerField


class LogFilter(EntryFilter):
    """The API's filters, plus `before`: the keyset cursor of the pages (an entry id)."""

    before = _EntryId(
        field_name="id",
        lookup_expr="lt",
        min_value=1,
        max_value=_MAX_ID,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, (label, hint) in _LABELS.items():
            field = self.form.fields[name]
            field.label = label
            field.widget.attrs["placeholder"] = hint
        self.form.fields["action"].widget.attrs["list"] = "audit-actions"
        self.form.fields["before"].label = "Page (entries before id)"


def may_read_audit_log(user: Any) -> bool:
    """IsAuditor's rule for a signed-in person: superusers hold every permission."""
    return user.is_authenticated and user.has_perm("audit.read_audit_log")


def auditor_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not may_read_audit_log(request.user):
            return render(request, "audit/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


@content_security_policy
@login_required
@require_safe
@auditor_required
def log(request: HttpRequest) -> HttpResponse:
    context = log_context(request.GET)
    status = 400 if context["filters"].errors else 200
    return render(request, "audit/log.html", context, status=status)


@content_security_policy
@login_required
@require_safe
@auditor_required
def entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    found = entry_with_seal(entry_id)
    if found is None:
        raise Http404("No such audit entry.")
    context = {
        "entry": found,
        "seal": getattr(found, "seal", None),
        "description": events.REGISTERED.get(found.action, ""),
        "data_blocks": _data_blocks(found.data),
        "same_object": urlencode({"object_type": found.object_type, "object_id": found.object_id}),
        "decided_draft": _decided_draft_link(found),
    }
    return render(request, "audit/entry.html", context)


def _decided_draft_link(entry: AuditEntry) -> str:
    """For an entry about a draft a person has decided: that draft's page (what was decided);
    "" otherwise, rather than a link to a page that would say "not found"."""
    if entry.object_type != "draft" or not entry.workflow_slug:
        return ""
    try:
        draft_id = uuid.UUID(entry.object_id)
    except ValueError:
        return ""
    decided = Draft.objects.filter(
        pk=draft_id, workflow__slug=entry.workflow_slug, status__in=Draft.DECIDED_BY_A_PERSON
    ).exists()
    return reverse("owner-draft", args=[entry.workflow_slug, draft_id]) if decided else ""


def _newer_query(query: QueryDict, kept: dict[str, str], first_shown: int) -> str:
    """The page just newer than one that starts at `first_shown`: the next PAGE_SIZE matching
    entries above it (one indexed query), or the newest page if no more than that are left."""
    unpaged = query.copy()
    unpaged.pop("before", None)
    newer = list(
        LogFilter(unpaged, queryset=AuditEntry.objects.all())
        .qs.filter(id__gt=first_shown)
        .order_by("id")
        .values_list("id", flat=True)[: PAGE_SIZE + 1]
    )
    if len(newer) <= PAGE_SIZE:  # they all fit on the newest page
        return urlencode(kept)
    return urlencode({**kept, "before": newer[PAGE_SIZE - 1] + 1})


def log_context(query: QueryDict) -> dict[str, Any]:
    filters = LogFilter(query, queryset=AuditEntry.objects.all())
    page = entry_page(filters.qs, size=PAGE_SIZE) if filters.is_valid() else EntryPage([], None)
    kept = {name: query[name] for name in FILTERS if query.get(name)}
    newer_query = ""
    if page.entries and query.get("before"):
        newer_query = _newer_query(query, kept, page.entries[0].pk)
    return {
        "filters": filters,
        "filtered": bool(kept),
        "page": page,
        "paged": bool(query.get("before")),
        "newest_query": urlencode(kept),
        "older_query": urlencode({**kept, "before": page.older_than}) if page.older_than else "",
        "newer_query": newer_query,
        "csv_query": urlencode({"format": "csv", **kept}),
        "jsonl_query": urlencode({"format": "jsonl", **kept}),
        "actions": sorted(events.REGISTERED),
        "head": head(),
        "checkpoint": latest_checkpoint(),
        "verify_form": VerifyForm(),
        "verification": latest_verification(),
    }


def _data_blocks(data: Any) -> list[tuple[str, str]]:
    """(title, indented JSON): the before and after of a change apart, then anything else."""
    if not isinstance(data, dict):
        return [("", _pretty(data))]
    blocks = [(key.title(), _pretty(data[key])) for key in ("before", "after") if key in data]
    rest = {k: v for k, v in data.items() if k not in ("before", "after")}
    if rest or not blocks:
        # Under the card's own "Data" heading: a second "Data" would only repeat it.
        blocks.append(("Other data" if blocks else "", _pretty(rest)))
    return blocks


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
