"""Text rules shared across the apps: what counts as written text (the decision service and
the forms), and durations said in words (the owner's dashboard, the audit verification pages)."""

from __future__ import annotations

import unicodedata

# Format characters (zero-width space, word joiner, byte-order mark…) show nothing on a page.
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp", "Zs"}


def is_blank(text: str | None) -> bool:
    """True when nothing in `text` would show: empty, spaces, or invisible characters only."""
    return not text or all(ch.isspace() or unicodedata.category(ch) in _INVISIBLE for ch in text)


def unify_line_ends(text: str) -> str:
    # Browsers send CRLF whatever the text used; old Mac text uses a lone CR. Neither is a change.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def seconds_in_words(seconds: float | None) -> str:
    """412.5 → '6 min 53 s', 7500 → '2 h 5 min'; None → '—'."""
    if seconds is None:
        return "—"
    whole = round(float(seconds))
    if whole < 60:
        return f"{float(seconds):.1f} s" if seconds < 10 else f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"
