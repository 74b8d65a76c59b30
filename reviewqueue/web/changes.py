"""What each decision changed, as reviewers and owners read it: words struck out and added,
not a unified diff (the API and the audit keep that one)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from reviewqueue.models import Decision, Draft

# Words, runs of white space, and single punctuation marks: a one-word fix shows as one word.
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
# Past this many tokens a side, compare lines instead: word matching grows with the square.
_MAX_WORD_TOKENS = 20_000


@dataclass(frozen=True)
class DecisionChanges:
    decision: Decision
    changes: SafeString | None  # None: the decision left the text as it was (or it was purged)


def decision_history(draft: Draft) -> list[DecisionChanges]:
    """The draft's decisions, oldest first, each with what it changed in the text before it."""
    before = draft.content
    history = []
    decisions = draft.decisions.select_related("reviewer", "queue", "error_category")
    for decision in sorted(decisions, key=lambda d: (d.decided_at, d.pk)):
        changed = decision.action == Decision.Action.EDIT and decision.content != before
        purged = draft.purged_at is not None
        changes = word_diff(before, decision.content) if changed and not purged else None
        history.append(DecisionChanges(decision, changes))
        before = decision.content
    return history


def word_diff(before: str, after: str) -> SafeString:
    """`after` against `before` as HTML: removed text in <del>, added text in <ins>."""
    old, new = _TOKEN.findall(before), _TOKEN.findall(after)
    if max(len(old), len(new)) > _MAX_WORD_TOKENS:
        old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    parts = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(old[i1:i2])))
            continue
        if i2 > i1:
            parts.append(f"<del>{escape(''.join(old[i1:i2]))}</del>")
        if j2 > j1:
            parts.append(f"<ins>{escape(''.join(new[j1:j2]))}</ins>")
    return mark_safe("".join(parts))  # every piece of text above is escaped
