"""Charts drawn on the server as inline SVG: no script, no CDN, readable on a phone.

Every chart is an ``<svg role="img">`` named by its ``<title>`` and described by its
``<desc>`` (which states the figures in words, so a screen reader gets the data), drawn in a
320-unit-wide view box so that in a card on a 375 px phone one unit is about one pixel and text keeps
its size; wider screens scale it up to the card's width. Labels sit above their bars rather
than beside them, so long Chinese names never squeeze the bars. The page puts the same
figures in a table under each chart (``<details>``) for those who prefer numbers.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 320
BAR_COLOURS = ("#1f5fa8", "#2f7d4f", "#a15c00", "#6b3fa0")


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _frame(chart_id: str, title: str, desc: str, height: float, body: list[str], big: bool = False) -> SafeString:
    tid, did = f"{chart_id}-title", f"{chart_id}-desc"
    kind = "stats-chart big" if big else "stats-chart"
    return mark_safe(  # noqa: S308 (every text is escaped above)
        f'<svg class="{kind}" id="{escape(chart_id)}" role="img" aria-labelledby="{tid} {did}"'
        f' viewBox="0 0 {WIDTH} {height:.0f}" width="100%" preserveAspectRatio="xMinYMin meet"'
        f' xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{tid}">{escape(title)}</title><desc id="{did}">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def bar_chart(
    chart_id: str, title: str, rows: Sequence[tuple[str, float]], *, unit: str = "件", big: bool = False
) -> SafeString:
    """Horizontal bars, one per (label, value), longest = full width; the value written after
    each bar. ``big`` (长辈模式): larger text and rows. An empty chart says so."""
    k = 1.4 if big else 1.0
    if not rows:
        body = [f'<text x="0" y="{24 * k:.0f}" class="empty">暂无数据</text>']
        return _frame(chart_id, title, "暂无数据", 40 * k, body, big)
    top = max((v for _, v in rows), default=0) or 1
    row_height, room = 46 * k, (90 if big else 70)
    body = []
    for i, (label, value) in enumerate(rows):
        y = i * row_height
        width = max(0.0, (value / top) * (WIDTH - room))
        colour = BAR_COLOURS[i % len(BAR_COLOURS)] if len(rows) <= len(BAR_COLOURS) else BAR_COLOURS[0]
        body.append(
            f'<g class="bar"><text x="0" y="{y + 16 * k:.1f}" class="label">{escape(label)}</text>'
            f'<rect x="0" y="{y + 23 * k:.1f}" width="{width:.1f}" height="{16 * k:.1f}" rx="2" fill="{colour}"/>'
            f'<text x="{width + 6:.1f}" y="{y + 37 * k:.1f}" class="value">'
            f"{escape(_number(value))}{escape(unit)}</text></g>"
        )
    desc = "；".join(f"{label}{_number(value)}{unit}" for label, value in rows)
    return _frame(chart_id, title, desc, len(rows) * row_height + 4, body, big)


def rate_bars(
    chart_id: str, title: str, rows: Sequence[tuple[str, float | None, str]], *, big: bool = False
) -> SafeString:
    """Gauges for rates: a full-width track, the filled share and the percentage; ``rows``
    are (label, rate 0..1 or None, note)."""
    k = 1.4 if big else 1.0
    row_height = 50 * k
    track = WIDTH - (84 if big else 64)
    body = []
    for i, (label, rate, note) in enumerate(rows):
        y = i * row_height
        share = min(1.0, max(0.0, rate or 0.0))
        text = f"{label}（{note}）" if note else label
        bar = f'y="{y + 23 * k:.1f}" height="{16 * k:.1f}" rx="{8 * k:.0f}"'
        body.append(
            f'<g class="gauge"><text x="0" y="{y + 16 * k:.1f}" class="label">{escape(text)}</text>'
            f'<rect x="0" {bar} width="{track}" fill="#e3e8ef"/>'
            f'<rect x="0" {bar} width="{track * share:.1f}" fill="#2f7d4f"/>'
            f'<text x="{track + 6}" y="{y + 37 * k:.1f}" class="value">{escape(percent(rate))}</text></g>'
        )
    desc = "；".join(f"{label}{percent(rate)}" for label, rate, _ in rows) or "暂无数据"
    return _frame(chart_id, title, desc, max(1, len(rows)) * row_height + 4, body, big)


def line_chart(
    chart_id: str, title: str, points: Sequence[tuple[datetime.date, int]], *, unit: str = "件", big: bool = False
) -> SafeString:
    """A daily line with its highest value and the first, middle and last dates marked."""
    if not points:
        return _frame(chart_id, title, "暂无数据", 40, ['<text x="0" y="24" class="empty">暂无数据</text>'], big)
    k = 1.4 if big else 1.0
    left, right, top_pad, plot_h = 38 * k, 10 * k, 14 * k, 120
    height = top_pad + plot_h + 30 * k
    top = max(v for _, v in points) or 1
    span = max(1, len(points) - 1)
    inner = WIDTH - left - right

    def xy(i: int, v: int) -> tuple[float, float]:
        return left + inner * i / span, top_pad + plot_h * (1 - v / top)

    coords = " ".join("{:.1f},{:.1f}".format(*xy(i, v)) for i, (_, v) in enumerate(points))
    body = [
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{WIDTH - right}" y2="{top_pad + plot_h}" stroke="#667"/>',
        f'<line x1="{left}" y1="{top_pad}" x2="{WIDTH - right}" y2="{top_pad}" stroke="#ccd" stroke-dasharray="3 3"/>',
        f'<text x="{left - 4}" y="{top_pad + 5}" text-anchor="end" class="value">{escape(_number(top))}</text>',
        f'<text x="{left - 4}" y="{top_pad + plot_h + 4}" text-anchor="end" class="value">0</text>',
        f'<polyline points="{coords}" fill="none" stroke="#1f5fa8" stroke-width="2" stroke-linejoin="round"/>',
    ]
    if len(points) <= 62:
        body += [
            '<circle cx="{:.1f}" cy="{:.1f}" r="2.5" fill="#1f5fa8"/>'.format(*xy(i, v))
            for i, (_, v) in enumerate(points)
        ]
    marks = sorted({0, len(points) // 2, len(points) - 1})
    for n, i in enumerate(marks):
        x, _ = xy(i, 0)
        anchor = "start" if n == 0 else ("end" if i == len(points) - 1 else "middle")
        body.append(
            f'<text x="{x:.1f}" y="{top_pad + plot_h + 22 * k:.1f}" text-anchor="{anchor}" class="label">'
            f"{points[i][0].month}月{points[i][0].day}日</text>"
        )
    total = sum(v for _, v in points)
    busiest = max(points, key=lambda p: p[1])
    desc = (
        f"{points[0][0]:%Y年%m月%d日}至{points[-1][0]:%Y年%m月%d日}共{len(points)}天，合计{_number(total)}{unit}，"
        f"日均{_number(round(total / len(points), 2))}{unit}，最多为{busiest[0]:%m月%d日}的{_number(busiest[1])}{unit}"
    )
    return _frame(chart_id, title, desc, height, body, big)
