"""Queue pages (thin: parse, call a service or selector, render).

* ``pair``: a hall device (取号机, 叫号屏) is paired once by the code its hall manager made;
  the code is kept in a cookie and only its hash on the server;
* ``kiosk`` and ``door``: take a number (choose a window group, or check in an appointment);
  the door QR's page works on the applicant's own phone without signing in;
* ``ticket``: the applicant's ticket by its unguessable link: number, place, wait estimate;
* ``screen`` + ``screen_state``: the hall's TV (polls; meta-refresh without JavaScript);
* ``workbench``: the clerk calls, recalls, marks missed, parks, transfers, serves and finishes,
  issues for someone, links the case taken in and asks for the evaluation;
* ``link_case``: "关联当前叫号" from a case page;
* ``board`` and ``devices``: the hall manager's statistics and devices.
"""

from __future__ import annotations

import datetime

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from govhall.accounts import scope
from govhall.accounts.models import Hall
from govhall.accounts.roles import Role
from govhall.cases import selectors as case_selectors
from govhall.cases.models import Case
from govhall.core.errors import DomainError
from govhall.core.http import client_address
from govhall.queues import selectors, services, workflow
from govhall.queues.models import Device, Source, State, Ticket, TicketCase

DEVICE_COOKIE = "govhall_queue_device"
DEVICE_COOKIE_DAYS = 365
TICKET_REFRESH_SECONDS = 15
SCREEN_REFRESH_SECONDS = 10


def _status(exc: DomainError) -> int:
    return exc.status if exc.status in (400, 403, 404, 409, 429) else 400


def _ticket_url(secret: str) -> str:
    return settings.SITE_URL + reverse("queues:ticket", args=[secret])


def _qr(url: str, title: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=4, title=title)


def _device(request, kind: str) -> Device | None:
    return services.device_for_secret(request.COOKIES.get(DEVICE_COOKIE), kind)


# --------------------------------------------------------------------------- pairing


