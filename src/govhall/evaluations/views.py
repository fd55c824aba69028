"""The evaluation pages. Thin: read through ``selectors``, change through ``services``; a
refused service's message is shown as is (with its status).

* ``case``: the case's evaluation form (online; ``?c=SMS`` when opened from the SMS link),
  or the evaluation given and its follow-up;
* ``item``: an item-level evaluation (事项评价) without a case;
* ``mine``: the applicant's evaluations, follow-ups and answers to rectifications;
* ``tasks`` / ``task``: callback and rectification (回访整改) for staff in scope;
* ``devices``: the hall manager pairs and revokes window evaluator screens;
* ``screen``: the window evaluator screen (评价器) itself, identified by its paired secret
  in a cookie, no staff session; ``window_request``: the clerk puts a case on it;
* ``public``: 好差评公示, no sign-in, no personal data.
"""

from __future__ import annotations

import functools

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from govhall.accounts import scope
from govhall.accounts.models import User, Window
from govhall.accounts.roles import Role
from govhall.cases import selectors as case_selectors
from govhall.cases.models import Case
from govhall.catalog.models import ServiceItem
from govhall.core.errors import DomainError, NotFound
from govhall.core.masking import mask_name
from govhall.evaluations import config, selectors, services
from govhall.evaluations.models import (
    BAD_LEVELS,
    CHANNEL_INDICATORS,
    INDICATORS,
    CallbackRecord,
    CallbackTask,
    Channel,
    EvaluatorDevice,
    Level,
    Rectification,
)

SCREEN_COOKIE = "govhall_evaluator"
SCREEN_COOKIE_DAYS = 365
SCREEN_REFRESH_SECONDS = 5


def _int(value) -> int:
    """A posted id: digits only (anything else is no id, never a 500)."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 12 else 0


def _status(exc: DomainError) -> int:
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    return exc.status if exc.status in (400, 403, 409, 422, 429) else 400


def _form_fields(indicator_set: str, data=None) -> dict:
    data = data or {}
    return {
        "levels": [(level.value, level.label) for level in Level],
        "indicators": [
            {"code": code, "label": label, "value": str(data.get(f"i_{code}", ""))}
            for code, label in INDICATORS[indicator_set].items()
        ],
        "chosen": str(data.get("level", "")),
        "comment": data.get("comment", ""),
    }


def _posted_indicators(indicator_set: str, data) -> dict:
    return {code: data.get(f"i_{code}", "") for code in INDICATORS[indicator_set]}


def _case_for(user, number: str) -> Case:
    case = case_selectors.visible_cases(user).select_related("item", "applicant", "department").filter(number=number)
    found = case.first()
    if found is None:
        raise Http404("未找到该办件")
    return found


# --------------------------------------------------------------------------- applicant pages


@login_required
@require_http_methods(["GET", "POST"])
def case(request, number: str):
    found = _case_for(request.user, number)
    evaluation = selectors.evaluation_for_case(found)
    channel = Channel.SMS if (request.GET.get("c") or request.POST.get("c")) == "SMS" else Channel.PC
    error, status, data = "", 200, None
    if request.method == "POST" and evaluation is None:
        data = request.POST
        try:
            services.evaluate_case(
                actor=request.user,
                case=found,
                level=data.get("level"),
                indicators=_posted_indicators(CHANNEL_INDICATORS[channel], data),
                comment=data.get("comment", ""),
                channel=channel,
            )
            messages.success(request, "感谢您的评价！")
            return redirect("evaluations:case", number)
        except DomainError as exc:
            error, status = exc.message, _status(exc)
    elif request.method == "POST":
        error, status = "该办件已评价，每件办件只能评价一次", 409
    refusal = services.evaluation_refusal(request.user, found) if evaluation is None else None
    applicant_side = scope.acts_for(request.user, found.applicant)
    if evaluation is not None and not scope.can_see(request.user, evaluation, selectors.EVALUATION_SCOPE):
        raise Http404("未找到该办件")  # an assistant who filed it sees the case, not the applicant's evaluation
    context = {
        "case": found,
        "evaluation": evaluation,
        "indicator_labels": INDICATORS[evaluation.indicator_set] if evaluation else {},
        "refusal": refusal.message if refusal else "",
        "channel": channel,
        "error": error,
        "form": _form_fields(CHANNEL_INDICATORS[channel], data),
        "applicant_side": applicant_side,
        "task": getattr(evaluation, "callback_task", None) if evaluation else None,
    }
    return render(request, "evaluations/case.html", context, status=status)


def _caseless(request, *, indicator_set: str, evaluate, thanks: str, template: str, context: dict):
    """The form of an evaluation without a case (事项评价, 工作人员评价): GET shows it; POST
    records it through ``evaluate`` (a service with its target bound) and thanks."""
    error, status, data = "", 200, None
    if request.method == "POST":
        data = request.POST
        try:
            evaluate(
                actor=request.user,
                level=data.get("level"),
                indicators=_posted_indicators(indicator_set, data),
                comment=data.get("comment", ""),
            )
            messages.success(request, thanks)
            return redirect("evaluations:mine")
        except DomainError as exc:
            error, status = exc.message, _status(exc)
    context = {**context, "error": error, "form": _form_fields(indicator_set, data)}
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def item(request, code: str):
    found = ServiceItem.objects.filter(code=code, status=ServiceItem.Status.PUBLISHED).select_related("department")
    found = found.first()
    if found is None:
        raise Http404("未找到该事项")
    return _caseless(
        request,
        indicator_set=CHANNEL_INDICATORS[Channel.PC],
        evaluate=functools.partial(services.evaluate_item, item=found),
        thanks="感谢您对该事项的评价！",
        template="evaluations/item.html",
        context={"item": found},
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff(request, user_id: int):
    """工作人员评价: an applicant evaluates the service of one staff member without a case,
    e.g. from the QR code on the staff member's window card (``staff_card``)."""
    found = selectors.evaluable_staff(user_id)
    if found is None:
        raise Http404("未找到该工作人员")
    return _caseless(
        request,
        indicator_set=CHANNEL_INDICATORS[Channel.PJQ],
        evaluate=functools.partial(services.evaluate_staff, staff=found),
        thanks="感谢您对工作人员服务的评价！",
        template="evaluations/staff.html",
        context={"staff": found, "profile": found.staff_profile},
    )


