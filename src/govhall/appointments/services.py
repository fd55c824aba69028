"""Every change to appointments: booking (online by the applicant, or by hall staff for a
caller on the phone), moving, cancelling, check-in at the hall, and the no-show sweep.

Capacity is held by ``SlotCounter``: a booking first makes sure the slot's counter row exists
(INSERT ... ON CONFLICT DO NOTHING) and then takes a place with one conditional UPDATE
(``booked = booked + 1 WHERE booked < limit``). On PostgreSQL a second UPDATE of the row
waits for the first transaction and re-checks the condition on the committed row; on SQLite
write transactions take their turn. Either way the database, not a read-then-write in Python,
decides who gets the last place, so a slot is never overbooked.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from govhall.accounts import scope
from govhall.accounts.models import Applicant, Hall, User
from govhall.appointments import selectors
from govhall.appointments.models import Appointment, Schedule, SlotCounter
from govhall.appointments.slots import is_slot
from govhall.catalog import selectors as catalog
from govhall.core.errors import Conflict, DomainError, Forbidden, NotFound
from govhall.core.masking import mask_phone
from govhall.notify.services import notification_send

log = logging.getLogger(__name__)

WEEKDAYS = "一二三四五六日"
CODE_DIGITS = 8


@dataclass(frozen=True)
class Caller:
    """A caller booked by phone: found by resident ID, registered when unknown."""

    id_number: str
    name: str = ""
    phone: str = ""


def when(appointment: Appointment) -> str:
    start, end = timezone.localtime(appointment.slot_start), timezone.localtime(appointment.slot_end)
    return f"{start:%Y年%m月%d日}（星期{WEEKDAYS[start.weekday()]}）{start:%H:%M}-{end:%H:%M}"


def _new_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in str(code or "") if not ch.isspace() and ch != "-")


# --------------------------------------------------------------------------- capacity


def _take_place(schedule: Schedule, start: datetime.datetime, *, staff: bool) -> None:
    local = timezone.localtime(start)
    SlotCounter.objects.bulk_create(
        [SlotCounter(schedule=schedule, date=local.date(), start=local.time())], ignore_conflicts=True
    )
    limit = schedule.capacity if staff else schedule.online_capacity
    taken = SlotCounter.objects.filter(
        schedule=schedule, date=local.date(), start=local.time(), booked__lt=limit
    ).update(booked=F("booked") + 1)
    if not taken:
        raise Conflict("该时段已约满，请选择其他时段", code="slot_full", detail={"slot_start": local.isoformat()})


def _release_place(appointment: Appointment) -> None:
    local = timezone.localtime(appointment.slot_start)
    SlotCounter.objects.filter(
        schedule_id=appointment.schedule_id, date=local.date(), start=local.time(), booked__gt=0
    ).update(booked=F("booked") - 1)


def _check_slot(schedule: Schedule, slot_start: datetime.datetime, now: datetime.datetime):
    if timezone.is_naive(slot_start):
        slot_start = timezone.make_aware(slot_start)
    found = is_slot(schedule, slot_start)
    if found is None:
        raise DomainError("所选时间不是可预约的时段（节假日、非开放时间或时段起点不对）", code="not_a_slot")
    earliest, last_day = selectors.bookable_window(schedule, now)
    if found[0] < earliest:
        raise DomainError(
            f"该时段已过或即将开始，请至少提前{schedule.min_notice_minutes}分钟预约", code="slot_too_soon"
        )
    if found[0].date() > last_day:
        raise DomainError(f"只能预约{schedule.book_ahead_days}天内的时段", code="slot_too_far")
    return found


# --------------------------------------------------------------------------- booking


def _resolve(hall: Hall, item_code: str):
    try:
        item = catalog.item_get(item_code)
    except Exception as exc:  # Http404 from get_object_or_404
        raise NotFound("未找到该事项", code="item_not_found") from exc
    schedule = selectors.schedule_for(hall, item)
    if schedule is None:
        raise DomainError("该大厅暂不提供此事项的预约", code="not_bookable", detail={"item_code": item_code})
    return item, schedule


def _applicant_online(actor: User, applicant_id: int | None) -> Applicant:
    represented = scope.represented(actor)
    if not represented:
        raise Forbidden("请先完成实名注册再预约", code="no_applicant")
    if applicant_id is None:
        own = [a for a in represented if a.user_id == actor.pk]
        return own[0] if own else represented[0]
    for applicant in represented:
        if applicant.pk == applicant_id:
            return applicant
    raise NotFound("未找到该申请人", code="applicant_not_found")


def _applicant_by_phone(actor: User, caller: Caller) -> Applicant:
    from govhall.accounts.services import applicant_find_or_register

    found, _ = applicant_find_or_register(
        kind=Applicant.Kind.NATURAL, actor=actor, name=caller.name, id_number=caller.id_number, phone=caller.phone
    )
    return found


def _check_not_blocked(applicant: Applicant, now: datetime.datetime) -> None:
    block = selectors.no_show_block(applicant, now)
    if block is not None:
        until, count = block
        local = timezone.localtime(until)
        raise Forbidden(
            f"您在{selectors.NO_SHOW_WINDOW_DAYS}天内有{count}次预约未按时签到（爽约），"
            f"{local:%Y年%m月%d日}前不能在网上预约。如需办理，可直接到大厅取号，或致电大厅由工作人员为您预约。",
            code="no_show_blocked",
            detail={"until": until.isoformat(), "no_shows": count},
        )


def _insert(appointment: Appointment) -> Appointment:
    """Insert with a fresh check-in code, unique per hall and day (retried on the rare clash);
    the one-live-appointment-per-item rule is the database's."""
    for _ in range(8):
        appointment.code = _new_code()
        try:
            with transaction.atomic():
                appointment.save()
            return appointment
        except IntegrityError as exc:
            if Appointment.objects.filter(
                applicant=appointment.applicant, item_code=appointment.item_code, status=Appointment.Status.BOOKED
            ).exists():
                raise _already_booked() from exc
            appointment.pk = None
    raise DomainError("签到码生成失败，请重试", code="code_exhausted")  # pragma: no cover