@require_http_methods(["GET", "POST"])
def pair(request):
    """Pair this browser as a kiosk or a hall screen with the code the hall manager made."""
    error, status = "", 200
    if request.method == "POST":
        secret = (request.POST.get("code") or "").strip()
        device = services.device_for_secret(secret)
        if device is not None and device.kind in (Device.Kind.KIOSK, Device.Kind.SCREEN):
            target = "queues:kiosk" if device.kind == Device.Kind.KIOSK else "queues:screen"
            response = redirect(target)
            response.set_cookie(
                DEVICE_COOKIE,
                secret,
                max_age=DEVICE_COOKIE_DAYS * 86400,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
            return response
        error, status = "配对码无效或已停用，请向大厅管理员索取新的配对码", 403
    return render(request, "queues/pair.html", {"error": error}, status=status)


# --------------------------------------------------------------------------- taking a number


def _issue_from_post(request, hall: Hall, source: str):
    data = request.POST
    if data.get("appointment") is not None:
        return services.issue_for_appointment(
            hall=hall, code=data.get("appointment", ""), source=source, actor=_actor(request)
        )
    return services.issue(
        hall=hall,
        group=data.get("group", ""),
        source=source,
        actor=_actor(request),
        id_number=data.get("id_number", ""),
        elderly=data.get("elderly") == "1",
        disabled=data.get("disabled") == "1",
    )


def _actor(request):
    return request.user if request.user.is_authenticated else None


def _take_page(request, hall: Hall, *, source: str, phone: bool = False):
    error, status, issued = "", 200, None
    if request.method == "POST":
        try:
            ticket, secret = _issue_from_post(request, hall, source)
            if phone:
                # the phone goes straight to its own ticket page (bookmarkable)
                return redirect("queues:ticket", secret=secret)
            issued = {"ticket": ticket, "secret": secret, "url": _ticket_url(secret)}
            issued["qr"] = _qr(issued["url"], f"{ticket.number}号的排队进度二维码")
            issued["view"] = selectors.ticket_view(ticket)
        except DomainError as exc:
            error, status = exc.message, _status(exc)
    counts = selectors.waiting_counts(hall)
    context = {
        "hall": hall,
        "groups": [(g, counts.get(g.pk, 0)) for g in selectors.groups(hall)],
        "error": error,
        "issued": issued,
        "phone": phone,
    }
    return render(request, "queues/kiosk.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def kiosk(request):
    """取号机: the hall's ticket machine (a paired kiosk; nobody signs in on it)."""
    device = _device(request, Device.Kind.KIOSK)
    if device is None:
        return redirect("queues:pair")
    services.device_seen(device)
    return _take_page(request, device.hall, source=Source.KIOSK)


@never_cache
@require_http_methods(["GET", "POST"])
def door(request, secret: str):
    """扫码取号: the QR poster at the hall's door opens this on the applicant's phone."""
    device = services.device_for_secret(secret, Device.Kind.DOOR)
    if device is None:
        raise Http404("该取号二维码已停用")
    if request.method == "POST" and not services.door_issue_allowed(client_address(request)):
        context = {
            "hall": device.hall,
            "groups": [],
            "phone": True,
            "error": "取号过于频繁，请到取号机取号或咨询工作人员",
        }
        return render(request, "queues/kiosk.html", context, status=429)
    return _take_page(request, device.hall, source=Source.PHONE, phone=True)


@never_cache
@require_http_methods(["GET", "POST"])
def ticket(request, secret: str):
    """The applicant's ticket: its place, the wait estimate, the window when called."""
    found = services.ticket_for_secret(secret)
    if found is None:
        raise Http404("未找到该排队号")
    error, status = "", 200
    if request.method == "POST" and request.POST.get("action") == "cancel":
        try:
            found = services.cancel_own(ticket=found)
            messages.success(request, f"已取消{found.number}号")
            return redirect("queues:ticket", secret=secret)
        except DomainError as exc:
            error, status = exc.message, _status(exc)
    view = selectors.ticket_view(found)
    live = found.state in (State.WAITING, State.CALLED, State.PARKED)
    context = {
        "t": view,
        "ticket": found,
        "error": error,
        "refresh": TICKET_REFRESH_SECONDS if live else 0,
        "cancellable": found.state in workflow.TRANSITIONS["cancel"][0],
        "qr": _qr(_ticket_url(secret), f"{found.number}号的排队进度二维码"),
    }
    response = render(request, "queues/ticket.html", context, status=status)
    if context["refresh"]:
        response["Refresh"] = str(context["refresh"])
    return response


# --------------------------------------------------------------------------- the hall screen


def _poll_ms(request) -> int:
    try:
        asked = int(request.GET.get("poll", workflow.SCREEN_POLL_MS))
    except ValueError:
        asked = workflow.SCREEN_POLL_MS
    return min(60000, max(20, asked))


@never_cache
@require_GET
def screen(request):
    """大厅叫号屏: the latest calls and the waiting counts, for the hall's TV."""
    device = _device(request, Device.Kind.SCREEN)
    if device is None:
        return redirect("queues:pair")
    services.device_seen(device)
    state = selectors.screen_state(device.hall)
    context = {"state": state, "poll_ms": _poll_ms(request), "refresh": SCREEN_REFRESH_SECONDS}
    return render(request, "queues/screen.html", context)


@never_cache
@require_GET
def screen_state(request):
    """The screen's state as JSON (the screen's script polls it)."""
    device = _device(request, Device.Kind.SCREEN)
    if device is None:
        return JsonResponse({"code": "device_unpaired", "message": "叫号屏未配对或已停用", "detail": None}, status=403)
    services.device_seen(device)
    state = selectors.screen_state(device.hall)
    for call in state["calls"]:
        call["called_at"] = timezone.localtime(call["called_at"]).strftime("%H:%M:%S")
    state["now"] = timezone.localtime(state["now"]).strftime("%H:%M:%S")
    return JsonResponse(state, json_dumps_params={"ensure_ascii": False})


# --------------------------------------------------------------------------- the clerk


def _hall_staff(request) -> int:
    hall_id = services.staff_hall(request.user)
    if hall_id is None:
        raise PermissionDenied("叫号工作台仅供本大厅的窗口受理员和大厅管理员使用")
    return hall_id


@login_required
@require_http_methods(["GET", "POST"])
def workbench(request):
    """叫号工作台: the clerk's window, its current ticket and the queues of the hall."""
    hall_id = _hall_staff(request)
    is_clerk = scope.staff_role(request.user) == Role.CLERK
    window = None
    error, status, issued = "", 200, None
    try:
        window = services.clerk_window(request.user) if is_clerk else None
    except DomainError as exc:
        error = exc.message
    if request.method == "POST":
        try:
            issued = _workbench_post(request, hall_id)
            if issued is None:
                return redirect("queues:workbench")
        except DomainError as exc:
            error, status = exc.message, _status(exc)
    current = services.current_ticket(request.user) if is_clerk else None
    hall = Hall.objects.get(pk=hall_id)
    lists = selectors.workbench(hall_id, services.served_group_ids(window) if window else None)
    links = list(TicketCase.objects.filter(ticket=current).select_related("case")) if current else []
    context = {
        "hall": hall,
        "window": window,
        "current": current,
        "case_links": links,
        "limit": workflow.max_calls(),
        "others": selectors.other_groups(hall_id, current.group_id if current else None),
        "groups": selectors.groups(hall),
        "lists": lists,
        "error": error,
        "issued": issued,
        "labels": workflow.ACTION_LABELS,
        "is_clerk": is_clerk,
    }
    return render(request, "queues/workbench.html", context, status=status)


def _ticket_of_hall(hall_id: int, pk) -> Ticket:
    found = Ticket.objects.filter(pk=pk if str(pk).isdigit() else 0, hall_id=hall_id).first()
    if found is None:
        raise DomainError("未找到该排队号", code="ticket_not_found", status=404)
    return found


def _workbench_post(request, hall_id: int):
    data = request.POST
    action = data.get("action", "")
    if action == "call_next":
        called = services.call_next(actor=request.user)
        if called is None:
            messages.info(request, "当前没有等候的号")
        else:
            messages.success(request, f"已呼叫{called.number}号到{called.window.code}号窗口")
        return None
    if action == "issue":
        hall = Hall.objects.get(pk=hall_id)
        if data.get("appointment"):
            made, secret = services.issue_for_appointment(
                hall=hall, code=data.get("appointment", ""), source=Source.CLERK, actor=request.user
            )
        else:
            made, secret = services.issue(
                hall=hall,
                group=data.get("group", ""),
                source=Source.CLERK,
                actor=request.user,
                id_number=data.get("id_number", ""),
                elderly=data.get("elderly") == "1",
                disabled=data.get("disabled") == "1",
                key_project=data.get("key_project", ""),
            )
        url = _ticket_url(secret)
        return {"ticket": made, "url": url, "qr": _qr(url, f"{made.number}号的排队进度二维码")}
    if action == "link_case":
        case = Case.objects.filter(number=(data.get("case") or "").strip()).first()
        if case is None or not case_selectors.can_see(request.user, case):
            raise DomainError("未找到该办件，请核对办件编号", code="case_not_found", status=404)
        link = services.link_case(actor=request.user, case=case)
        messages.success(request, f"{link.ticket.number}号已关联办件{case.number}")
        return None
    if action == "evaluate":
        found = _ticket_of_hall(hall_id, data.get("ticket"))
        device = services.request_evaluation(actor=request.user, ticket=found)
        messages.success(request, f"已在{device.window.code}号窗口评价器上请申请人评价")
        return None
    found = _ticket_of_hall(hall_id, data.get("ticket"))
    done = services.act(actor=request.user, ticket=found, action=action, group=data.get("group"))
    messages.success(request, f"{done.number}号：{workflow.ACTION_LABELS[action]}（{done.get_state_display()}）")
    if action == "finish" and done.case_links.exists():
        try:
            services.request_evaluation(actor=request.user, ticket=done)
            messages.info(request, "已请申请人在窗口评价器上评价")
        except DomainError as exc:
            messages.info(request, f"未发起评价：{exc.message}")
    return None


@login_required
@require_http_methods(["GET", "POST"])
def link_case(request, number: str):
    """关联当前叫号: link the case to the ticket being served at the clerk's window."""
    case = Case.objects.filter(number=number).first()
    if case is None or not case_selectors.can_see(request.user, case):
        raise Http404("未找到该办件")
    current = services.current_ticket(request.user)
    error, status = "", 200
    if request.method == "POST":
        try:
            services.link_case(actor=request.user, case=case)
            messages.success(request, f"办件{case.number}已关联{current.number}号")
            return redirect("cases:detail", number=case.number)
        except DomainError as exc:
            error, status = exc.message, _status(exc)
    return render(request, "queues/link_case.html", {"case": case, "current": current, "error": error}, status=status)


# --------------------------------------------------------------------------- the hall manager


def _managed_hall(request) -> Hall:
    role = scope.staff_role(request.user)
    if role == Role.ADMINISTRATOR:
        hall = Hall.objects.filter(pk=request.GET.get("hall") or 0).first() or Hall.objects.order_by("pk").first()
        if hall is None:
            raise Http404("尚无大厅")
        return hall
    hall_id = services.staff_hall(request.user)
    if role != Role.HALL_MANAGER or hall_id is None:
        raise PermissionDenied("排队统计仅供大厅管理员使用")
    return Hall.objects.get(pk=hall_id)


def _day(value: str | None, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else default
    except ValueError:
        return default


@login_required
@require_GET
def board(request):
    """排队统计: waiting and service times per group, hour and day, and no-show rates."""
    hall = _managed_hall(request)
    today = timezone.localdate()
    end = _day(request.GET.get("end"), today)
    start = _day(request.GET.get("start"), end - datetime.timedelta(days=6))
    error = ""
    if start > end or (end - start).days > 366:
        error, start, end = (
            "统计区间不正确（开始日期须早于结束日期，且不超过一年）",
            end - datetime.timedelta(days=6),
            end,
        )
    stats = selectors.statistics(hall, start, end)
    peak = max((row["wait"] or 0 for row in stats["hours"]), default=0) or 1
    for row in stats["hours"]:
        row["bar"] = round((row["wait"] or 0) * 300 / peak)
    context = {"hall": hall, "stats": stats, "start": start, "end": end, "error": error}
    return render(request, "queues/board.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def devices(request):
    """取号机、叫号屏和门口二维码: pair and revoke."""
    hall = _managed_hall(request)
    error, status, made = "", 200, None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                device = Device.objects.filter(pk=request.POST.get("device") or 0, hall=hall).first()
                if device is None:
                    raise DomainError("未找到该设备", code="device_not_found", status=404)
                services.device_revoke(actor=request.user, device=device)
                messages.success(request, f"已停用{device}")
                return redirect(reverse("queues:devices") + f"?hall={hall.pk}")
            device, secret = services.device_pair(
                actor=request.user, hall=hall, kind=request.POST.get("kind", ""), name=request.POST.get("name", "")
            )
            made = {"device": device, "secret": secret}
            if device.kind == Device.Kind.DOOR:
                url = settings.SITE_URL + reverse("queues:door", args=[secret])
                made["url"], made["qr"] = url, _qr(url, "门口扫码取号二维码")
        except DomainError as exc:
            error, status = exc.message, _status(exc)
    context = {
        "hall": hall,
        "devices": Device.objects.filter(hall=hall).order_by("revoked_at", "kind", "-created_at"),
        "kinds": Device.Kind.choices,
        "made": made,
        "error": error,
        "pair_url": settings.SITE_URL + reverse("queues:pair"),
    }
    return render(request, "queues/devices.html", context, status=status)
