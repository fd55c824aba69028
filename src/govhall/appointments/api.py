"""Appointments API (``/api/v1/appointments``): the halls and items that take appointments,
triage before booking, open slots with the places left, booking, my appointments, moving and
cancelling, and for a hall's staff the day list and check-in. Bearer token or page session.

Thin: parse, call a service or selector, shape the answer. The check-in code is shown only to
the applicant side; staff lists carry it as null and the applicant's name masked.
"""

from __future__ import annotations

import datetime

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from govhall.accounts.auth import API_AUTH
from govhall.appointments import selectors, services
from govhall.appointments.models import Appointment
from govhall.core.errors import DomainError, ErrorOut, Forbidden, NotFound
from govhall.core.fields import IsoDate
from govhall.core.masking import mask_name

router = Router(tags=["appointments"], auth=API_AUTH)

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --------------------------------------------------------------------------- shapes


class HallOut(Schema):
    id: int
    name: str
    address: str
    phone: str


class BookableItemOut(Schema):
    code: str
    name: str
    department: str
    window_group: str = Field(description="窗口分区字母与名称，如“A 综合受理（证照联办）”")
    requires_appointment: bool
    full_online: bool = Field(description="全程网办：可不到现场，直接网上申请")


class TriageOptionOut(Schema):
    id: int
    label: str


class TriageSituationOut(Schema):
    id: int
    question: str
    help_text: str
    options: list[TriageOptionOut]
    chosen: int | None


class TriageOut(Schema):
    item_code: str
    item_name: str
    conditions: str
    promised_days: int
    max_visits: int
    situations: list[TriageSituationOut]
    complete: bool = Field(description="所有情形问题都已回答")
    materials: list[str] = Field(description="按所选情形需要携带的材料")
    full_online: bool
    online_url: str = Field(description="全程网办事项的网上申请地址（否则为空）")
    guide_url: str
    bookable: bool = Field(description="该大厅可预约此事项")
    note: str = Field(description="预约须知")


class SlotOut(Schema):
    start: datetime.datetime
    end: datetime.datetime
    capacity: int
    remaining: int


class AppointmentDayOut(Schema):
    date: datetime.date
    slots: list[SlotOut]


class SlotsOut(Schema):
    hall: int
    item_code: str
    window_group: str
    days: list[AppointmentDayOut]


class AppointmentOut(Schema):
    id: int
    hall: str
    window_group: str
    item_code: str
    item_name: str
    applicant: str = Field(description="申请人（已脱敏）")
    slot_start: datetime.datetime
    slot_end: datetime.datetime
    status: str
    status_label: str
    channel: str
    code: str | None = Field(description="签到码：只给申请人一方；工作人员看到 null")
    materials: list[str]
    moves: int
    can_change: bool = Field(description="现在还能改约或取消")
    change_cutoff: datetime.datetime
    created_at: datetime.datetime
    arrived_at: datetime.datetime | None


class BookIn(Schema):
    hall: int
    item_code: str = Field(max_length=64)
    slot_start: datetime.datetime
    answers: dict[str, str] = Field(default_factory=dict, description="情形问题 id -> 选项 id")
    applicant_id: int | None = Field(None, description="为所经办的法人预约时填写；默认本人")


class CallerIn(Schema):
    id_number: str = Field(max_length=18, description="来电人的居民身份证号码")
    name: str = Field("", max_length=50, description="未登记时必填")
    phone: str = Field("", max_length=11, description="未登记时必填：接收签到码短信")


class StaffBookIn(BookIn):
    caller: CallerIn


class MoveIn(Schema):
    slot_start: datetime.datetime


class CheckInIn(Schema):
    hall: int
    code: str = Field(max_length=20)


class DayListOut(Schema):
    hall: int
    date: datetime.date
    counts: dict[str, int]
    appointments: list[AppointmentOut]


def appointment_out(appointment: Appointment, user, now=None) -> dict:
    now = now or timezone.now()
    applicant_side = selectors.is_own(user, appointment)
    cutoff = appointment.slot_start - datetime.timedelta(minutes=appointment.schedule.change_cutoff_minutes)
    staff = selectors.is_hall_staff(user, appointment.hall)
    return {
        "id": appointment.pk,
        "hall": appointment.hall.name,
        "window_group": f"{appointment.window_group.letter} {appointment.window_group.name}",
        "item_code": appointment.item_code,
        "item_name": appointment.item.name,
        "applicant": appointment.applicant.name if applicant_side else mask_name(appointment.applicant.name),
        "slot_start": appointment.slot_start,
        "slot_end": appointment.slot_end,
        "status": appointment.status,
        "status_label": appointment.get_status_display(),
        "channel": appointment.channel,
        "code": appointment.code if applicant_side else None,
        "materials": appointment.materials,
        "moves": appointment.moves,
        "can_change": appointment.status == Appointment.Status.BOOKED
        and (now < cutoff or (staff and now < appointment.slot_start))
        and selectors.can_act(user, appointment),
        "change_cutoff": cutoff,
        "created_at": appointment.created_at,
        "arrived_at": appointment.arrived_at,
    }


