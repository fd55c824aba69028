"""重点项目: the list, setting one up (a hall manager), and the page that tracks all its
cases across departments and their deadlines."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from govhall.accounts import scope
from govhall.accounts.models import Applicant, User
from govhall.accounts.roles import Role
from govhall.catalog.selectors import published_items
from govhall.core.errors import DomainError, NotFound
from govhall.stations import selectors, services, workflow
from govhall.stations.models import KeyProject
from govhall.stations.views.assist import file_page
from govhall.stations.views.common import error_status, posted_id


def _project_or_404(user, code: str) -> KeyProject:
    try:
        return selectors.project_for(user, code)
    except NotFound:
        raise Http404("未找到该重点项目") from None


def _company(raw: str) -> Applicant | None:
    raw = raw.strip().upper()
    return Applicant.objects.filter(kind=Applicant.Kind.LEGAL, uscc=raw).first() if raw else None


@login_required
@require_http_methods(["GET", "POST"])
def projects(request):
    user = request.user
    role = scope.staff_role(user)
    creates = role in (Role.HALL_MANAGER, Role.ADMINISTRATOR)
    error, status = "", 200
    values = {
        k: request.POST.get(k, "")
        for k in ("code", "name", "uscc", "assistant", "location", "investment", "target_date", "description")
    }
    if request.method == "POST":
        if not creates:
            raise Http404("未找到该页面")
        try:
            company = _company(values["uscc"])
            if company is None:
                raise DomainError("未找到该统一社会信用代码的法人", code="company_not_found", detail={"field": "uscc"})
            assistant_id = posted_id(values["assistant"])
            assistant = User.objects.filter(pk=assistant_id).first() if assistant_id is not None else None
            if assistant is None:
                raise DomainError("请选择专属帮办代办员", code="missing_field", detail={"field": "assistant"})
            try:
                investment = Decimal(values["investment"]) if values["investment"].strip() else None
                target = datetime.date.fromisoformat(values["target_date"]) if values["target_date"] else None
            except (InvalidOperation, ValueError):
                raise DomainError("总投资或目标日期格式不正确", code="invalid_field") from None
            profile = scope.staff_profile(user)
            project = services.project_create(
                actor=user,
                code=values["code"].strip().lower(),
                name=values["name"],
                company=company,
                assistant=assistant,
                hall=profile.hall if profile and profile.hall_id else selectors.halls().first(),
                location=values["location"],
                description=values["description"],
                investment=investment,
                target_date=target,
            )
        except DomainError as exc:
            error, status = exc.message, error_status(exc)
        else:
            messages.success(request, f"已设立重点项目“{project.name}”。")
            return redirect("stations:project", project.code)
    found = list(selectors.visible_projects(user).order_by("status", "-created_at"))
    lines = [(p, selectors.project_tracking(p, user)) for p in found]
    profile = scope.staff_profile(user)
    context = {
        "lines": lines,
        "creates": creates,
        "assistants": selectors.assistants_of_hall(profile.hall_id if profile else None) if creates else [],
        "values": values,
        "error": error,
    }
    return render(request, "stations/projects.html", context, status=status)


def _project_page(request, project: KeyProject, *, error: str = "", status: int = 200):
    user = request.user
    roles = selectors.project_roles(user, project)
    tracking = selectors.project_tracking(project, user)
    mandate = scope.mandate_for(project.assistant, project.company)
    context = {
        "p": project,
        "t": tracking,
        "roles": roles,
        "is_assistant": workflow.ASSIGNEE in roles,
        "links": bool(roles & {workflow.ASSIGNEE, Role.HALL_MANAGER, Role.ADMINISTRATOR}),
        "manages": bool(roles & {Role.HALL_MANAGER, Role.ADMINISTRATOR}),
        "mandate": mandate,
        "mandate_state": selectors.authorisation_state(mandate) if mandate else None,
        "error": error,
    }
    return render(request, "stations/project.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def project_detail(request, code: str):
    return _project_page(request, _project_or_404(request.user, code))


@login_required
@require_POST
def project_link(request, code: str):
    project = _project_or_404(request.user, code)
    try:
        services.project_case_link(project=project, actor=request.user, case_number=request.POST.get("case_number", ""))
    except DomainError as exc:
        return _project_page(request, project, error=exc.message, status=error_status(exc))
    messages.success(request, "已将办件纳入重点项目")
    return redirect("stations:project", project.code)


@login_required
@require_POST
def project_status(request, code: str):
    project = _project_or_404(request.user, code)
    try:
        services.project_complete(project=project, actor=request.user, reopen=request.POST.get("reopen") == "1")
    except DomainError as exc:
        return _project_page(request, project, error=exc.message, status=error_status(exc))
    messages.success(request, "已更新项目状态")
    return redirect("stations:project", project.code)


@login_required
@require_http_methods(["GET", "POST"])
def project_file(request, code: str):
    project = _project_or_404(request.user, code)
    mandate = scope.mandate_for(request.user, project.company)
    if mandate and mandate.item_codes:
        wanted = list(mandate.item_codes)
    else:  # authorised for any item: the items a company may apply for
        wanted = list(published_items().filter(applicant_type__in=("legal", "both")).values_list("code", flat=True))

    def file(item, parsed):
        return services.project_case_file(project=project, actor=request.user, item_code=item.code, **parsed)

    return file_page(
        request,
        target=project,
        title=f"为重点项目代为申报 · {project.name}",
        back=f"/assist/projects/{project.code}/",
        applicant=project.company,
        assistant_id=project.assistant_id,
        codes=wanted,
        file=file,
    )
