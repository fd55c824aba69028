"""The queue API (``/api/v1/queue``). Thin: parse, call a service or selector, shape the answer.

Three kinds of caller:

* a paired hall device (取号机 kiosk, 叫号屏 screen) sends its pairing code in the
  ``X-Device-Secret`` header: ``POST /kiosk/tickets``, ``GET /screen``;
* the applicant holds the ticket's secret (the link on the ticket's QR): ``GET /tickets/{secret}``,
  ``POST /tickets/{secret}/cancel`` — a secret shows that ticket and nothing else;
* hall staff (bearer token or session): ``POST /tickets`` (issuing for someone), ``GET /window``,
  ``POST /window/call-next``, ``POST /window/tickets/{id}/actions``, ``POST /window/cases``,
  ``POST /window/evaluation``. A clerk acts only in their own hall (another hall's ticket
  answers 404 ``ticket_not_found``).
"""

from __future__ import annotations

import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.throttling import AnonRateThrottle

from govhall.accounts.auth import API_AUTH
from govhall.accounts.models import Hall
from govhall.cases import selectors as case_selectors
from govhall.cases.models import Case
from govhall.core.errors import DomainError, ErrorOut, Forbidden, NotFound
from govhall.core.masking import mask_name
from govhall.queues import selectors, services, workflow
from govhall.queues.models import Device, Source, Ticket

router = Router(tags=["queues"])

PUBLIC_ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
DEVICE_HEADER = "X-Device-Secret"


class TicketOut(Schema):
    number: str = Field(description="排队号，如 A001（转窗后号码不变）")
    state: str = Field(
        description="waiting、called、serving、parked、missed、finished、cancelled、expired（当日未办结，闭厅清号）"
    )
    state_label: str
    hall: str
    group: str
    group_letter: str
    priority: str = Field(description="''（普通）、appointment、elderly、disabled、key_project")
    priority_label: str
    issued_at: datetime.datetime
    position: int = Field(description="等候中时在本分区的名次（1 为下一个），否则 0")
    wait_minutes: int | None = Field(description="预计等候分钟数：名次 × 近期平均办理时长 ÷ 开放窗口数（向上取整）")
    window: str = Field(description="叫号或办理中时的窗口号")
    call_count: int


class TicketIssuedOut(Schema):
    ticket: TicketOut
    secret: str = Field(description="排队号的查看凭证（只返回这一次）：/queue/t/{secret}/ 和 GET /tickets/{secret}")


class TicketIssueIn(Schema):
    group: str = Field("", description="窗口分区字母（A、B…）；与 appointment_code 二选一")
    appointment_code: str = Field("", max_length=32, description="预约签到码：签到并按预约的分区取优先号")
    elderly: bool = Field(False, description="申报为60周岁以上老人")
    disabled: bool = Field(False, description="申报为残疾人")
    id_number: str = Field("", max_length=18, description="居民身份证号码（可选，仅用于按出生日期识别老年人，不保存）")


class StaffIssueIn(TicketIssueIn):
    key_project: str = Field("", max_length=40, description="重点项目代码（可选）")


class StaffTicketOut(TicketOut):
    id: int
    applicant: str = Field(description="申请人（脱敏）")


class WindowOut(Schema):
    window: str
    group: str
    current: StaffTicketOut | None
    waiting: int = Field(description="本分区等候人数")


class ActionIn(Schema):
    action: Literal["recall", "miss", "start", "park", "resume", "requeue", "transfer", "finish", "cancel"]
    group: str = Field("", description="转窗（transfer）的目标分区字母")


class TicketCaseLinkIn(Schema):
    case_number: str = Field(max_length=32)


class CaseLinkOut(Schema):
    ticket: str
    case_number: str


class TicketEvaluationIn(Schema):
    ticket_id: int


class TicketEvaluationOut(Schema):
    window: str
    case_number: str


