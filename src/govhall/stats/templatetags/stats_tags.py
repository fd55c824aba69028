from django import template

from govhall.stats import charts

register = template.Library()


@register.filter
def pct(rate):
    """0.1234 -> 12.3%; None -> —."""
    return charts.percent(rate)
