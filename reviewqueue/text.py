"""What counts as written text: the rules the decision service and the forms share."""

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
