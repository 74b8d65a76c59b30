"""Filters for the owner's dashboard: rates as percentages, seconds as words."""

from __future__ import annotations

from django import template

from reviewqueue import text
from workflows.callbacks import urls

register = template.Library()


@register.filter
def percent(rate: float | str | None) -> str:
    """0.5556 → '55.6 %'; None (nothing to divide by) → '—'."""
    if rate is None or rate == "":
        return "—"
    return f"{float(rate) * 100:.1f} %"


@register.filter
def bar_width(rate: float | None) -> str:
    """A share as a CSS width, clamped to 0..100 %."""
    return f"{max(0.0, min(1.0, float(rate or 0))) * 100:.1f}%"


@register.filter
def seconds_words(seconds: float | None) -> str:
    return text.seconds_in_words(seconds)


@register.filter
def callback_address(url: str) -> str:
    """Where a callback goes, without the query string (tokens live there)."""
    return urls.shown(url)


@register.filter
def usd(amount: object, places: int = 2) -> str:
    """An amount in US dollars: "US$ 0.0065", a loss as "−US$ 0.01"; None → "–"."""
    if amount is None or amount == "":
        return "–"
    rounded = round(float(str(amount)), int(places))
    shown = f"US$ {abs(rounded):,.{int(places)}f}"
    return f"−{shown}" if rounded < 0 else shown