@login_required
def staff_card(request):
    """评价二维码: the staff member's own card to print or show at the window; the code opens
    their 工作人员评价 page."""
    found = selectors.evaluable_staff(request.user.pk)
    if found is None:
        raise PermissionDenied(
            "仅窗口工作人员、审查人员和首席审批员有评价二维码（须归属部门，或所在大厅设置了管理机构）"
        )
    url = settings.SITE_URL + reverse("evaluations:staff", args=[found.pk])
    qr = segno.make(url, error="m").svg_inline(scale=6)  # named by its container (role=img)
    return render(
        request, "evaluations/staff_card.html", {"staff": found, "profile": found.staff_profile, "url": url, "qr": qr}
    )


@login_required
def mine(request):
    evaluations = list(selectors.mine(request.user)[:200])
    follow_up_days = config.number("GOVHALL_EVALUATION_FOLLOW_UP_DAYS")
    now = timezone.now()
    rows = []
    for evaluation in evaluations:
        task = getattr(evaluation, "callback_task", None) if hasattr(evaluation, "callback_task") else None
        rows.append(
            {
                "e": evaluation,
                "follow_up": getattr(evaluation, "follow_up", None) if hasattr(evaluation, "follow_up") else None,
                "can_follow_up": (now - evaluation.created_at).days < follow_up_days,
                "task": task,
                "can_respond": bool(task and task.state == CallbackTask.State.CLOSED and not task.applicant_response),
            }
        )
    return render(request, "evaluations/mine.html", {"rows": rows, "follow_up_days": follow_up_days})


@login_required
@require_POST
def follow_up(request, pk: int):
    evaluation = selectors.mine(request.user).filter(pk=pk).first()
    if evaluation is None:
        raise Http404("未找到该评价")
    try:
        services.follow_up_add(actor=request.user, evaluation=evaluation, comment=request.POST.get("comment", ""))
        messages.success(request, "追评已提交")
    except DomainError as exc:
        _status(exc)
        messages.error(request, f"追评未提交：{exc.message}")
    return redirect("evaluations:mine")


@login_required
@require_POST
def respond(request, pk: int):
    task = selectors.visible_tasks(request.user).filter(pk=pk).first()
    if task is None:
        raise Http404("未找到该回访任务")
    try:
        services.applicant_respond(
            actor=request.user,
            task=task,
            confirm=request.POST.get("answer") == "confirm",
            comment=request.POST.get("comment", ""),
        )
        messages.success(request, "已收到您的答复")
    except DomainError as exc:
        _status(exc)
        messages.error(request, f"答复未提交：{exc.message}")
    return redirect("evaluations:mine")


