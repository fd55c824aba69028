"""Appointment pages, phone first: 我的预约 (``mine``), choosing the item (``start``), triage then
the day and slot (``book``), the confirmation with the check-in code (``detail``), moving
(``move``) and cancelling; for a hall's clerks and managers the day list with check-in
(``day``) and booking for a caller on the phone (``phone``).

Pages read through ``selectors`` and change through ``services``; a refused service's message
is shown as is. Outsiders get 404 for someone else's appointment, never 403."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.http import require_http_methods, require_POST

from govhall.accounts import scope
from govhall.appointments import selectors, services
from govhall.appointments.models import Appointment
from govhall.core.errors import DomainError, NotFound
from govhall.core.masking import mask_name

WEEKDAYS = "一二三四五六日"


def _status(exc: DomainError) -> int:
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    return exc.status if exc.status in (400, 403, 409) else 400


def _hall_from(request, data) -> object:
    halls = selectors.halls_with_schedules()
    wanted = data.get("hall", "")
    if wanted:
        chosen = next((h for h in halls if str(h.pk) == wanted), None)
        if chosen is None:
            raise Http404("未找到该大厅")
        return chosen, halls
    staff = selectors.staff_hall(request.user)
    if staff is not None and staff in halls:
        return staff, halls
    return (halls[0] if halls else None), halls


def _days(slots):
    return [
        {
            "date": day,
            "label": f"{day:%m月%d日} 星期{WEEKDAYS[day.weekday()]}",
            "slots": found,
            "free": sum(s.remaining for s in found),
        }
        for day, found in selectors.days_of(slots)
    ]


def _slot_choice(data) -> datetime.datetime | None:
    try:  # well-formed but impossible values (25:00, February 30th) raise
        value = parse_datetime(data.get("slot", "") or "")
    except ValueError:
        return None
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


@login_required
def mine(request):
    found = list(selectors.mine(request.user)[:100])
    now = timezone.now()
    live = [a for a in found if a.status == Appointment.Status.BOOKED and a.slot_end >= now]
    past = [a for a in found if a not in live]
    applicant = next(iter(scope.represented(request.user)), None)
    block = selectors.no_show_block(applicant) if applicant else None
    return render(request, "appointments/mine.html", {"live": live, "past": past[:30], "no_show": block})


@login_required
def start(request):
    """预约办事: pick the hall (when there are several) and the item."""
    hall, halls = _hall_from(request, request.GET)
    query = (request.GET.get("q") or "").strip()[:50]
    found = selectors.bookable_items(hall) if hall else []
    if query:
        found = [(i, s) for i, s in found if query in i.name or query in (i.aliases or "")]
    groups: dict[int, dict] = {}
    for item, schedule in found:
        group = groups.setdefault(schedule.window_group_id, {"group": schedule.window_group, "items": []})
        group["items"].append({"item": item, "schedule": schedule})
    groups_sorted = sorted(groups.values(), key=lambda g: (g["group"].order, g["group"].letter))
    return render(
        request, "appointments/start.html", {"hall": hall, "halls": halls, "groups": groups_sorted, "q": query}
    )


@login_required
@require_http_methods(["GET", "POST"])
def book(request, hall_id: int, code: str):
    """Triage first (guide essentials, situation questions, the materials for the answers, the
    online alternative), then the day and the slot, then the booking."""
    hall = selectors.hall_get(hall_id)
    if hall is None:
        raise Http404("未找到该大厅")
    data = request.POST if request.method == "POST" else request.GET
    triage = selectors.triage(code, {k: v for k, v in data.items()})
    schedule = selectors.schedule_for(hall, triage.item)
    if schedule is None:
        raise Http404("该大厅暂不提供此事项的预约")
    step = "time" if data.get("step") in ("time", "book") else "triage"
    error, status = "", 200
    if step == "time" and not triage.complete:
        step, error, status = "triage", "请先回答下面的全部问题，以便告诉您需要带哪些材料", 400
    applicant = next(iter(scope.represented(request.user)), None)
    block = selectors.no_show_block(applicant) if applicant else None
    if request.method == "POST" and step == "time":
        slot = _slot_choice(data)
        if slot is None:
            error, status = "请选择一个时段", 400
        else:
            try:
                appointment = services.appointment_book(
                    actor=request.user,
                    hall=hall,
                    item_code=triage.item.code,
                    slot_start=slot,
                    answers=dict(data.items()),
                )
            except DomainError as exc:
                error, status = exc.message, _status(exc)
            else:
                messages.success(request, "预约成功，签到码已短信发送")
                return redirect("appointments:detail", appointment.pk)
    days = []
    if step == "time":
        today = timezone.localdate()
        days = _days(selectors.open_slots(schedule, today, today + datetime.timedelta(days=schedule.book_ahead_days)))
    situations = [
        {"situation": s, "options": list(s.options.all()), "chosen": triage.answers.get(s.id)}
        for s in triage.item.situations.all()
    ]
    answers = {f"s{k}": v for k, v in triage.answers.items()}
    return render(
        request,
        "appointments/book.html",
        {
            "hall": hall,
            "schedule": schedule,
            "triage": triage,
            "situations": situations,
            "answers": answers,
            "step": step,
            "days": days,
            "error": error,
            "no_show": block,
            "chosen_slot": data.get("slot", ""),
        },
        status=status,
    )


def _appointment(request, appointment_id: int) -> Appointment:
    found = selectors.appointment_get(request.user, appointment_id)
    if found is None:
        raise Http404("未找到该预约")
    return found


@login_required
def detail(request, appointment_id: int):
    appointment = _appointment(request, appointment_id)
    now = timezone.now()
    applicant_side = selectors.is_own(request.user, appointment)
    cutoff = appointment.slot_start - datetime.timedelta(minutes=appointment.schedule.change_cutoff_minutes)
    staff = selectors.is_hall_staff(request.user, appointment.hall)
    can_change = (
        appointment.status == Appointment.Status.BOOKED
        and selectors.can_act(request.user, appointment)
        and (now < cutoff or (staff and now < appointment.slot_start))
    )
    return render(
        request,
        "appointments/detail.html",
        {
            "a": appointment,
            "when": services.when(appointment),
            "show_code": applicant_side,
            "applicant_name": appointment.applicant.name if applicant_side else mask_name(appointment.applicant.name),
            "code_spaced": f"{appointment.code[:4]} {appointment.code[4:]}",
            "can_change": can_change,
            "cutoff": cutoff,
            "opens": appointment.slot_start - selectors.CHECK_IN_EARLY,
            "closes": appointment.slot_end + selectors.CHECK_IN_GRACE,
        },
    )


@login_required
@require_POST
def cancel(request, appointment_id: int):
    appointment = _appointment(request, appointment_id)
    try:
        services.appointment_cancel(appointment=appointment, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "预约已取消，名额已释放")
    return redirect("appointments:detail", appointment.pk)


@login_required
@require_http_methods(["GET", "POST"])
def move(request, appointment_id: int):
    appointment = _appointment(request, appointment_id)
    if not selectors.can_act(request.user, appointment):
        raise PermissionDenied("您不能改约此预约")
    error, status = "", 200
    if request.method == "POST":
        slot = _slot_choice(request.POST)
        if slot is None:
            error, status = "请选择一个新的时段", 400
        else:
            try:
                services.appointment_move(appointment=appointment, actor=request.user, slot_start=slot)
            except DomainError as exc:
                error, status = exc.message, _status(exc)
            else:
                messages.success(request, "改约成功，新的时间已短信通知")
                return redirect("appointments:detail", appointment.pk)
    schedule = appointment.schedule
    today = timezone.localdate()
    staff = selectors.is_hall_staff(request.user, appointment.hall) and appointment.channel == Appointment.Channel.PHONE
    slots = selectors.open_slots(
        schedule, today, today + datetime.timedelta(days=schedule.book_ahead_days), staff=staff
    )
    slots = [s for s in slots if s.start != appointment.slot_start]
    return render(
        request,
        "appointments/move.html",
        {"a": appointment, "when": services.when(appointment), "days": _days(slots), "error": error},
        status=status,
    )


# --------------------------------------------------------------------------- hall staff


def _staff_hall(request):
    hall = selectors.staff_hall(request.user)
    if hall is None and scope.staff_role(request.user) == "administrator":
        hall, _ = _hall_from(request, request.GET)
    if hall is None or not selectors.is_hall_staff(request.user, hall):
        raise PermissionDenied("预约名单仅供本大厅的窗口人员和大厅管理员使用")
    return hall


@login_required
@require_http_methods(["GET", "POST"])
def day(request):
    hall = _staff_hall(request)
    try:
        date = parse_date(request.GET.get("date", "") or "") or timezone.localdate()
    except ValueError:  # 2026-02-30
        date = timezone.localdate()
    checked = None
    if request.method == "POST":
        try:
            checked = services.appointment_check_in(hall=hall, code=request.POST.get("code", ""), actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已签到：{checked.item.name}，{services.when(checked)}")
        return redirect(f"{request.path}?date={date.isoformat()}")
    found = list(selectors.appointments_for_day(hall, date))
    for appointment in found:
        appointment.masked_name = mask_name(appointment.applicant.name)
    counts = {label: sum(1 for a in found if a.status == value) for value, label in Appointment.Status.choices}
    return render(
        request,
        "appointments/day.html",
        {
            "hall": hall,
            "date": date,
            "previous": date - datetime.timedelta(days=1),
            "next": date + datetime.timedelta(days=1),
            "appointments": found,
            "counts": counts,
            "is_today": date == timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def phone(request):
    """电话预约: a clerk or hall manager books for a caller, who gets the code by SMS."""
    hall = _staff_hall(request)
    data = request.POST if request.method == "POST" else request.GET
    items = selectors.bookable_items(hall)
    code = data.get("item", "")
    chosen = next(((i, s) for i, s in items if i.code == code), None)
    error, status, days, triage = "", 200, [], None
    if chosen is not None:
        item, schedule = chosen
        triage = selectors.triage(item.code, {k: v for k, v in data.items()})
        if request.method == "POST":
            slot = _slot_choice(data)
            if slot is None:
                error, status = "请选择一个时段", 400
            else:
                caller = services.Caller(
                    id_number=(data.get("id_number") or "").strip(),
                    name=(data.get("name") or "").strip(),
                    phone=(data.get("phone") or "").strip(),
                )
                try:
                    appointment = services.appointment_book(
                        actor=request.user,
                        hall=hall,
                        item_code=item.code,
                        slot_start=slot,
                        answers=dict(data.items()),
                        caller=caller,
                    )
                except DomainError as exc:
                    error, status = exc.message, _status(exc)
                else:
                    messages.success(request, f"已为来电人预约：{services.when(appointment)}，签到码已短信发送给来电人")
                    return redirect("appointments:day")
        today = timezone.localdate()
        days = _days(
            selectors.open_slots(schedule, today, today + datetime.timedelta(days=schedule.book_ahead_days), staff=True)
        )
    return render(
        request,
        "appointments/phone.html",
        {
            "hall": hall,
            "items": items,
            "chosen": chosen,
            "triage": triage,
            "situations": [
                {"situation": s, "options": list(s.options.all()), "chosen": triage.answers.get(s.id)}
                for s in (triage.item.situations.all() if triage else [])
            ],
            "days": days,
            "error": error,
            "form": data,
        },
        status=status,
    )