class CallOut(Schema):
    key: str = Field(description="每次叫号（含重呼）不同：叫号屏据此播报新叫号")
    number: str
    window: str
    state: str
    called_at: datetime.datetime
    text: str = Field(description="播报语，如“请A零零一号到3号窗口办理”")


class GroupCountOut(Schema):
    letter: str
    name: str
    waiting: int


class ScreenOut(Schema):
    hall: str
    calls: list[CallOut]
    groups: list[GroupCountOut]
    now: datetime.datetime


def _staff_ticket(ticket: Ticket) -> dict:
    return {
        **selectors.ticket_view(ticket),
        "id": ticket.pk,
        "applicant": mask_name(ticket.applicant.name) if ticket.applicant_id else "",
    }


def _device(request: HttpRequest, kind: str) -> Device:
    device = services.device_for_secret(request.headers.get(DEVICE_HEADER), kind)
    if device is None:
        raise Forbidden("设备未配对或已停用，请向大厅管理员索取配对码", code="device_unpaired")
    services.device_seen(device)
    return device


def _issue(hall: Hall, payload: TicketIssueIn, source: str, actor=None, key_project: str = "") -> tuple[Ticket, str]:
    if payload.appointment_code:
        return services.issue_for_appointment(hall=hall, code=payload.appointment_code, source=source, actor=actor)
    if not payload.group:
        raise DomainError("请选择窗口分区或输入预约签到码", code="group_missing")
    return services.issue(
        hall=hall,
        group=payload.group,
        source=source,
        actor=actor,
        id_number=payload.id_number,
        elderly=payload.elderly,
        disabled=payload.disabled,
        key_project=key_project,
    )


# --------------------------------------------------------------------------- devices and applicants


@router.post(
    "/kiosk/tickets",
    response={201: TicketIssuedOut, **PUBLIC_ERRORS},
    auth=None,
    summary="Take a ticket at a paired kiosk (取号机)",
    description="Header X-Device-Secret: the kiosk's pairing code. 403 device_unpaired; 404 group_not_found; "
    "400 invalid_id_number, group_missing; 409 appointment_already_queued, appointments_unavailable and the "
    "appointment check-in's own refusals.",
)
def kiosk_issue(request, payload: TicketIssueIn):
    device = _device(request, Device.Kind.KIOSK)
    ticket, secret = _issue(device.hall, payload, Source.KIOSK)
    return 201, {"ticket": selectors.ticket_view(ticket), "secret": secret}


@router.get(
    "/tickets/{secret}",
    response={200: TicketOut, **PUBLIC_ERRORS},
    auth=None,
    throttle=[AnonRateThrottle("120/m")],
    summary="A ticket by its secret: place, wait estimate, window",
)
def ticket_status(request, secret: str):
    found = services.ticket_for_secret(secret)
    if found is None:
        raise NotFound("未找到该排队号", code="ticket_not_found")
    return selectors.ticket_view(found)


@router.post(
    "/tickets/{secret}/cancel",
    response={200: TicketOut, **PUBLIC_ERRORS},
    auth=None,
    throttle=[AnonRateThrottle("30/m")],
    summary="The applicant gives up their ticket (409 invalid_state once served or finished)",
)
def ticket_cancel(request, secret: str):
    found = services.ticket_for_secret(secret)
    if found is None:
        raise NotFound("未找到该排队号", code="ticket_not_found")
    return selectors.ticket_view(services.cancel_own(ticket=found))


@router.get(
    "/screen",
    response={200: ScreenOut, **PUBLIC_ERRORS},
    auth=None,
    summary="The hall screen's state (header X-Device-Secret of a paired screen; 403 device_unpaired)",
)
def screen_state(request):
    device = _device(request, Device.Kind.SCREEN)
    return selectors.screen_state(device.hall)


# --------------------------------------------------------------------------- hall staff


def _staff_hall(request) -> Hall:
    hall_id = services.staff_hall(request.auth)
    if hall_id is None:
        raise Forbidden("仅供大厅的窗口受理员和大厅管理员使用", code="not_hall_staff")
    return Hall.objects.get(pk=hall_id)


