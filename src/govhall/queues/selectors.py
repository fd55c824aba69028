"""Reads for the queue pages and API: a ticket's place and wait estimate, the hall screen's
state, the clerk's lists and the manager's statistics (aggregate queries)."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Avg, Count, Max, Q
from django.db.models.functions import ExtractHour
from django.utils import timezone

from govhall.accounts.models import Hall, Window, WindowGroup
from govhall.core.masking import mask_name
from govhall.queues import services, workflow
from govhall.queues.models import State, Ticket


def _today() -> datetime.date:
    return timezone.localdate(services._now())


def groups(hall: Hall) -> list[WindowGroup]:
    return list(WindowGroup.objects.filter(hall=hall).order_by("order", "letter"))


def waiting_counts(hall: Hall) -> dict[int, int]:
    """Waiting tickets per group id today (one GROUP BY)."""
    rows = (
        Ticket.objects.filter(hall=hall, day=_today(), state=State.WAITING)
        .values("group_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["group_id"]: row["n"] for row in rows}


def position(ticket: Ticket) -> int:
    """1 for the next ticket to be called in its group, 0 when not waiting."""
    if ticket.state != State.WAITING:
        return 0
    waiting = Ticket.objects.filter(group_id=ticket.group_id, state=State.WAITING, day=ticket.day)
    ahead = waiting.filter(queue_key__lte=ticket.queue_key).exclude(queue_key=ticket.queue_key, id__gte=ticket.id)
    return ahead.count() + 1


def service_minutes(group_id: int) -> tuple[float, int]:
    """The mean service time in minutes of the group's recent finished tickets, and how many
    were averaged (DEFAULT_SERVICE_MINUTES when fewer than MIN_SAMPLES); remembered for
    ESTIMATE_CACHE_SECONDS (every ticket page and kiosk answer asks)."""
    key = f"queues:service:{group_id}:{_today()}"
    found = cache.get(key)
    if found is None:
        found = _service_minutes(group_id)
        cache.set(key, found, workflow.ESTIMATE_CACHE_SECONDS)
    return found


def _service_minutes(group_id: int) -> tuple[float, int]:
    since = _today() - datetime.timedelta(days=workflow.RECENT_DAYS)
    recent = list(
        Ticket.objects.filter(group_id=group_id, state=State.FINISHED, day__gte=since, service_seconds__isnull=False)
        .order_by("-ended_at")
        .values_list("service_seconds", flat=True)[: workflow.RECENT_SERVICES]
    )
    if len(recent) < workflow.MIN_SAMPLES:
        return float(workflow.DEFAULT_SERVICE_MINUTES), len(recent)
    return sum(recent) / len(recent) / 60, len(recent)


def open_windows(group_id: int) -> int:
    """Windows of the group that called a ticket in the last OPEN_WINDOW_MINUTES (at least 1),
    remembered for ESTIMATE_CACHE_SECONDS."""
    key = f"queues:windows:{group_id}"
    found = cache.get(key)
    if found is None:
        found = _open_windows(group_id)
        cache.set(key, found, workflow.ESTIMATE_CACHE_SECONDS)
    return found


def _open_windows(group_id: int) -> int:
    since = services._now() - datetime.timedelta(minutes=workflow.OPEN_WINDOW_MINUTES)
    active = (
        Ticket.objects.filter(group_id=group_id, called_at__gte=since, clerk__isnull=False)
        .values("clerk_id")
        .distinct()
        .count()
    )
    return max(1, active)


@dataclass(frozen=True)
class Estimate:
    position: int
    minutes: int
    service_minutes: float
    windows: int
    samples: int


def estimate(ticket: Ticket) -> Estimate | None:
    """wait ≈ ceil(position × mean service minutes ÷ open windows) (docs/queues.md)."""
    place = position(ticket)
    if place == 0:
        return None
    mean, samples = service_minutes(ticket.group_id)
    windows = open_windows(ticket.group_id)
    return Estimate(place, math.ceil(place * mean / windows), round(mean, 1), windows, samples)


def ticket_view(ticket: Ticket) -> dict:
    """What the applicant's ticket page and the API show (no personal data)."""
    found = estimate(ticket)
    return {
        "number": ticket.number,
        "state": ticket.state,
        "state_label": ticket.get_state_display(),
        "hall": ticket.hall.name,
        "group": ticket.group.name,
        "group_letter": ticket.group.letter,
        "priority": ticket.priority,
        "priority_label": ticket.get_priority_display() if ticket.priority else "",
        "issued_at": ticket.issued_at,
        "position": found.position if found else 0,
        "wait_minutes": found.minutes if found else None,
        "window": ticket.window.code if ticket.window_id and ticket.state in workflow.ACTIVE else "",
        "call_count": ticket.call_count,
    }