def _hall(hall_id: int):
    hall = selectors.hall_get(hall_id)
    if hall is None:
        raise NotFound("未找到该大厅", code="hall_not_found")
    return hall


def _item_or_404(code: str):
    try:
        return selectors.triage(code, {})
    except Http404 as exc:
        raise NotFound("未找到该事项", code="item_not_found") from exc


def _own(user, pk: int) -> Appointment:
    found = selectors.appointment_get(user, pk)
    if found is None:
        raise NotFound("未找到该预约", code="not_found")
    return found


# --------------------------------------------------------------------------- reading


@router.get("/halls", response={200: list[HallOut], **ERRORS}, summary="Halls that take appointments")
def halls(request):
    return [
        {"id": h.pk, "name": h.name, "address": h.address, "phone": h.phone} for h in selectors.halls_with_schedules()
    ]


@router.get(
    "/halls/{hall_id}/items", response={200: list[BookableItemOut], **ERRORS}, summary="Items bookable at a hall"
)
def items(request, hall_id: int):
    hall = _hall(hall_id)
    return [
        {
            "code": item.code,
            "name": item.name,
            "department": item.department.name,
            "window_group": f"{schedule.window_group.letter} {schedule.window_group.name}",
            "requires_appointment": schedule.requires_appointment,
            "full_online": item.online_depth == "full_online",
        }
        for item, schedule in selectors.bookable_items(hall)
    ]


class TriageQuery(Schema):
    hall: int
    item_code: str = Field(max_length=64)


@router.get(
    "/triage",
    response={200: TriageOut, **ERRORS},
    summary="Triage before booking: the item's situations, the materials for the answers given as s<id>=<option> "
    "query parameters, and whether it can be done fully online",
)
def triage(request, filters: Query[TriageQuery]):
    hall = _hall(filters.hall)
    try:
        found = selectors.triage(filters.item_code, {k: v for k, v in request.GET.items()})
    except Http404 as exc:
        raise NotFound("未找到该事项", code="item_not_found") from exc
    schedule = selectors.schedule_for(hall, found.item)
    item = found.item
    return {
        "item_code": item.code,
        "item_name": item.name,
        "conditions": item.conditions,
        "promised_days": item.promised_days,
        "max_visits": item.max_visits,
        "situations": [
            {
                "id": s.id,
                "question": s.question,
                "help_text": s.help_text,
                "options": [{"id": o.id, "label": o.label} for o in s.options.all()],
                "chosen": found.answers.get(s.id),
            }
            for s in item.situations.all()
        ],
        "complete": found.complete,
        "materials": found.material_names(),
        "full_online": found.online,
        "online_url": found.online_url,
        "guide_url": found.guide_url,
        "bookable": schedule is not None,
        "note": schedule.note if schedule else "",
    }


class SlotQuery(Schema):
    hall: int
    item_code: str = Field(max_length=64)
    date_from: IsoDate | None = Field(None, description="默认今天")
    date_to: IsoDate | None = Field(None, description="默认可预约的最后一天；最多 31 天")


@router.get(
    "/slots",
    response={200: SlotsOut, **ERRORS},
    summary="Open days and slots with the places left for an item at a hall (staff of the hall see the places "
    "kept for phone bookings too)",
)
def slots(request, filters: Query[SlotQuery]):
    hall = _hall(filters.hall)
    item = _item_or_404(filters.item_code).item
    schedule = selectors.schedule_for(hall, item)
    if schedule is None:
        raise DomainError("该大厅暂不提供此事项的预约", code="not_bookable")
    today = timezone.localdate()
    date_from = filters.date_from or today
    date_to = filters.date_to or today + datetime.timedelta(days=schedule.book_ahead_days)
    if date_to < date_from:
        raise DomainError("结束日期不能早于开始日期", code="invalid_range")
    if (date_to - date_from).days > selectors.MAX_RANGE_DAYS:
        raise DomainError(f"一次最多查询{selectors.MAX_RANGE_DAYS}天", code="invalid_range")
    found = selectors.open_slots(schedule, date_from, date_to, staff=selectors.is_hall_staff(request.auth, hall))
    return {
        "hall": hall.pk,
        "item_code": item.code,
        "window_group": f"{schedule.window_group.letter} {schedule.window_group.name}",
        "days": [
            {
                "date": day,
                "slots": [
                    {"start": s.start, "end": s.end, "capacity": s.capacity, "remaining": s.remaining}
                    for s in day_slots
                ],
            }
            for day, day_slots in selectors.days_of(found)
        ],
    }


