"""帮办代办 pages: asking for help, the request and what the assistant does for it (the
委托书, filing cases), the applicant's authorisations, and the hall manager's numbers."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from govhall.accounts import scope
from govhall.accounts.models import Applicant, User
from govhall.accounts.roles import Role
from govhall.cases import forms as case_forms
from govhall.catalog import selectors as catalog_selectors
from govhall.core.errors import DomainError, Forbidden, NotFound
from govhall.core.masking import mask_name, mask_phone
from govhall.stations import selectors, services, workflow
from govhall.stations.models import AssistRequest, AssistStatus, Station
from govhall.stations.views.common import error_status, posted_id

PAGE_SIZE = 20
EVENT_LABELS = {
    "create": "提出申请",
    "assign": "分派",
    "auto_assign": "按工作量分派",
    "start": "开始办理",
    "finish": "办结",
    "cancel": "取消",
    "authorisation_requested": "请求委托书",
    "authorisation_confirmed": "申请人网上确认委托",
    "authorisation_signed": "委托书现场签署",
    "authorisation_revoked": "委托书撤销",
    "case_filed": "代为申报办件",
    "case_linked": "关联办件",
}

# Steps of a request the assistant takes in the applicant's name (the history says for whom).
ACTED_FOR = ("case_filed", "case_linked")


def applicant_label(applicant: Applicant) -> str:
    """A person's name masked, a company's whole (as lists show them)."""
    return mask_name(applicant.name) if applicant.kind == Applicant.Kind.NATURAL else applicant.name


def _applicant_side(user: User) -> list[Applicant]:
    return scope.represented(user)


def _item_choices(station: Station | None) -> list[tuple[str, str]]:
    if station is not None:
        return selectors.station_items(station)
    codes = sorted({i.item_code for s in selectors.active_stations() for i in s.items.all()})
    names = selectors.item_names(codes)
    return [(c, names[c]) for c in codes if c in names]


def _station_param(code: str) -> Station | None:
    if not code:
        return None
    return selectors.active_stations().filter(code=code).first()


# --------------------------------------------------------------------------- home


@login_required
@require_GET
def assist_home(request):
    user = request.user
    role = scope.staff_role(user)
    context: dict = {"role": role, "represented": _applicant_side(user)}
    if context["represented"]:
        mine = selectors.request_list(user).filter(applicant__in=context["represented"])
        context["my_requests"] = list(mine[:50])
        context["pending_authorisations"] = [
            a for a in selectors.authorisations_given(user) if selectors.authorisation_state(a)[0] == "pending"
        ]
    if role == Role.ASSISTANT:
        tasks = selectors.request_list(user, mine=True)
        context["tasks"] = list(tasks.filter(status__in=workflow.OPEN).order_by("status", "created_at"))
        context["closed"] = list(tasks.filter(status__in=workflow.CLOSED).order_by("-closed_at")[:10])
        context["mandates"] = [(a, selectors.authorisation_state(a)) for a in selectors.mandates_held(user)[:30]]
        context["stations"] = selectors.stations_of_assistant(user)
    if role in (Role.ASSISTANT, Role.CLERK, Role.HALL_MANAGER, Role.ADMINISTRATOR):
        context["witness_count"] = selectors.witnessable(user).count()
    if role in selectors.OVERSIGHT or role == Role.CLERK:
        status = request.GET.get("status", "")
        qs = selectors.filter_requests(
            selectors.request_list(user, status=status if status in AssistStatus.values else None),
            request.GET.get("q", ""),
        )
        context["page"] = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        context["status"] = status
        context["statuses"] = AssistStatus.choices
        context["q"] = request.GET.get("q", "")[:50]
    context["can_intake"] = role in services.STATION_STAFF
    context["oversees"] = role in selectors.OVERSIGHT
    return render(request, "stations/assist_home.html", context)


# --------------------------------------------------------------------------- asking


def _posted_items(request) -> list[str]:
    return [c for c in request.POST.getlist("items") if c.strip()][: services.MAX_ITEMS + 1]


@login_required
@require_http_methods(["GET", "POST"])
def assist_new(request):
    """An applicant (or a company's operator) asks for help online."""
    applicants = _applicant_side(request.user)
    source = request.POST if request.method == "POST" else request.GET
    station = _station_param(source.get("station", ""))
    error, status = "", 200
    if request.method == "POST":
        if not applicants:
            error, status = "该账户尚未绑定申请人身份，请先完成实名认证", 400
        else:
            chosen = request.POST.get("applicant", "")
            applicant = next(
                (a for a in applicants if str(a.pk) == chosen), applicants[0] if len(applicants) == 1 else None
            )
            try:
                if applicant is None:
                    raise DomainError("请选择以谁的名义申请", code="missing_field")
                if station is None and source.get("station", "").strip():
                    raise DomainError("未找到该驿站，请重新选择", code="station_not_found")
                created = services.assist_request_create(
                    actor=request.user,
                    applicant=applicant,
                    description=request.POST.get("description", ""),
                    item_codes=_posted_items(request),
                    mode=request.POST.get("mode", AssistRequest.Mode.ACT),
                    station=station,
                    contact_phone=request.POST.get("phone", ""),
                )
            except DomainError as exc:
                error, status = exc.message, error_status(exc)
            else:
                messages.success(request, f"已提交帮办代办申请，编号 {created.number}。")
                return redirect("stations:request", created.number)
    context = {
        "applicants": applicants,
        "stations": list(selectors.active_stations()),
        "station": station,
        "items": _item_choices(station),
        "chosen_items": set(source.getlist("items")) | ({source.get("item")} if source.get("item") else set()),
        "modes": AssistRequest.Mode.choices,
        "values": {k: source.get(k, "") for k in ("description", "phone", "mode", "applicant")},
        "error": error,
    }
    return render(request, "stations/assist_new.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def assist_intake(request):
    """Station staff register a walk-in applicant's request at their station (驿站现场登记)."""
    user = request.user
    role = scope.staff_role(user)
    if role not in services.STATION_STAFF:
        raise Http404("未找到该页面")
    if role == Role.ASSISTANT:
        stations = selectors.stations_of_assistant(user)
    else:
        profile = scope.staff_profile(user)
        stations = list(
            selectors.active_stations().filter(
                **({} if role == Role.ADMINISTRATOR else {"hall": profile.hall_id if profile else None})
            )
        )
    source = request.POST if request.method == "POST" else request.GET
    named = source.get("station", "")
    station = next((s for s in stations if s.code == named), None)
    if station is None and not named and len(stations) == 1:
        station = stations[0]
    error, status = "", 200
    if request.method == "POST":
        try:
            if station is None and named:  # never another station's, quietly made one's own
                raise Forbidden("您不能在该驿站登记", code="not_at_station")
            if station is None:
                raise DomainError("请选择受理的驿站", code="missing_field", detail={"field": "station"})
            created = services.assist_walk_in(
                actor=user,
                station=station,
                kind=request.POST.get("kind", Applicant.Kind.NATURAL),
                code=request.POST.get("code", ""),
                name=request.POST.get("name", ""),
                phone=request.POST.get("phone", ""),
                legal_representative=request.POST.get("legal_representative", ""),
                description=request.POST.get("description", ""),
                item_codes=_posted_items(request),
                mode=request.POST.get("mode", AssistRequest.Mode.ACT),
            )
        except DomainError as exc:
            error, status = exc.message, error_status(exc)
        else:
            messages.success(request, f"已登记帮办代办申请 {created.number}。")
            return redirect("stations:request", created.number)
    context = {
        "stations": stations,
        "station": station,
        "items": _item_choices(station),
        "chosen_items": set(source.getlist("items")),
        "modes": AssistRequest.Mode.choices,
        "values": {
            k: source.get(k, "")
            for k in ("kind", "code", "name", "phone", "legal_representative", "description", "mode")
        },
        "error": error,
    }
    return render(request, "stations/assist_intake.html", context, status=status)


# --------------------------------------------------------------------------- one request


def _request_or_404(user, number: str) -> AssistRequest:
    try:
        return selectors.request_for(user, number)
    except NotFound:
        raise Http404("未找到该帮办代办申请") from None


def _request_page(request, found: AssistRequest, *, error: str = "", status: int = 200):
    user = request.user
    roles = selectors.request_roles(user, found)
    assignee = workflow.ASSIGNEE in roles and found.status in (AssistStatus.ASSIGNED, AssistStatus.IN_PROGRESS)
    mandate = scope.mandate_for(found.assistant, found.applicant) if found.assistant_id else None
    names = selectors.item_names(list(found.item_codes or []))
    authorisation = found.authorisation
    staff = bool(roles - {scope.APPLICANT, workflow.ASSIGNEE})
    context = {
        "r": found,
        "roles": roles,
        "role_labels": [workflow.ROLE_LABELS[r] for r in sorted(roles) if r in workflow.ROLE_LABELS],
        "applicant_name": found.applicant.name,
        "applicant_code": found.applicant.masked_code,
        "contact": mask_phone(found.contact_phone),
        "items": [(c, names.get(c, c)) for c in found.item_codes or []],
        "events": [
            {
                **vars(e),
                "label": EVENT_LABELS.get(e.action, e.action),
                "role_label": workflow.ROLE_LABELS.get(e.actor_role, ""),
                # "assistant X for applicant Y" where the assistant acted in the applicant's name
                "for_whom": found.applicant.name if e.action in ACTED_FOR else "",
            }
            for e in found.events.all().order_by("-seq")
        ],
        "cases": selectors.request_cases(found, user),
        "offered": workflow.offered(found.status, roles),
        "assignable": selectors.assignable_assistants(found) if roles & {workflow.MANAGER, workflow.ADMIN} else [],
        "assignee": assignee,
        "authorisation": authorisation,
        "authorisation_state": selectors.authorisation_state(authorisation) if authorisation else None,
        "mandate": mandate,
        "fileable": [(c, n) for c, n in names.items() if mandate and mandate.covers(c)] if mandate else [],
        "default_until": timezone.localdate() + datetime.timedelta(days=90),
        "is_staff_view": staff,
        "error": error,
    }
    return render(request, "stations/request.html", context, status=status)


@login_required
@require_GET
def request_detail(request, number: str):
    return _request_page(request, _request_or_404(request.user, number))


def _after(request, found: AssistRequest, call, done: str):
    try:
        call()
    except DomainError as exc:
        status = error_status(exc)
        return _request_page(
            request, selectors.request_for(request.user, found.number), error=exc.message, status=status
        )
    messages.success(request, done)
    return redirect("stations:request", found.number)


@login_required
@require_POST
def request_act(request, number: str):
    found = _request_or_404(request.user, number)
    action = request.POST.get("action", "")
    assistant_id = posted_id(request.POST.get("assistant"))
    assistant = User.objects.filter(pk=assistant_id).first() if assistant_id is not None else None
    version = posted_id(request.POST.get("version"))
    row = workflow.ACTIONS.get(action)

    def call():
        services.assist_transition(
            request=found,
            actor=request.user,
            action=action,
            comment=request.POST.get("comment", ""),
            assistant=assistant,
            expected_version=version,
        )

    return _after(request, found, call, row.done if row else "")


@login_required
@require_POST
def request_authorisation(request, number: str):
    found = _request_or_404(request.user, number)
    until = request.POST.get("valid_until", "")

    def call():
        try:
            valid_until = datetime.date.fromisoformat(until)
        except ValueError:
            raise DomainError("请填写委托截止日期", code="missing_field", detail={"field": "valid_until"}) from None
        services.assist_authorisation_request(
            request=found,
            actor=request.user,
            valid_until=valid_until,
            item_codes=request.POST.getlist("items") or None,
            note=request.POST.get("note", ""),
        )

    return _after(request, found, call, "已发出委托书：等待申请人网上确认，或请驿站其他工作人员见证申请人现场签署。")


@login_required
@require_POST
def request_link(request, number: str):
    found = _request_or_404(request.user, number)
    return _after(
        request,
        found,
        lambda: services.assist_case_link(
            request=found, actor=request.user, case_number=request.POST.get("case_number", "")
        ),
        "已关联办件",
    )


def file_page(request, *, target, title: str, back: str, applicant: Applicant, assistant_id: int | None, codes, file):
    """Filing a case for an applicant (a request's or a project's): pick the item, fill in
    the item's application form; the cases app refuses without a live authorisation,
    and the page says so before anything is typed."""
    user = request.user
    if assistant_id != user.pk:
        raise Http404("未找到该页面")
    mandate = scope.mandate_for(user, applicant)
    names = selectors.item_names(list(codes)) if codes else {}
    choices = [(c, n) for c, n in names.items()]
    code = (request.POST if request.method == "POST" else request.GET).get("item", "")
    item = None
    if code:
        try:
            item = catalog_selectors.item_get(code)
        except Http404:
            item = None
    error, status = "", 200
    if mandate is None:
        error, status = "没有有效的委托书：申请人确认（网上确认或驿站现场签署）委托书之前，不能代为申报。", 403
    elif item is not None and not mandate.covers(item.code):
        error, status = "委托书不含此事项，不能代为申报。请先请求包含此事项的委托书。", 403
    if request.method == "POST" and not error and item is not None:
        try:
            case = file(item, case_forms.posted_application(request.POST, item))
        except DomainError as exc:
            error, status = exc.message, error_status(exc)
        else:
            messages.success(request, f"已为{applicant.name}创建办件草稿，请上传材料并提交。")
            return redirect("cases:detail", case.number)
    elif request.method == "POST" and item is None and not error:
        error, status = "请选择事项", 400
    posted = {}
    if request.method == "POST" and item is not None:
        try:
            posted = case_forms.application_form(request.POST, item.form_fields)
        except DomainError:
            posted = {}
    context = {
        "target": target,
        "title": title,
        "back": back,
        "applicant": applicant,
        "mandate": mandate,
        "mandate_state": selectors.authorisation_state(mandate) if mandate else None,
        "choices": choices,
        "covered": {c for c, _ in choices if mandate and mandate.covers(c)},
        "item": item,
        "error": error,
        "refused": status == 403,
        "answers": catalog_selectors.parse_answers(item, request.POST if request.method == "POST" else {})
        if item
        else {},
        "materials": catalog_selectors.materials_for_answers(item, {}) if item else [],
        "description": posted.get(case_forms.DESCRIPTION_KEY, ""),
        "rows": case_forms.form_rows(posted),
        "form_fields": case_forms.form_field_rows(item.form_fields, posted) if item else [],
    }
    return render(request, "stations/file.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def request_file(request, number: str):
    found = _request_or_404(request.user, number)
    if found.status not in (AssistStatus.ASSIGNED, AssistStatus.IN_PROGRESS):
        raise Http404("未找到该页面")

    def file(item, parsed):
        return services.assist_case_file(request=found, actor=request.user, item_code=item.code, **parsed)

    return file_page(
        request,
        target=found,
        title=f"代为申报 · {found.number}",
        back=f"/assist/requests/{found.number}/",
        applicant=found.applicant,
        assistant_id=found.assistant_id,
        codes=found.item_codes or [],
        file=file,
    )


# --------------------------------------------------------------------------- authorisations


@login_required
@require_http_methods(["GET", "POST"])
def authorisations(request):
    """我的帮办代办委托: the applicant side confirms, refuses or ends its 委托书; station
    staff witness signatures; an assistant sees whom they may act for."""
    user = request.user
    error, status = "", 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        raw = request.POST.get("authorisation", "")
        calls = {
            "confirm": (services.authorisation_confirm, "已确认委托：帮办代办员可以在委托范围内代您申报。"),
            "refuse": (services.authorisation_revoke, "已拒绝该委托。"),
            "revoke": (services.authorisation_revoke, "已撤销委托：帮办代办员不能再代您办理。"),
            "sign": (services.authorisation_sign, "已登记现场签署，委托书生效。"),
        }
        try:
            authorisation_id = posted_id(raw)
            if action not in calls or authorisation_id is None:
                raise DomainError("请求无效", code="bad_request")
            call, done = calls[action]
            call(actor=user, authorisation_id=authorisation_id)  # each service checks who may
        except DomainError as exc:
            error, status = exc.message, error_status(exc)
        else:
            messages.success(request, done)
            return redirect("stations:authorisations")
    given = []
    for a in selectors.authorisations_given(user):
        names = selectors.item_names(a.item_codes)
        given.append((a, selectors.authorisation_state(a), [names.get(c, c) for c in a.item_codes]))
    role = scope.staff_role(user)
    context = {
        "given": given,
        "pending": [g for g in given if g[1][0] == "pending"],
        "others": [g for g in given if g[1][0] != "pending"],
        "witness": list(selectors.witnessable(user)) if role else [],
        "held": [(a, selectors.authorisation_state(a)) for a in selectors.mandates_held(user)]
        if role == Role.ASSISTANT
        else [],
        "is_staff": bool(role),
        "error": error,
    }
    return render(request, "stations/authorisations.html", context, status=status)


# --------------------------------------------------------------------------- the hall manager


@login_required
@require_GET
def dashboard(request):
    try:
        board = selectors.dashboard(request.user)
    except NotFound:
        raise Http404("未找到该页面") from None
    return render(request, "stations/dashboard.html", {"board": board, "applicant_label": applicant_label})