def _already_booked() -> Conflict:
    return Conflict("您已有该事项的有效预约，如需换时间请改约", code="already_booked")


@transaction.atomic
def appointment_book(
    *,
    actor: User,
    hall: Hall,
    item_code: str,
    slot_start: datetime.datetime,
    answers: dict | None = None,
    applicant_id: int | None = None,
    caller: Caller | None = None,
    now: datetime.datetime | None = None,
) -> Appointment:
    """Book a place. Online: ``actor`` books for themselves or a legal person they operate for
    (``applicant_id``). By phone: a clerk or hall manager of ``hall`` books for ``caller``
    (found by resident ID, registered when unknown), and may use the places kept back from
    online booking. Sends the confirmation with the check-in code after commit."""
    now = now or timezone.now()
    if not actor.is_authenticated:
        raise Forbidden("请先登录", code="unauthenticated", status=401)
    item, schedule = _resolve(hall, item_code)
    by_phone = caller is not None
    if by_phone:
        if not selectors.is_hall_staff(actor, hall):
            raise Forbidden("只有本大厅的窗口人员或大厅管理员可以代为预约", code="role_not_allowed")
        applicant = _applicant_by_phone(actor, caller)
    else:
        applicant = _applicant_online(actor, applicant_id)
        _check_not_blocked(applicant, now)
        live = Appointment.objects.filter(applicant=applicant, status=Appointment.Status.BOOKED).count()
        if live >= selectors.MAX_LIVE_ONLINE:
            raise Conflict(
                f"您已有{live}个有效预约，最多同时保留{selectors.MAX_LIVE_ONLINE}个；请先办理或取消后再预约",
                code="too_many_live",
            )
    if Appointment.objects.filter(applicant=applicant, item_code=item.code, status=Appointment.Status.BOOKED).exists():
        raise _already_booked()
    start, end = _check_slot(schedule, slot_start, now)
    raw = {str(k): str(v) for k, v in (answers or {}).items()}
    chosen = catalog.parse_answers(item, raw)
    _take_place(schedule, start, staff=by_phone)
    appointment = _insert(
        Appointment(
            hall=hall,
            window_group=schedule.window_group,
            schedule=schedule,
            item=item,
            item_code=item.code,
            applicant=applicant,
            user=actor,
            channel=Appointment.Channel.PHONE if by_phone else Appointment.Channel.ONLINE,
            phone=(applicant.phone or (caller.phone if caller else "") or actor.phone or "").strip(),
            date=timezone.localtime(start).date(),
            slot_start=start,
            slot_end=end,
            answers={str(k): v for k, v in chosen.items()},
            materials=[m.name for m in catalog.materials_for_answers(item, chosen)],
            created_at=now,
        )
    )
    _notify(
        appointment,
        "appointment_booked",
        f"【预约成功】您已预约{hall.name}{appointment.window_group.letter}区（{appointment.window_group.name}）"
        f"{when(appointment)}办理“{item.name}”。签到码 {appointment.code}，请带齐材料，到大厅取号机输入签到码取号。"
        f"改约或取消请在时段开始{schedule.change_cutoff_minutes}分钟前办理。",
    )
    log.info("appointment %s booked for %s", appointment.pk, mask_phone(appointment.phone))
    return appointment


