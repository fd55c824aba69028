"""The construction-project pages: the list with registration (``index``), the project page
(``project``: every stage, its bundle case, member cases with departments, states and
deadlines, the joint site inspection and the result) with its forms (file a stage, record
an inspection), and a stage's result as a PDF (``result_pdf``). Pages read through
``selectors`` and change through ``services``; a refused service's message is shown as is."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from govhall.bundles import services as bundle_services
from govhall.construction import documents, presenters, selectors, services
from govhall.construction.models import Stage, StageStatus
from govhall.core.errors import DomainError, NotFound


def _status(exc: DomainError) -> int:
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    return exc.status if exc.status in (400, 403, 409, 429) else 400


@login_required
def index(request):
    user = request.user
    builders = selectors.builders_of(user)
    may_register = selectors.may_register(user)
    error, status, values = "", 200, {}
    if request.method == "POST":
        if not may_register:
            raise PermissionDenied("只有建设单位的经办人或大厅工作人员可以登记工程建设项目")
        values = {k: request.POST.get(k, "").strip() for k in ("code", "name", "location", "investment", "builder")}
        try:
            builder = next((b for b in builders if str(b.pk) == values["builder"]), builders[0] if builders else None)
            if builder is None:  # staff register for a company found by its credit code
                from govhall.accounts.models import Applicant

                builder = Applicant.objects.filter(kind=Applicant.Kind.LEGAL, uscc=values["builder"].upper()).first()
                if builder is None:
                    raise DomainError("未找到该统一社会信用代码的法人", code="builder_not_found")
            project = services.project_create(
                actor=user,
                code=values["code"],
                name=values["name"],
                builder=builder,
                location=values["location"],
                investment=values["investment"] or None,
                description=request.POST.get("description", ""),
            )
            return redirect("construction:project", project.code)
        except DomainError as exc:
            error, status = exc.message, _status(exc)
    projects = [presenters.summary_out(p) for p in selectors.list_for(user)[:100]]
    context = {
        "projects": projects,
        "may_register": may_register,
        "builders": builders,
        "error": error,
        "values": values,
    }
    return render(request, "construction/index.html", context, status=status)


def _form_fields(view: selectors.StageView) -> list[dict]:
    if view.definition is None:
        return []
    try:
        _, _, _, fields = bundle_services.plan(view.definition.bundle_code, {})
    except DomainError:
        return []
    out = []
    for i, f in enumerate(fields):
        spec = f.definition()
        out.append(
            {"key": f"f_{i}", "name": f.name, **{k: spec.get(k) for k in ("type", "required", "choices", "help")}}
        )
    return out


@login_required
def project(request, code: str, error: str = "", status: int = 200):
    user = request.user
    try:
        found = selectors.project_for(user, code)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    views = selectors.project_stages(found, user)
    files = selectors.acts_for_builder(user, found)
    stages = []
    for view in views:
        data = presenters.stage_out(view)
        data["fileable"] = files and view.row is not None and view.row.status in (StageStatus.OPEN, StageStatus.FAILED)
        data["fields"] = _form_fields(view) if data["fileable"] else []
        departments = {m["department_id"]: m["department"] for m in view.members}
        data["may_inspect"] = (
            view.row is not None
            and view.row.status == StageStatus.FILED
            and view.inspection is None
            and bool(departments)
            and services.may_inspect(user, found, set(departments))
        )
        data["may_schedule"] = data["may_inspect"] and services.may_schedule(user, found)
        data["departments"] = sorted(
            {(m.case.department.code, m.case.department.name) for m in selectors.members(view.row)}
            if data["may_inspect"]
            else set()
        )
        stages.append(data)
    context = {
        "p": found,
        "data": presenters.project_out(found, user, views),
        "stages": stages,
        "error": error,
        "today": datetime.date.today().isoformat(),
        "tomorrow": (datetime.date.today() + datetime.timedelta(days=1)).isoformat(),
    }
    return render(request, "construction/project.html", context, status=status)


@login_required
@require_POST
def file_stage(request, code: str, stage: int):
    view = None
    try:
        found = selectors.project_for(request.user, code)
        view = selectors.stage_view(found, stage, request.user)
        form = {f["name"]: request.POST.get(f["key"], "") for f in _form_fields(view)}
        row = services.stage_file(
            actor=request.user, project=code, stage=stage, form={k: v for k, v in form.items() if v != ""}
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        return project(request, code, error=exc.message, status=_status(exc))
    # materials and submission on the bundle case's own page (one set for every member)
    return redirect("bundles:case", row.bundle_case.number)


@login_required
@require_POST
def schedule_inspection(request, code: str, stage: int):
    """联合踏勘安排 from the project page (date, time, place, invited departments)."""
    try:
        try:
            starts_at = datetime.datetime.fromisoformat(request.POST.get("starts_at", "").strip())
        except ValueError:
            raise DomainError("踏勘时间不正确，请选择日期和时间", code="invalid_field") from None
        services.inspection_schedule(
            actor=request.user,
            project=code,
            stage=stage,
            starts_at=starts_at,
            place=request.POST.get("place", ""),
            department_codes=request.POST.getlist("departments"),
            note=request.POST.get("note", ""),
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        return project(request, code, error=exc.message, status=_status(exc))
    return redirect("construction:project", code)


@login_required
@require_POST
def record_inspection(request, code: str, stage: int):
    try:
        try:
            inspected_on = datetime.date.fromisoformat(request.POST.get("inspected_on", ""))
        except ValueError:
            raise DomainError("踏勘日期不正确", code="invalid_field") from None
        services.inspection_record(
            actor=request.user,
            project=code,
            stage=stage,
            inspected_on=inspected_on,
            department_codes=request.POST.getlist("departments"),
            findings=request.POST.get("findings", ""),
            passed=request.POST.get("passed", "1") == "1",
            attachment=request.FILES.get("attachment"),
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        return project(request, code, error=exc.message, status=_status(exc))
    return redirect("construction:project", code)


@login_required
@require_GET
def result_pdf(request, code: str, stage: int):
    """阶段审批结果告知书 (PDF) of a stage that has its result, for whoever sees the project."""
    try:
        found = selectors.project_for(request.user, code)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    row = selectors.stage_row(found, stage) if stage in Stage.values else None
    if row is None or row.status not in (StageStatus.PASSED, StageStatus.FAILED):
        raise Http404("该阶段尚无审批结论")
    content = documents.stage_result_pdf(found, row, selectors.inspection_of(row))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="stage-{stage}-{found.pk}.pdf"'
    return response
