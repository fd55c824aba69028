"""Reads for appointments: which schedule serves an item at a hall, the open slots with their
remaining places, triage (the item's guide essentials and the materials for the answers), the
appointments a person may see, a hall's day list, and whether no-shows block online booking."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from govhall.accounts import scope
from govhall.accounts.models import Applicant, Hall, User, WindowGroup
from govhall.appointments.models import Appointment, Schedule, SlotCounter
from govhall.appointments.slots import Slot, day_slots
from govhall.catalog import selectors as catalog
from govhall.catalog.models import MaterialRequirement, OnlineDepth, ServiceItem

# Who sees an appointment: the applicant side (the applicant, its operators, whoever booked
# it), and the staff of its hall (clerks, hall managers) or region (supervisors).
POLICY = scope.Policy(applicant="applicant", filer="user", hall="hall", region="hall__region")

# No-shows (爽约): this many within the window block online booking for the block period.
# Staff may still book for the applicant by phone. (Settings may override; see docs.)
NO_SHOW_LIMIT = getattr(settings, "GOVHALL_APPOINTMENT_NO_SHOW_LIMIT", 3)
NO_SHOW_WINDOW_DAYS = getattr(settings, "GOVHALL_APPOINTMENT_NO_SHOW_WINDOW_DAYS", 90)
NO_SHOW_BLOCK_DAYS = getattr(settings, "GOVHALL_APPOINTMENT_NO_SHOW_BLOCK_DAYS", 30)
# Check-in opens this long before the slot and closes this long after its end; the no-show
# sweep marks what is still booked once the check-in has closed.
CHECK_IN_EARLY = datetime.timedelta(minutes=60)
CHECK_IN_GRACE = datetime.timedelta(minutes=15)
# The reminder goes this long before the slot, unless it was booked less than
# REMIND_NOT_WITHIN before (its confirmation is still fresh).
REMIND_BEFORE = datetime.timedelta(hours=24)
REMIND_NOT_WITHIN = datetime.timedelta(hours=2)
# Live appointments one applicant may hold at once (online).
MAX_LIVE_ONLINE = 3
# How far the day list and the API's slot listing reach at most.
MAX_RANGE_DAYS = 31


# --------------------------------------------------------------------------- schedules


def _group_for(groups: list[WindowGroup], item: ServiceItem) -> WindowGroup | None:
    """accounts.selectors.window_group_for over groups read once (the same rule)."""
    for group in groups:
        if item.code in (group.item_codes or []):
            return group
    for group in groups:
        if any(d.id == item.department_id for d in group.departments.all()):
            return group
    return next((g for g in groups if not g.item_codes and not g.departments.all()), None)


class _Resolver:
    """Which schedule serves which item at one hall: three queries, and a region chain once.

    An item-specific schedule, or a group naming the item or its department, takes the item
    wherever its department is; the general windows' group (naming neither) takes only the
    items of departments in the hall's region or below: another district's matter is not
    booked at this hall (异地办 is a later, explicit rule)."""

    def __init__(
        self,
        hall: Hall,
        *,
        groups: list[WindowGroup] | None = None,
        schedules: list[Schedule] | None = None,
        above: dict[int, set[int]] | None = None,
    ):
        self.hall = hall
        # a department region's chain upwards, read once per region (shareable across halls)
        self._above = above if above is not None else {}
        if groups is None:
            groups = list(hall.window_groups.prefetch_related("departments").order_by("order", "letter"))
        self.groups = groups
        if schedules is None:
            schedules = Schedule.objects.filter(hall=hall, active=True).select_related("window_group", "hall")
            schedules = schedules.prefetch_related("days")
        self.by_item = {s.item_code: s for s in schedules if s.item_code}
        self.by_group = {s.window_group_id: s for s in schedules if not s.item_code}

    def schedule(self, item: ServiceItem) -> Schedule | None:
        own = self.by_item.get(item.code)
        if own is not None:
            return own
        group = _group_for(self.groups, item)
        found = self.by_group.get(group.id) if group else None
        if found is None or (found.allowed_item_codes and item.code not in found.allowed_item_codes):
            return None
        named = item.code in (group.item_codes or []) or any(
            d.id == item.department_id for d in group.departments.all()
        )
        if not named and not self.local(item):
            return None
        return found

    def local(self, item: ServiceItem) -> bool:
        """Whether the item's department is in the hall's region or below: one single-row
        read per department region, not the province's region table."""
        region = item.department.region_id
        if region not in self._above:
            self._above[region] = set(catalog.region_and_above(region))
        return self.hall.region_id in self._above[region]


def schedule_for(hall: Hall, item: ServiceItem) -> Schedule | None:
    """The active schedule that takes appointments for ``item`` at ``hall``: the item's own,
    else its window group's (when that one allows the item), else None."""
    return _Resolver(hall).schedule(item)


def bookable_items(hall: Hall) -> list[tuple[ServiceItem, Schedule]]:
    resolver = _Resolver(hall)
    if not resolver.by_item and not resolver.by_group:
        return []
    found = []
    for item in catalog.published_items().select_related("department").order_by("department__order", "name"):
        schedule = resolver.schedule(item)
        if schedule is not None:
            found.append((item, schedule))
    return found