def _notify(appointment: Appointment, event: str, text: str) -> None:
    """In-site message to the applicant's account (and the online booker), SMS to their
    phone; a caller with no account gets the SMS only."""
    users = []
    if appointment.applicant.user_id:
        users.append(appointment.applicant.user)
    if appointment.channel == Appointment.Channel.ONLINE and appointment.user_id not in {u.pk for u in users}:
        users.append(appointment.user)
    if users:
        notification_send(event=event, text=text, users=users)
    elif appointment.phone:
        notification_send(event=event, text=text, phone=appointment.phone)


def _check_can_change(appointment: Appointment, actor: User, now: datetime.datetime, verb: str) -> None:
    if not selectors.can_act(actor, appointment):
        if scope.can_see(actor, appointment, selectors.POLICY):
            raise Forbidden(f"您不能{verb}此预约", code="role_not_allowed")
        raise NotFound("未找到该预约", code="not_found")
    if appointment.status != Appointment.Status.BOOKED:
        raise Conflict(f"该预约{appointment.get_status_display()}，不能{verb}", code="not_live")
    staff = selectors.is_hall_staff(actor, appointment.hall)
    cutoff = appointment.slot_start - datetime.timedelta(minutes=appointment.schedule.change_cutoff_minutes)
    if staff and now < appointment.slot_start:
        return
    if now >= cutoff:
        raise Conflict(
            f"已过{verb}截止时间（时段开始前{appointment.schedule.change_cutoff_minutes}分钟），如有需要请致电大厅",
            code="past_cutoff",
        )


def _locked(appointment: Appointment) -> Appointment:
    # of=("self",): lock the appointment row only. A plain FOR UPDATE over the joins would lock
    # the schedule row too, which every booking's counter INSERT needs a KEY SHARE lock on:
    # PostgreSQL found that deadlock (a move holding the schedule waiting for a booking's
    # counter row, the booking waiting for the schedule).
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("schedule", "hall", "applicant", "item", "window_group")
        .get(pk=appointment.pk)
    )


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, actor: User, now: datetime.datetime | None = None) -> Appointment:
    """Cancel up to the cut-off (the hall's staff until the slot starts); the place is freed."""
    now = now or timezone.now()
    appointment = _locked(appointment)
    _check_can_change(appointment, actor, now, "取消")
    appointment.status = Appointment.Status.CANCELLED
    appointment.cancelled_at = now
    appointment.cancelled_by = actor
    appointment.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    _release_place(appointment)
    _notify(
        appointment,
        "appointment_cancelled",
        f"【预约已取消】您{when(appointment)}在{appointment.hall.name}办理“{appointment.item.name}”的预约已取消。",
    )
    return appointment


