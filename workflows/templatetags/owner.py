"""Filters for the owner's dashboard: rates as percentages, seconds as words."""

from __future__ import annotations

from django import template

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


@register.filter
def callback_address(url: str) -> str:
    """Where a callback goes, without the query string (tokens live there)."""
    return urls.shown(url)
