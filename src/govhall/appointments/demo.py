"""Demo appointments (``manage.py load_demo``): a schedule for every window group of the demo
hall (Monday to Friday 09:00-12:00 and 13:30-17:30; a 调休 working weekend day opens too, a
holiday does not), so a week of slots is open from today; and a few bookings made through the
real service: 张明 (citizen) for 食品经营许可 on the next slot with room today or on the next
working day, 李娜 (citizen2) and the company's operator for items of other groups.
Idempotent: schedules are brought up to date, bookings made only when the person has none live."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from govhall.accounts.models import Hall, User
from govhall.appointments import selectors, services
from govhall.appointments.models import Appointment, Schedule, ScheduleDay
from govhall.core.demo import demo_loader
from govhall.core.errors import DomainError

DEMO_HALL = "莲湖区政务服务中心"
FOOD = "000101005000-610104000000-000-11610104LH0000001G-1-00"
MORNING = (datetime.time(9, 0), datetime.time(12, 0))
AFTERNOON = (datetime.time(13, 30), datetime.time(17, 30))
# letter -> (slot minutes, capacity, online capacity, note)
GROUPS = {
    "A": (30, 4, 3, "请携带本人身份证原件；代办的请携带委托书。"),
    "B": (60, 2, 2, "工程建设项目请由项目单位经办人预约，携带项目代码。"),
    "C": (30, 3, 2, ""),
    "D": (20, 4, 3, "社保、医保、公积金业务请携带社保卡。"),
}


def _summary(made: tuple[int, int]) -> str | None:
    schedules, booked = made
    return f"预约：{schedules} 个分区排班，新增 {booked} 个预约" if schedules else None


@demo_loader(order=55, summary=_summary)
def load() -> tuple[int, int]:
    hall = Hall.objects.filter(name=DEMO_HALL).first()
    if hall is None:
        return 0, 0
    with transaction.atomic():
        count = 0
        for group in hall.window_groups.all():
            minutes, capacity, online, note = GROUPS.get(group.letter, (30, 3, 2, ""))
            schedule, _ = Schedule.objects.update_or_create(
                window_group=group,
                item_code="",
                defaults={
                    "hall": hall,
                    "slot_minutes": minutes,
                    "capacity": capacity,
                    "online_capacity": online,
                    "book_ahead_days": 7,
                    "note": note,
                    "active": True,
                },
            )
            for weekday in range(5):
                ScheduleDay.objects.update_or_create(
                    schedule=schedule,
                    weekday=weekday,
                    defaults={
                        "morning_start": MORNING[0],
                        "morning_end": MORNING[1],
                        "afternoon_start": AFTERNOON[0],
                        "afternoon_end": AFTERNOON[1],
                    },
                )
            count += 1
    booked = 0
    items = selectors.bookable_items(hall)
    by_letter: dict[str, list] = {}
    for item, schedule in items:
        by_letter.setdefault(schedule.window_group.letter, []).append(item)
    wishes = [("citizen", FOOD), ("citizen2", _first(by_letter, "D")), ("company", _first(by_letter, "C"))]
    for username, code in wishes:
        user = User.objects.filter(username=username).first()
        if user is None or not code:
            continue
        if Appointment.objects.filter(user=user, status=Appointment.Status.BOOKED).exists():
            continue
        if _book_first_free(user, hall, code):
            booked += 1
    return count, booked


def _first(by_letter: dict[str, list], letter: str) -> str:
    found = by_letter.get(letter) or []
    return found[0].code if found else ""


def _book_first_free(user: User, hall: Hall, code: str) -> bool:
    try:
        triage = selectors.triage(code, {})
    except Exception:  # the item is not in this catalogue
        return False
    schedule = selectors.schedule_for(hall, triage.item)
    if schedule is None:
        return False
    today = timezone.localdate()
    answers = {f"s{s.id}": str(s.options.all()[0].id) for s in triage.item.situations.all() if s.options.all()}
    for slot in selectors.open_slots(schedule, today, today + datetime.timedelta(days=schedule.book_ahead_days)):
        if slot.remaining <= 0:
            continue
        try:
            services.appointment_book(actor=user, hall=hall, item_code=code, slot_start=slot.start, answers=answers)
        except DomainError:
            continue
        return True
    return False