@transaction.atomic
def appointment_move(
    *, appointment: Appointment, actor: User, slot_start: datetime.datetime, now: datetime.datetime | None = None
) -> Appointment:
    """Move to another slot of the same schedule (改约): the new place is taken and the old one
    freed in one transaction (a full new slot leaves everything as it was); the check-in code
    stays unless it clashes on the new day."""
    now = now or timezone.now()
    appointment = _locked(appointment)
    _check_can_change(appointment, actor, now, "改约")
    schedule = appointment.schedule
    if not schedule.active:
        raise DomainError("该预约排班已停用，请取消后重新预约", code="not_bookable")
    start, end = _check_slot(schedule, slot_start, now)
    if start == appointment.slot_start:
        raise DomainError("新时段与原时段相同", code="same_slot")
    by_staff = selectors.is_hall_staff(actor, appointment.hall) and appointment.channel == Appointment.Channel.PHONE
    # Counter rows are always changed earlier slot first, so two moves in opposite directions
    # cannot deadlock; freeing before taking is safe: a full new slot rolls both back.
    steps = [
        (start, lambda: _take_place(schedule, start, staff=by_staff)),
        (appointment.slot_start, lambda: _release_place(appointment)),
    ]
    for _, step in sorted(steps, key=lambda pair: pair[0]):
        step()
    appointment.slot_start, appointment.slot_end = start, end
    appointment.date = timezone.localtime(start).date()
    appointment.moves += 1
    if (
        Appointment.objects.filter(hall=appointment.hall, date=appointment.date, code=appointment.code)
        .exclude(pk=appointment.pk)
        .exists()
    ):
        appointment.code = _new_code()
    appointment.save(update_fields=["slot_start", "slot_end", "date", "moves", "code"])
    _notify(
        appointment,
        "appointment_moved",
        f"【预约已改约】您办理“{appointment.item.name}”的预约已改到{when(appointment)}，"
        f"{appointment.hall.name}。签到码 {appointment.code}。",
    )
    return appointment


# --------------------------------------------------------------------------- at the hall


@transaction.atomic
def appointment_check_in(
    *, hall: Hall, code: str, actor: User | None = None, now: datetime.datetime | None = None
) -> Appointment:
    """Check in with the code at ``hall`` (the kiosk with no actor, a clerk of the hall typing
    it, or the applicant's own side signed in on a phone at the door): only today's
    appointments of this hall, from CHECK_IN_EARLY before the slot to CHECK_IN_GRACE after
    its end. Marks it arrived; a second scan returns the same appointment unchanged."""
    now = now or timezone.now()
    signed_in = actor is not None and actor.is_authenticated
    staff = signed_in and scope.staff_role(actor) is not None
    if staff and not selectors.is_hall_staff(actor, hall):
        raise Forbidden("只有本大厅的工作人员可以为预约签到", code="role_not_allowed")
    code = normalise_code(code)
    if not code.isdigit() or len(code) != CODE_DIGITS:
        raise DomainError(f"签到码应为{CODE_DIGITS}位数字", code="invalid_code")
    found = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("item", "window_group", "applicant", "hall", "schedule")
        .filter(hall=hall, date=timezone.localtime(now).date(), code=code)
        .first()
    )
    if found is None or (signed_in and not staff and not selectors.is_own(actor, found)):
        # an applicant signed in on their phone (the door's QR) checks in their own only
        raise NotFound("未找到本大厅今天使用该签到码的预约，请核对签到码或到咨询台取号", code="appointment_not_found")
    if found.status == Appointment.Status.ARRIVED:
        return found
    if found.status == Appointment.Status.CANCELLED:
        raise Conflict("该预约已取消，请到取号机直接取号", code="cancelled")
    if found.status == Appointment.Status.NO_SHOW:
        raise Conflict("已超过签到时间，该预约已记为爽约，请到取号机直接取号", code="check_in_closed")
    opens = found.slot_start - selectors.CHECK_IN_EARLY
    closes = found.slot_end + selectors.CHECK_IN_GRACE
    if now < opens:
        raise Conflict(
            f"签到时间未到：请于{timezone.localtime(opens):%H:%M}后签到（预约时段 {when(found)}）",
            code="check_in_too_early",
            detail={"opens_at": opens.isoformat()},
        )
    if now > closes:
        raise Conflict(
            "已超过签到时间，请到取号机直接取号", code="check_in_closed", detail={"closed_at": closes.isoformat()}
        )
    found.status = Appointment.Status.ARRIVED
    found.arrived_at = now
    found.checked_in_by = actor if signed_in else None
    found.save(update_fields=["status", "arrived_at", "checked_in_by"])
    return found