def screen_state(hall: Hall) -> dict:
    """The hall screen: the latest calls (number → window, newest first; a recall is a new
    call) and the waiting count of every group."""
    today = _today()
    calls = (
        Ticket.objects.filter(hall=hall, day=today, state__in=workflow.ACTIVE, called_at__isnull=False)
        .select_related("window")
        .order_by("-called_at", "-id")[: workflow.SCREEN_CALLS]
    )
    counts = waiting_counts(hall)
    return {
        "hall": hall.name,
        "calls": [
            {
                "key": f"{t.pk}-{t.call_count}-{int(t.called_at.timestamp() * 1000)}",
                "number": t.number,
                "window": t.window.code if t.window_id else "",
                "state": t.state,
                "called_at": t.called_at,
                "text": f"请{_spoken(t.number)}号到{t.window.code if t.window_id else ''}号窗口办理",
            }
            for t in calls
        ],
        "groups": [{"letter": g.letter, "name": g.name, "waiting": counts.get(g.pk, 0)} for g in groups(hall)],
        "now": services._now(),
    }


def _spoken(number: str) -> str:
    # "A001" is read letter then digits one by one, as halls announce it: A零零一
    digits = "零一二三四五六七八九"
    return "".join(digits[int(c)] if c.isdigit() else c for c in number)


# --------------------------------------------------------------------------- the clerk


def workbench(hall_id: int, group_ids: list[int] | None) -> dict:
    """The clerk's lists: the waiting tickets of the groups their window calls for (all of the
    hall's for a manager: None), and the hall's parked and missed tickets."""
    today = _today()
    tickets = Ticket.objects.filter(hall_id=hall_id, day=today).select_related("group", "applicant", "window")
    waiting = tickets.filter(state=State.WAITING)
    if group_ids is not None:
        waiting = waiting.filter(group_id__in=group_ids)
    return {
        "waiting": [_line(t) for t in waiting.order_by("queue_key", "id")[:30]],
        "waiting_total": waiting.count(),
        "parked": [_line(t) for t in tickets.filter(state=State.PARKED).order_by("queue_key", "id")[:30]],
        "missed": [_line(t) for t in tickets.filter(state=State.MISSED).order_by("-ended_at")[:30]],
    }


def _line(ticket: Ticket) -> dict:
    return {
        "ticket": ticket,
        "applicant": mask_name(ticket.applicant.name) if ticket.applicant_id else "",
        "waited": int((services._now() - ticket.issued_at).total_seconds() // 60),
    }


def other_groups(hall_id: int, group_id: int | None) -> list[WindowGroup]:
    return list(WindowGroup.objects.filter(hall_id=hall_id).exclude(pk=group_id).order_by("order", "letter"))


# --------------------------------------------------------------------------- statistics


def _rate(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def _minutes(seconds: float | None) -> float | None:
    return round(seconds / 60, 1) if seconds is not None else None


def statistics(hall: Hall, start: datetime.date, end: datetime.date) -> dict:
    """Waiting and service times and no-show rates per group, per hour of the day and per day,
    over ``start``..``end`` (three GROUP BY queries)."""
    tickets = Ticket.objects.filter(hall=hall, day__gte=start, day__lte=end)
    aggregates = {
        "issued": Count("id"),
        "called": Count("id", filter=Q(first_called_at__isnull=False)),
        "finished": Count("id", filter=Q(state=State.FINISHED)),
        "missed": Count("id", filter=Q(state=State.MISSED)),
        "expired": Count("id", filter=Q(state=State.EXPIRED)),  # open when the day was closed
        "wait": Avg("wait_seconds"),
        "wait_max": Max("wait_seconds"),
        "service": Avg("service_seconds"),
    }

    def shaped(row: dict) -> dict:
        return {
            **row,
            "wait": _minutes(row["wait"]),
            "wait_max": _minutes(row["wait_max"]),
            "service": _minutes(row["service"]),
            "missed_rate": _rate(row["missed"], row["called"]),
        }

    names = {g.pk: g for g in groups(hall)}
    by_group = [
        {**shaped(row), "group": names.get(row["group_id"])}
        for row in tickets.values("group_id").annotate(**aggregates).order_by("group_id")
    ]
    by_group.sort(key=lambda row: (row["group"].order, row["group"].letter) if row["group"] else (0, ""))
    zone = timezone.get_current_timezone()
    by_hour = [
        shaped(row)
        for row in tickets.annotate(hour=ExtractHour("issued_at", tzinfo=zone))
        .values("hour")
        .annotate(**aggregates)
        .order_by("hour")
    ]
    by_day = [shaped(row) for row in tickets.values("day").annotate(**aggregates).order_by("day")]
    total = tickets.aggregate(**aggregates)
    return {"groups": by_group, "hours": by_hour, "days": by_day, "total": shaped(total)}


def windows_of(hall: Hall) -> list[Window]:
    return list(Window.objects.filter(hall=hall).select_related("group").order_by("code"))