@router.post(
    "/tickets",
    response={201: TicketIssuedOut, **ERRORS},
    auth=API_AUTH,
    summary="Issue a ticket for someone (clerks and hall managers of the hall)",
    description="403 not_hall_staff; 404 group_not_found, project_not_found; 400 invalid_id_number, "
    "group_missing; 409 appointment_already_queued, appointments_unavailable.",
)
def staff_issue(request, payload: StaffIssueIn):
    hall = _staff_hall(request)
    ticket, secret = _issue(hall, payload, Source.CLERK, actor=request.auth, key_project=payload.key_project)
    return 201, {"ticket": selectors.ticket_view(ticket), "secret": secret}


@router.get("/window", response={200: WindowOut, **ERRORS}, auth=API_AUTH, summary="The clerk's window and its ticket")
def window(request):
    found = services.clerk_window(request.auth)
    current = services.current_ticket(request.auth)
    waiting = selectors.waiting_counts(found.hall).get(found.group_id, 0)
    return {
        "window": found.code,
        "group": found.group.letter,
        "current": _staff_ticket(current) if current else None,
        "waiting": waiting,
    }


@router.post(
    "/window/call-next",
    response={200: StaffTicketOut, 204: None, **ERRORS},
    auth=API_AUTH,
    summary="Call the next ticket of the clerk's group to the clerk's window (204: nobody waiting)",
    description="403 not_clerk; 409 window_busy (finish, park or miss the current ticket first), no_window, "
    "window_without_group.",
)
def call_next(request):
    called = services.call_next(actor=request.auth)
    if called is None:
        return 204, None
    return _staff_ticket(called)


@router.post(
    "/window/tickets/{ticket_id}/actions",
    response={200: StaffTicketOut, **ERRORS},
    auth=API_AUTH,
    summary="Recall, miss, start, park, resume, requeue, transfer, finish or cancel a ticket",
    description="404 ticket_not_found (also for another hall's ticket); 403 other_window; 409 invalid_state, "
    f"max_calls_reached (after {workflow.max_calls()} calls), not_called_enough, same_group, not_today.",
)
def ticket_action(request, ticket_id: int, payload: ActionIn):
    found = Ticket.objects.filter(pk=ticket_id).first()
    if found is None or not services.can_operate(request.auth, found.hall_id):
        raise NotFound("未找到该排队号", code="ticket_not_found")
    return _staff_ticket(services.act(actor=request.auth, ticket=found, action=payload.action, group=payload.group))


@router.post(
    "/window/cases",
    response={200: CaseLinkOut, **ERRORS},
    auth=API_AUTH,
    summary="Link a case to the ticket being served at the clerk's window (一窗受理)",
    description="404 case_not_found; 409 no_current_ticket, invalid_state, case_of_other_hall.",
)
def link_case(request, payload: TicketCaseLinkIn):
    case = Case.objects.filter(number=payload.case_number.strip()).first()
    if case is None or not case_selectors.can_see(request.auth, case):
        raise NotFound("未找到该办件", code="case_not_found")
    link = services.link_case(actor=request.auth, case=case)
    return {"ticket": link.ticket.number, "case_number": case.number}


@router.post(
    "/window/evaluation",
    response={200: TicketEvaluationOut, **ERRORS},
    auth=API_AUTH,
    summary="Put the ticket's case on the window's evaluator screen (好差评)",
    description="404 ticket_not_found; 409 no_case_linked, no_evaluator, and the evaluation's own refusals.",
)
def evaluation(request, payload: TicketEvaluationIn):
    found = Ticket.objects.filter(pk=payload.ticket_id).first()
    if found is None or not services.can_operate(request.auth, found.hall_id):
        raise NotFound("未找到该排队号", code="ticket_not_found")
    device = services.request_evaluation(actor=request.auth, ticket=found)
    return {"window": device.window.code, "case_number": device.case.number}
