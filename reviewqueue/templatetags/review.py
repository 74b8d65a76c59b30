"""Template filters for the reviewer pages: times in words, untrusted text and data made readable.

Every filter returns plain strings or data; escaping stays with the template's autoescape.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django import template
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil

register = template.Library()

# Characters that reorder how text is displayed without being visible themselves
# (embeddings, overrides and isolates): they can make a draft read differently than it is.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


@register.filter
def duration_words(value: timedelta | None) -> str:
    """4 hours, 1 day, 2 hours, 15 minutes (a queue's SLA or lease length)."""
    if value is None:
        return ""
    now = timezone.now()
    return timesince(now - value, now=now, depth=2)


@register.filter
def due_words(value: datetime | None) -> str:
    """When something is due, relative to now: "in 3 hours", "overdue by 20 minutes"."""
    if value is None:
        return ""
    now = timezone.now()
    if value > now:
        return f"in {timeuntil(value, now=now, depth=1)}"
    return f"overdue by {timesince(value, now=now, depth=1)}"


@register.filter
def is_past(value: datetime | None) -> bool:
    return value is not None and value <= timezone.now()


@register.filter
def has_bidi_controls(value: Any) -> bool:
    return isinstance(value, str) and bool(BIDI_CONTROLS.search(value))


@register.filter
def reveal_bidi_controls(value: Any) -> str:
    """The text in the order it is stored, each direction control replaced by a visible mark."""
    return BIDI_CONTROLS.sub(lambda m: f"[U+{ord(m.group()):04X}]", str(value))


@register.filter
def web_url(value: Any) -> str:
    """The value if it is an http(s) URL, safe to put in an href; otherwise "" (show it as text).

    Escaping does not make `javascript:` or `data:` links harmless, so only web links get one.
    """
    if not isinstance(value, str):
        return ""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return ""
    return value.strip() if parts.scheme in ("http", "https") and parts.netloc else ""


@register.filter
def as_rows(value: Any) -> list[tuple[str, str]]:
    """A metadata object as (key, text) rows; nested values as compact JSON.

    Templates must not iterate `metadata.items`: a key named "items" would shadow the method.
    """
    if not isinstance(value, dict):
        return [] if value in (None, "", [], {}) else [("value", _text(value))]
    return [(str(key), _text(item)) for key, item in value.items()]


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


_DONE = {"approve": "Approved", "edit": "Edited", "reject": "Rejected", "escalate": "Escalated"}


@register.filter
def done_words(action: str) -> str:
    """A decision's action as something done: "approve" → "Approved" (lists of past decisions)."""
    return _DONE.get(action, action)


@register.filter
def decision_words(decision: Any) -> str:
    """What a decision did, said as done, with its place among two approvals when it had one:
    "Approved (second approval)", "Edited (first approval of the changed text)"."""
    said = done_words(decision.action)
    if decision.action not in ("approve", "edit"):
        return said
    if decision.is_final and decision.first_approver_id:
        return f"{said} (second approval)"
    if not decision.is_final:
        # An approval that did not finish the draft waited for a second one (or the draft was
        # escalated or withdrawn after it): a first approval, or a new one after an edit.
        if decision.first_approver_id:  # a second reviewer's edit: the new text needs another
            return f"{said} (first approval of the changed text)"
        return f"{said} (first approval)"
    return said