@router.get("/mine", response={200: list[AppointmentOut], **ERRORS}, summary="My appointments, latest first")
def mine(request, status: str = ""):
    found = selectors.mine(request.auth)
    if status:
        if status not in Appointment.Status.values:
            raise DomainError("未知的预约状态", code="invalid_status", detail={"allowed": Appointment.Status.values})
        found = found.filter(status=status)
    return [appointment_out(a, request.auth) for a in found.select_related("schedule")[:200]]


class DayQuery(Schema):
    hall: int | None = Field(None, description="默认本人所在大厅")
    date: IsoDate | None = Field(None, description="默认今天")


@router.get("/day", response={200: DayListOut, **ERRORS}, summary="A hall's appointments of one day (hall staff)")
def day(request, filters: Query[DayQuery]):
    user = request.auth
    hall = _hall(filters.hall) if filters.hall else selectors.staff_hall(user)
    if hall is None or not selectors.is_hall_staff(user, hall):
        raise Forbidden("只有本大厅的窗口人员或大厅管理员可以查看预约名单", code="role_not_allowed")
    date = filters.date or timezone.localdate()
    found = list(selectors.appointments_for_day(hall, date).select_related("schedule", "hall"))
    counts: dict[str, int] = {s: 0 for s in Appointment.Status.values}
    for a in found:
        counts[a.status] += 1
    return {"hall": hall.pk, "date": date, "counts": counts, "appointments": [appointment_out(a, user) for a in found]}


@router.get("/{int:appointment_id}", response={200: AppointmentOut, **ERRORS}, summary="One appointment")
def detail(request, appointment_id: int):
    return appointment_out(_own(request.auth, appointment_id), request.auth)


# --------------------------------------------------------------------------- changing


@router.post("", response={201: AppointmentOut, **ERRORS}, summary="Book a slot (the applicant, online)")
def book(request, body: BookIn):
    appointment = services.appointment_book(
        actor=request.auth,
        hall=_hall(body.hall),
        item_code=body.item_code,
        slot_start=body.slot_start,
        answers=body.answers,
        applicant_id=body.applicant_id,
    )
    return 201, appointment_out(appointment, request.auth)


@router.post(
    "/staff",
    response={201: AppointmentOut, **ERRORS},
    summary="Book for a caller on the phone (clerks and hall managers of the hall; recorded as a phone booking)",
)
def staff_book(request, body: StaffBookIn):
    appointment = services.appointment_book(
        actor=request.auth,
        hall=_hall(body.hall),
        item_code=body.item_code,
        slot_start=body.slot_start,
        answers=body.answers,
        caller=services.Caller(id_number=body.caller.id_number, name=body.caller.name, phone=body.caller.phone),
    )
    return 201, appointment_out(appointment, request.auth)  # no code: the caller gets it by SMS


@router.post(
    "/{int:appointment_id}/move", response={200: AppointmentOut, **ERRORS}, summary="Move to another slot (改约)"
)
def move(request, appointment_id: int, body: MoveIn):
    appointment = services.appointment_move(
        appointment=_own(request.auth, appointment_id), actor=request.auth, slot_start=body.slot_start
    )
    return appointment_out(appointment, request.auth)


@router.post("/{int:appointment_id}/cancel", response={200: AppointmentOut, **ERRORS}, summary="Cancel")
def cancel(request, appointment_id: int):
    appointment = services.appointment_cancel(appointment=_own(request.auth, appointment_id), actor=request.auth)
    return appointment_out(appointment, request.auth)


@router.post(
    "/check-in",
    response={200: AppointmentOut, **ERRORS},
    summary="Check in with the code (the hall's staff; an applicant only their own)",
)
def check_in(request, body: CheckInIn):
    appointment = services.appointment_check_in(hall=_hall(body.hall), code=body.code, actor=request.auth)
    out = appointment_out(appointment, request.auth)
    return out