def booking_halls(item: ServiceItem) -> list[tuple[Hall, Schedule]]:
    """The halls that take appointments for ``item``, with the schedule that does (预约办理 on
    the item's guide, the busiest page). Only the halls that could take it are read: those of
    the department's region and above (their general windows), and those with the item's own
    schedule or a group naming the item or the department; so the cost follows the halls
    concerned, not every hall with a schedule. One query when no hall has a schedule, five
    otherwise (the check, the regions, the schedules, the window groups, their departments)."""
    active = Schedule.objects.filter(active=True)
    if not active.exists():
        return []
    above = {item.department.region_id: set(catalog.region_and_above(item.department.region_id))}
    concerned = active.filter(
        Q(hall__region_id__in=above[item.department.region_id])
        | Q(item_code=item.code)
        | Q(window_group__departments=item.department_id)
        | ~Q(window_group__item_codes=[])
    ).values("hall_id")
    schedules = list(active.filter(hall_id__in=concerned).select_related("window_group", "hall"))
    halls = {s.hall_id: s.hall for s in schedules}
    groups: dict[int, list[WindowGroup]] = {pk: [] for pk in halls}
    for group in (
        WindowGroup.objects.filter(hall_id__in=halls).prefetch_related("departments").order_by("order", "letter")
    ):
        groups[group.hall_id].append(group)
    found = []
    for pk, hall in sorted(halls.items(), key=lambda h: h[1].name):
        own = [s for s in schedules if s.hall_id == pk]
        schedule = _Resolver(hall, groups=groups[pk], schedules=own, above=above).schedule(item)
        if schedule is not None:
            found.append((hall, schedule))
    return found


def halls_with_schedules() -> list[Hall]:
    ids = Schedule.objects.filter(active=True).values("hall_id")
    return list(Hall.objects.filter(pk__in=ids).order_by("name"))


# Ids beyond a signed 64-bit integer cannot be rows; asked for, the database driver would
# raise (OverflowError on SQLite) instead of finding nothing.
ID_RANGE = range(1, 2**63)


def hall_get(hall_id: int) -> Hall | None:
    if hall_id not in ID_RANGE:
        return None
    return Hall.objects.filter(pk=hall_id).select_related("region").first()


# --------------------------------------------------------------------------- slots


def _limit(schedule: Schedule, staff: bool) -> int:
    return schedule.capacity if staff else schedule.online_capacity


def bookable_window(schedule: Schedule, now: datetime.datetime) -> tuple[datetime.datetime, datetime.date]:
    """(earliest slot start that may be booked, last day that may be booked)."""
    today = timezone.localtime(now).date()
    return now + datetime.timedelta(minutes=schedule.min_notice_minutes), today + datetime.timedelta(
        days=schedule.book_ahead_days
    )


def open_slots(
    schedule: Schedule,
    date_from: datetime.date,
    date_to: datetime.date,
    *,
    staff: bool = False,
    now: datetime.datetime | None = None,
) -> list[Slot]:
    """The slots of ``schedule`` in [date_from, date_to] that may still be booked, with the
    places left for this kind of booking (online, or by staff, who may also use the places
    kept back from online booking). Full slots are listed with 0 remaining."""
    now = now or timezone.now()
    earliest, last_day = bookable_window(schedule, now)
    date_from = max(date_from, timezone.localtime(now).date())
    date_to = min(date_to, last_day)
    if date_to < date_from:
        return []
    taken = {
        (c.date, c.start): c.booked
        for c in SlotCounter.objects.filter(schedule=schedule, date__gte=date_from, date__lte=date_to)
    }
    days = list(schedule.days.all())
    limit = _limit(schedule, staff)
    found = []
    day = date_from
    while day <= date_to:
        for start, end in day_slots(schedule, day, days):
            if start < earliest:
                continue
            found.append(Slot(day, start, end, limit, taken.get((day, start.time()), 0)))
        day += datetime.timedelta(days=1)
    return found


def days_of(slots: list[Slot]) -> list[tuple[datetime.date, list[Slot]]]:
    out: dict[datetime.date, list[Slot]] = {}
    for slot in slots:
        out.setdefault(slot.date, []).append(slot)
    return list(out.items())


# --------------------------------------------------------------------------- triage


@dataclass
class Triage:
    """What the applicant should know before booking (预约前引导)."""

    item: ServiceItem
    answers: dict[int, int]
    materials: list[MaterialRequirement]
    unanswered: list = field(default_factory=list)  # situations not answered yet
    online: bool = False  # 全程网办: can be done fully online instead
    online_url: str = ""
    guide_url: str = ""

    @property
    def complete(self) -> bool:
        return not self.unanswered

    def material_names(self) -> list[str]:
        return [_material_line(m) for m in self.materials]