# --------------------------------------------------------------------------- staff pages


def _staff(user) -> str:
    role = scope.staff_role(user)
    if role is None:
        raise Http404("页面不存在")
    return role


@login_required
def tasks(request):
    _staff(request.user)
    state = request.GET.get("state") or ""
    if state and state not in CallbackTask.State.values:
        state = ""
    rows = list(selectors.staff_tasks(request.user, state=state or None)[:300])
    context = {
        "tasks": rows,
        "state": state,
        "states": CallbackTask.State.choices,
        "counts": selectors.task_counts(request.user),
        "overdue": selectors.overdue_tasks(request.user).count(),
        "today": timezone.localdate(),
    }
    return render(request, "evaluations/tasks.html", context)


@login_required
def staff_list(request):
    """评价记录: the evaluations in the staff member's scope, newest first; 差评 only on request."""
    _staff(request.user)
    qs = selectors.staff_evaluations(request.user)
    bad = request.GET.get("bad") == "1"
    if bad:
        qs = qs.filter(level__in=BAD_LEVELS)
    channel = request.GET.get("channel") or ""
    if channel in Channel.values:
        qs = qs.filter(channel=channel)
    else:
        channel = ""
    rows = [(e, mask_name(e.applicant.name)) for e in qs.select_related("applicant")[:200]]
    context = {"rows": rows, "bad": bad, "channel": channel, "channels": Channel.choices, "count": qs.count()}
    return render(request, "evaluations/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def task(request, pk: int):
    _staff(request.user)
    found = selectors.staff_tasks(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("未找到该回访任务")
    error, status = "", 200
    if request.method == "POST":
        data = request.POST
        step = data.get("step")
        try:
            if step == "callback":
                services.callback_record(
                    actor=request.user,
                    task=found,
                    method=data.get("method"),
                    outcome=data.get("outcome"),
                    summary=data.get("summary", ""),
                )
                messages.success(request, "回访已登记")
            elif step == "rectify":
                staff_id = _int(data.get("responsible_staff_id")) or None
                services.rectification_record(
                    actor=request.user,
                    task=found,
                    cause=data.get("cause"),
                    measures=data.get("measures", ""),
                    responsible_staff_id=staff_id,
                    accountability=data.get("accountability", ""),
                )
                messages.success(request, "整改已登记")
            elif step == "close":
                services.task_close(actor=request.user, task=found, note=data.get("note", ""))
                messages.success(request, "已办结，已告知申请人")
            else:
                raise DomainError("未知的操作", code="unknown_step")
            return redirect("evaluations:task", pk)
        except DomainError as exc:
            error, status = exc.message, _status(exc)
            found = selectors.staff_tasks(request.user).get(pk=pk)
    evaluation = found.evaluation
    acts = selectors.answers_for(request.user, found.department_id)
    department_staff = User.objects.filter(staff_profile__department_id=found.department_id).order_by("id")
    hall_staff = User.objects.filter(pk=evaluation.staff_id) if evaluation.staff_id else User.objects.none()
    context = {
        "task": found,
        "evaluation": evaluation,
        "applicant_name": mask_name(evaluation.applicant.name),
        "applicant_phone": evaluation.applicant.masked_phone,
        "indicator_labels": INDICATORS[evaluation.indicator_set],
        "callbacks": list(found.callbacks.select_related("recorded_by")),
        "rectifications": list(found.rectifications.select_related("recorded_by", "responsible_staff")),
        "acts": acts,
        "error": error,
        "methods": CallbackRecord.Method.choices,
        "outcomes": CallbackRecord.Outcome.choices,
        "causes": Rectification.Cause.choices,
        "staff_choices": list((department_staff | hall_staff).distinct()),
    }
    return render(request, "evaluations/task.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def devices(request):
    role = _staff(request.user)
    if role not in (Role.HALL_MANAGER, Role.ADMINISTRATOR):
        raise Http404("页面不存在")
    profile = scope.staff_profile(request.user)
    windows = Window.objects.select_related("hall").order_by("hall_id", "code")
    if role == Role.HALL_MANAGER:
        windows = windows.filter(hall_id=profile.hall_id if profile else None)
    error, status, secret, paired = "", 200, "", None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                device = EvaluatorDevice.objects.filter(pk=_int(request.POST.get("device")), window__in=windows).first()
                if device is None:
                    raise NotFound("未找到该评价器")
                services.device_revoke(actor=request.user, device=device)
                messages.success(request, "评价器已停用，其配对码立即失效")
                return redirect("evaluations:devices")
            window = windows.filter(pk=_int(request.POST.get("window"))).first()
            if window is None:
                raise NotFound("未找到该窗口")
            paired, secret = services.device_pair(actor=request.user, window=window, name=request.POST.get("name", ""))
        except DomainError as exc:
            error, status = exc.message, _status(exc)
    live = {d.window_id: d for d in EvaluatorDevice.objects.filter(window__in=windows, revoked_at__isnull=True)}
    context = {
        "rows": [(w, live.get(w.pk)) for w in windows],
        "error": error,
        "secret": secret,
        "paired": paired,
        "pair_url": request.build_absolute_uri(reverse("evaluations:screen_pair")),
    }
    return render(request, "evaluations/devices.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def window_request(request, number: str):
    found = _case_for(request.user, number)
    error, status = "", 200
    if request.method == "POST":
        try:
            device = services.screen_request(actor=request.user, case=found)
            messages.success(request, f"已在{device.window.code}号窗口评价器上请申请人评价")
            return redirect("cases:detail", number)
        except DomainError as exc:
            error, status = exc.message, _status(exc)
    device = services.window_device(request.user)
    context = {"case": found, "device": device, "error": error}
    return render(request, "evaluations/window_request.html", context, status=status)


# --------------------------------------------------------------------------- the evaluator screen


def _device(request) -> EvaluatorDevice | None:
    return services.device_for_secret(request.COOKIES.get(SCREEN_COOKIE))


@require_http_methods(["GET", "POST"])
def screen_pair(request):
    """Pair this browser as a window's evaluator screen: the hall manager types (or pastes)
    the pairing code shown once when the screen was created."""
    error, status = "", 200
    if request.method == "POST":
        secret = (request.POST.get("code") or "").strip()
        device = services.device_for_secret(secret)
        if device is not None:
            response = redirect("evaluations:screen")
            response.set_cookie(
                SCREEN_COOKIE,
                secret,
                max_age=SCREEN_COOKIE_DAYS * 86400,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
            return response
        error, status = "配对码无效或已停用，请向大厅管理员索取新的配对码", 403
    return render(request, "evaluations/screen_pair.html", {"error": error}, status=status)


@require_http_methods(["GET", "POST"])
def screen(request):
    device = _device(request)
    if device is None:
        return redirect("evaluations:screen_pair")
    services.screen_seen(device)
    error, status, data, thanks = "", 200, None, False
    if request.method == "POST":
        data = request.POST
        try:
            services.screen_submit(
                device=device,
                case_id=data.get("case"),
                level=data.get("level"),
                indicators=_posted_indicators(CHANNEL_INDICATORS[Channel.PJQ], data),
                comment=data.get("comment", ""),
            )
            thanks, data = True, None
        except DomainError as exc:
            error, status = exc.message, _status(exc)
        device.refresh_from_db()
    waiting = None if thanks else services.screen_case(device)
    context = {
        "device": device,
        "case": waiting,
        "masked_number": _mask_number(waiting.number) if waiting else "",
        "applicant": mask_name(waiting.applicant.name) if waiting else "",
        "form": _form_fields(CHANNEL_INDICATORS[Channel.PJQ], data),
        "error": error,
        "thanks": thanks,
        # while waiting, the page reloads itself (meta refresh: no JavaScript needed)
        "refresh": SCREEN_REFRESH_SECONDS if waiting is None else 0,
    }
    response = render(request, "evaluations/screen.html", context, status=status)
    if context["refresh"]:
        response["Refresh"] = str(context["refresh"])
    return response


def _mask_number(number: str) -> str:
    return f"{number[:4]}****{number[-4:]}" if len(number) > 8 else number


# --------------------------------------------------------------------------- public


def public(request):
    context = {
        "totals": selectors.public_totals(),
        "departments": selectors.public_department_rates(),
        "items": selectors.public_item_rates(),
        "bad": selectors.public_bad_reviews(),
    }
    return render(request, "evaluations/public.html", context)
