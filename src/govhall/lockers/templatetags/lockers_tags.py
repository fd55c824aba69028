"""Filters for the lockers' pages: names masked in lists (core.masking)."""

from django import template

from govhall.core.masking import mask_name

register = template.Library()


@register.filter
def masked(value: str) -> str:
    """张*明: staff lists show applicants' names masked."""
    return mask_name(value)


@register.filter
def percent(value: float | None) -> str:
    """0.8312 → 83%."""
    return "" if value is None else f"{100 * value:.0f}%"