def _material_line(m: MaterialRequirement) -> str:
    parts = []
    if m.originals:
        parts.append(f"原件{m.originals}份")
    if m.copies:
        parts.append(f"复印件{m.copies}份")
    if m.source == MaterialRequirement.Source.LICENCE:
        parts.append("可用电子证照")
    tail = f"（{'，'.join(parts)}）" if parts else ""
    return f"{m.name}{tail}"


def triage(item_code: str, raw: dict[str, str]) -> Triage:
    """The item's situations with the applicant's answers, the materials those answers call
    for, and whether the item can be done fully online. Raises Http404 for an unknown item."""
    item = catalog.item_get(item_code)
    answers = catalog.parse_answers(item, raw)
    found = Triage(
        item=item,
        answers=answers,
        materials=catalog.materials_for_answers(item, answers),
        unanswered=[s for s in item.situations.all() if s.id not in answers],
        online=item.online_depth == OnlineDepth.FULL_ONLINE,
        guide_url=reverse("catalog:guide", args=[item.code]),
    )
    if found.online:
        found.online_url = reverse("cases:apply", args=[item.code])
    return found


# --------------------------------------------------------------------------- appointments


def visible_appointments(user: User) -> QuerySet[Appointment]:
    base = Appointment.objects.select_related("hall", "window_group", "item", "applicant")
    return scope.visible(user, base, POLICY)


def mine(user: User) -> QuerySet[Appointment]:
    """The appointments of the applicants ``user`` is or operates for, and those they booked."""
    if not user.is_authenticated:
        return Appointment.objects.none()
    base = Appointment.objects.select_related("hall", "window_group", "item", "applicant")
    return base.filter(scope.applicant_filter(user, POLICY)).order_by("-slot_start")


def appointment_get(user: User, pk: int) -> Appointment | None:
    """One appointment ``user`` may see, or None (outsiders get 404, never 403)."""
    if pk not in ID_RANGE:
        return None
    found = Appointment.objects.select_related("hall", "window_group", "item", "applicant", "schedule").filter(pk=pk)
    found = found.first()
    return found if found is not None and scope.can_see(user, found, POLICY) else None


def appointments_for_day(hall: Hall, date: datetime.date) -> QuerySet[Appointment]:
    """A hall's appointments on ``date`` (every status), by slot then booking time."""
    return (
        Appointment.objects.filter(hall=hall, date=date)
        .select_related("window_group", "item", "applicant", "user")
        .order_by("slot_start", "window_group__order", "created_at")
    )


def staff_hall(user: User) -> Hall | None:
    """The hall a clerk or hall manager works in (administrators: None, they pick one)."""
    profile = scope.staff_profile(user)
    if profile is None or scope.staff_role(user) not in STAFF_ROLES:
        return None
    return profile.hall


STAFF_ROLES = ("clerk", "hall_manager")


def is_hall_staff(user: User, hall: Hall) -> bool:
    """Clerks and hall managers of ``hall``, and administrators: they book by phone, see the
    day list, check in and cancel at the hall."""
    role = scope.staff_role(user)
    if role == "administrator":
        return True
    profile = scope.staff_profile(user)
    return role in STAFF_ROLES and profile is not None and profile.hall_id == hall.pk


def is_own(user: User, appointment: Appointment) -> bool:
    """The applicant's own side (the applicant, its operators, the online booker): they see
    the check-in code and the full name; staff, even the clerk who booked by phone, do not."""
    if not user.is_authenticated:
        return False
    if appointment.channel == Appointment.Channel.ONLINE and appointment.user_id == user.pk:
        return True
    return scope.acts_for(user, appointment.applicant)


def can_act(user: User, appointment: Appointment) -> bool:
    """Whether ``user`` may move or cancel: the applicant side, or the hall's staff."""
    return scope.acts_on_applicant_side(user, appointment, POLICY) or is_hall_staff(user, appointment.hall)


def no_show_block(applicant: Applicant, now: datetime.datetime | None = None) -> tuple[datetime.datetime, int] | None:
    """(until when, how many no-shows) when the applicant's no-shows block online booking.

    Blocked for NO_SHOW_BLOCK_DAYS after the no-show that made NO_SHOW_LIMIT within
    NO_SHOW_WINDOW_DAYS; None when not blocked now."""
    now = now or timezone.now()
    window = datetime.timedelta(days=NO_SHOW_WINDOW_DAYS)
    block = datetime.timedelta(days=NO_SHOW_BLOCK_DAYS)
    since = now - window - block
    starts = list(
        Appointment.objects.filter(applicant=applicant, status=Appointment.Status.NO_SHOW, slot_start__gte=since)
        .order_by("slot_start")
        .values_list("slot_start", flat=True)
    )
    until, count = None, 0
    for i in range(NO_SHOW_LIMIT - 1, len(starts)):
        if starts[i] - starts[i - NO_SHOW_LIMIT + 1] <= window:
            candidate = starts[i] + block
            if candidate > now and (until is None or candidate > until):
                # how many no-shows the window ending with this one holds
                until, count = candidate, sum(1 for s in starts[: i + 1] if starts[i] - s <= window)
    return (until, count) if until is not None else None