def no_show_sweep(*, now: datetime.datetime | None = None) -> int:
    """Mark every appointment still booked after its check-in closed (slot end + grace) as a
    no-show, tell the applicant, and warn when online booking is now blocked. Safe to run
    again (and beside check-ins: only rows still booked change). Returns how many."""
    now = now or timezone.now()
    due = list(
        Appointment.objects.filter(status=Appointment.Status.BOOKED, slot_end__lt=now - selectors.CHECK_IN_GRACE)
        .order_by("pk")
        .values_list("pk", flat=True)[:5000]
    )
    if not due:
        return 0
    with transaction.atomic():
        Appointment.objects.filter(pk__in=due, status=Appointment.Status.BOOKED).update(
            status=Appointment.Status.NO_SHOW, no_show_at=now
        )
        marked = list(
            Appointment.objects.filter(pk__in=due, status=Appointment.Status.NO_SHOW, no_show_at=now).select_related(
                "applicant__user", "user", "hall", "item"
            )
        )
        for appointment in marked:
            text = (
                f"【预约未到】您{when(appointment)}在{appointment.hall.name}办理“{appointment.item.name}”的预约未签到，"
                f"已记为爽约。{selectors.NO_SHOW_WINDOW_DAYS}天内爽约{selectors.NO_SHOW_LIMIT}次将暂停网上预约"
                f"{selectors.NO_SHOW_BLOCK_DAYS}天。"
            )
            if selectors.no_show_block(appointment.applicant, now) is not None:
                text += "您的网上预约现已暂停，如需办理请直接到大厅取号。"
            _notify(appointment, "appointment_no_show", text)
    return len(marked)


def reminder_sweep(*, now: datetime.datetime | None = None) -> int:
    """Remind by SMS (and in-site message) of each appointment starting within
    REMIND_BEFORE, once, with the code and the materials; not for one booked so late that
    its confirmation is still fresh. Safe to run again and from two places at once: a row is
    claimed by one conditional UPDATE before it is sent. Returns how many were reminded."""
    now = now or timezone.now()
    due = list(
        Appointment.objects.filter(
            status=Appointment.Status.BOOKED,
            reminded_at__isnull=True,
            slot_start__gt=now,
            slot_start__lte=now + selectors.REMIND_BEFORE,
            created_at__lte=now - selectors.REMIND_NOT_WITHIN,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:5000]
    )
    if not due:
        return 0
    with transaction.atomic():
        Appointment.objects.filter(pk__in=due, reminded_at__isnull=True).update(reminded_at=now)
        claimed = Appointment.objects.filter(pk__in=due, reminded_at=now).select_related(
            "applicant__user", "user", "hall", "item", "window_group"
        )
        count = 0
        for appointment in claimed:
            materials = "、".join(appointment.materials[:6]) or "无"
            more = "等" if len(appointment.materials) > 6 else ""
            _notify(
                appointment,
                "appointment_reminder",
                f"【预约提醒】您预约了{when(appointment)}在{appointment.hall.name}"
                f"{appointment.window_group.letter}区办理“{appointment.item.name}”，签到码 {appointment.code}。"
                f"请携带：{materials}{more}。如不能前往，请提前取消，以免记为爽约。",
            )
            count += 1
    return count
