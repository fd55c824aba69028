"""Every change to a construction project. A stage's items are filed and moved only through
``bundles.services`` (the bundle case) and so through ``cases.services`` (its member cases):
this app adds no door of its own to either (decision 0007).

The stage result is derived, never typed: ``stage_evaluate`` runs after each member case's
transition (``receivers``, after commit, at least once: idempotent) and after an inspection
is recorded; it writes the result once every member is decided and, where the stage asks for
one, the joint site inspection is recorded."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from govhall.accounts import scope
from govhall.accounts.models import Applicant, Hall, User
from govhall.accounts.roles import Role
from govhall.bundles import services as bundle_services
from govhall.bundles.models import BundleCase
from govhall.cases.models import Channel
from govhall.catalog import bundles as catalog_bundles
from govhall.catalog.models import Department
from govhall.construction import selectors
from govhall.construction.models import (
    ConstructionProject,
    InspectionPlan,
    ProjectStage,
    SiteInspection,
    Stage,
    StageDefinition,
    StageStatus,
)
from govhall.core.errors import Conflict, DomainError, Forbidden, NotFound
from govhall.stations import selectors as station_selectors
from govhall.stations import services as station_services
from govhall.stations.models import KeyProject

MAX_FINDINGS = 4000
MAX_ATTACHMENT = 10 * 1024 * 1024
ATTACHMENT_TYPES = {".pdf", ".jpg", ".jpeg", ".png"}
PLAN_AHEAD_DAYS = 90  # a joint inspection is set at most this far ahead
MAX_PLAN_NOTE = 500
REMIND_BEFORE = datetime.timedelta(hours=24)  # the day-before reminder of a joint inspection


def _hall_of(actor: User) -> Hall | None:
    profile = scope.staff_profile(actor)
    return profile.hall if profile is not None and profile.hall_id else None


def _investment(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise DomainError("总投资应为数字（万元）", code="invalid_field", detail={"field": "investment"}) from None
    if amount < 0 or amount >= Decimal("1e10"):
        raise DomainError("总投资应在0到99亿万元之间", code="invalid_field", detail={"field": "investment"})
    return amount


@transaction.atomic
def project_create(
    *,
    actor: User,
    code: str,
    name: str,
    builder: Applicant,
    hall: Hall | None = None,
    key_project: KeyProject | str | None = None,
    location: str = "",
    investment: Any = None,
    description: str = "",
) -> ConstructionProject:
    """Register a construction project of a company (建设单位): by the company's operator
    online, by a clerk or hall manager at their hall, or by an administrator. Its first stage
    opens at once."""
    role = scope.staff_role(actor)
    if role in (Role.CLERK, Role.HALL_MANAGER):
        hall = _hall_of(actor)
        if hall is None:
            raise DomainError("您的账户未分配到政务服务大厅", code="no_hall")
    elif role == Role.ADMINISTRATOR:
        pass
    elif not scope.acts_for(actor, builder):
        raise Forbidden("只有建设单位的经办人或大厅工作人员可以登记工程建设项目", code="role_not_allowed")
    if builder.kind != Applicant.Kind.LEGAL:
        raise DomainError("建设单位应为法人", code="not_a_company", detail={"field": "builder"})
    code, name = (code or "").strip(), (name or "").strip()
    if not name:
        raise DomainError("请填写项目名称", code="missing_field", detail={"field": "name"})
    if isinstance(key_project, str):
        key_project = station_selectors.project_for(actor, key_project) if key_project else None
    if key_project is not None and key_project.company_id != builder.pk:
        raise DomainError("所选重点项目的项目单位不是该建设单位", code="invalid_field", detail={"field": "key_project"})
    if hall is None:
        hall = key_project.hall if key_project is not None else Hall.objects.order_by("id").first()
    if hall is None:
        raise DomainError("请选择受理大厅", code="missing_field", detail={"field": "hall"})
    if ConstructionProject.objects.filter(code=code).exists():
        raise Conflict("项目代码已被使用", code="project_code_taken", detail={"field": "code"})
    project = ConstructionProject(
        code=code,
        name=name,
        builder=builder,
        hall=hall,
        key_project=key_project,
        location=(location or "").strip(),
        investment=_investment(investment),
        description=(description or "").strip(),
        created_by=actor,
    )
    try:
        project.full_clean(exclude=["created_by"])
    except ValidationError as exc:
        fields = exc.message_dict
        first = next(iter(fields))
        raise DomainError(
            f"项目信息有误：{fields[first][0]}", code="invalid_field", detail={"field": first, "errors": fields}
        ) from None
    project.save()
    ProjectStage.objects.create(project=project, stage=Stage.LAND_PLANNING)
    return project


def _stage_locked(
    project: ConstructionProject | str, stage: int, actor: User
) -> tuple[ConstructionProject, ProjectStage]:
    code = project if isinstance(project, str) else project.code
    found = selectors.project_for(actor, code)
    if stage not in Stage.values:
        raise NotFound("没有这个审批阶段（1至4）", code="stage_not_found")
    row = ProjectStage.objects.select_for_update().filter(project=found, stage=stage).first()
    if row is None:
        previous = Stage(stage - 1).label if stage > 1 else ""
        raise Conflict(f"“{previous}”阶段通过后才能开启“{Stage(stage).label}”阶段", code="stage_not_open")
    return found, row


def stage_file(
    *,
    actor: User,
    project: ConstructionProject | str,
    stage: int,
    answers: dict | None = None,
    form: dict | None = None,
    delivery_mode: str = "",
) -> ProjectStage:
    """File the stage's items once, as one bundle case of the stage's catalogue bundle, in
    the project's hall (its members reviewed in parallel by their departments). A failed
    stage may be filed again: the failed filing is kept in the stage's history. Items of a
    key project are taken into its tracking when the filer may do so."""
    with transaction.atomic():
        project, row = _stage_locked(project, stage, actor)
        if not selectors.acts_for_builder(actor, project):
            raise Forbidden("只有建设单位一方（经办人、受委托的帮办代办员或窗口）可以申报", code="role_not_allowed")
        if row.status not in (StageStatus.OPEN, StageStatus.FAILED):
            raise Conflict("本阶段已申报，不能重复申报", code="stage_already_filed")
        definition = StageDefinition.objects.filter(stage=stage).first()
        if definition is None or catalog_bundles.bundle_get(definition.bundle_code) is None:
            raise DomainError("本阶段尚未配置已发布的一件事，请联系大厅管理员", code="stage_not_configured")
        window = scope.staff_role(actor) == Role.CLERK
        bundle_case = bundle_services.bundle_case_create(
            actor=actor,
            bundle_code=definition.bundle_code,
            applicant=project.builder,
            answers=answers,
            form=form,
            delivery_mode=delivery_mode,
            channel=Channel.WINDOW if window else Channel.ONLINE,
            hall=project.hall,
        )
        if row.status == StageStatus.FAILED:
            row.history = [
                *row.history,
                {
                    "bundle_case": row.bundle_case.number if row.bundle_case_id else "",
                    "result_at": row.result_at.isoformat() if row.result_at else None,
                    "result_note": row.result_note,
                    "results": row.results,
                },
            ]
        if row.status == StageStatus.FAILED:  # the new filing is inspected anew
            SiteInspection.objects.filter(stage=row).delete()
            InspectionPlan.objects.filter(stage=row).delete()
        row.bundle_case = bundle_case
        row.status = StageStatus.FILED
        row.filed_at = timezone.now()
        row.result_at, row.results, row.result_note = None, [], ""
        row.save()
        _track(project, bundle_case, actor)
    return row


def _track(project: ConstructionProject, bundle_case: BundleCase, actor: User) -> None:
    """Take the stage's member cases into the key project the construction project was
    registered in (the same company: ``project_create`` checks it), whoever filed them: the
    key project's assistant follows every stage, the company's own online filings included."""
    key = project.key_project
    if key is None:
        return
    for member in bundle_case.members.select_related("case"):
        station_services.project_case_adopt(project=key, case=member.case, actor=actor)


def stage_submit(*, actor: User, project: ConstructionProject | str, stage: int) -> ProjectStage:
    """Submit the stage's bundle case (every member at once: bundles' own all-or-nothing)."""
    found = selectors.project_for(actor, project if isinstance(project, str) else project.code)
    row = selectors.stage_row(found, stage)
    if row is None or row.bundle_case_id is None or row.status != StageStatus.FILED:
        raise Conflict("本阶段尚未申报", code="stage_not_filed")
    bundle_services.bundle_case_submit(actor=actor, bundle_case=row.bundle_case)
    row.refresh_from_db()
    return row


def may_inspect(actor: User, project: ConstructionProject, departments: set[int]) -> bool:
    found = scope.reach(actor)
    if found is None:
        return False
    if found.everything:
        return True
    if found.role in selectors.HALL_ROLES:
        return found.hall == project.hall_id
    if found.role in selectors.DEPARTMENT_ROLES:
        return found.department in departments
    return False


def may_schedule(actor: User, project: ConstructionProject) -> bool:
    """The hall that leads the project arranges its joint inspections (and administrators)."""
    found = scope.reach(actor)
    return found is not None and (
        found.everything or (found.role in selectors.HALL_ROLES and found.hall == project.hall_id)
    )


def _attachment_check(upload) -> None:
    name = (getattr(upload, "name", "") or "").lower()
    if not any(name.endswith(ext) for ext in ATTACHMENT_TYPES):
        raise DomainError("附件应为PDF或图片（jpg、png）", code="invalid_file", detail={"field": "attachment"})
    if (getattr(upload, "size", 0) or 0) > MAX_ATTACHMENT:
        raise DomainError("附件不能超过10MB", code="file_too_large", detail={"field": "attachment"})


def _stage_departments(row: ProjectStage, department_codes: list[str] | None) -> list[Department]:
    """The departments named by ``department_codes``: at least one, each a department of the
    stage's items (who inspects, who is invited)."""
    involved = selectors.stage_departments(row)
    codes = list(dict.fromkeys(c.strip() for c in department_codes or [] if isinstance(c, str) and c.strip()))
    if not codes:
        raise DomainError("请选择参加踏勘的部门", code="missing_field", detail={"field": "departments"})
    departments = list(Department.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {d.code for d in departments})
    outside = sorted(d.code for d in departments if d.pk not in involved)
    if unknown or outside:
        raise DomainError(
            "参加部门应为本阶段事项的审批部门",
            code="invalid_field",
            detail={"field": "departments", "unknown": unknown, "not_in_stage": outside},
        )
    return departments


def inspection_schedule(
    *,
    actor: User,
    project: ConstructionProject | str,
    stage: int,
    starts_at: datetime.datetime,
    place: str = "",
    department_codes: list[str],
    note: str = "",
) -> InspectionPlan:
    """联合踏勘安排: the hall that leads the project sets (or moves) when and where the stage's
    departments meet on site; the invited departments' reviewers and chief approvers and the
    builder's side are told, and on a change also the departments no longer invited."""
    with transaction.atomic():
        project, row = _stage_locked(project, stage, actor)
        if not may_schedule(actor, project):
            raise Forbidden("联合踏勘由牵头大厅的工作人员安排", code="role_not_allowed")
        if row.status != StageStatus.FILED or row.bundle_case_id is None:
            raise Conflict("本阶段申报后才能安排联合踏勘", code="stage_not_filed")
        if SiteInspection.objects.filter(stage=row).exists():
            raise Conflict("本阶段已记录联合踏勘", code="inspection_exists")
        departments = _stage_departments(row, department_codes)
        if not isinstance(starts_at, datetime.datetime):
            raise DomainError("踏勘时间不正确", code="invalid_field", detail={"field": "starts_at"})
        if timezone.is_naive(starts_at):
            starts_at = timezone.make_aware(starts_at)
        now = timezone.now()
        if not now < starts_at <= now + datetime.timedelta(days=PLAN_AHEAD_DAYS):
            raise DomainError(
                f"踏勘时间应在现在之后、{PLAN_AHEAD_DAYS}天以内", code="invalid_field", detail={"field": "starts_at"}
            )
        place = (place or "").strip() or project.location
        if not place:
            raise DomainError("请填写集合地点", code="missing_field", detail={"field": "place"})
        note = (note or "").strip()
        for field, value, limit in (("place", place, 200), ("note", note, MAX_PLAN_NOTE)):
            if len(value) > limit:
                raise DomainError(f"内容不超过{limit}字", code="invalid_field", detail={"field": field})
        plan = InspectionPlan.objects.select_for_update().filter(stage=row).first()
        before = set(plan.departments.values_list("pk", flat=True)) if plan else set()
        if plan is None:
            plan = InspectionPlan(stage=row, times=0)
        if plan.starts_at != starts_at:
            plan.reminded_at = None  # a new time: reminded again the day before
        plan.starts_at, plan.place, plan.note, plan.scheduled_by = starts_at, place, note, actor
        plan.times += 1
        plan.save()
        plan.departments.set(departments)
        _tell_plan(project, row, plan, departments, dropped=before - {d.pk for d in departments})
    return plan


def _tell_plan(project, row, plan: InspectionPlan, departments: list[Department], dropped: set[int]) -> None:
    from govhall.notify.services import notification_send

    when = timezone.localtime(plan.starts_at)
    changed = "（改期或调整）" if plan.times > 1 else ""
    names = "、".join(d.name for d in departments)
    text = (
        f"联合踏勘安排{changed}：{project.name}（{project.code}）{row.get_stage_display()}阶段，"
        f"{when:%Y年%m月%d日 %H:%M}，集合地点：{plan.place}；参加部门：{names}。"
    )
    invited = selectors.department_staff({d.pk for d in departments})
    event = "construction.inspection_rescheduled" if plan.times > 1 else "construction.inspection_scheduled"
    notification_send(event=event, text=text, user_ids=invited | _builder_side(project))
    gone = selectors.department_staff(dropped) - invited
    if gone:
        notification_send(
            event="construction.inspection_uninvited",
            text=f"{project.name}（{project.code}）{row.get_stage_display()}阶段的联合踏勘已调整，贵部门不再参加。",
            user_ids=gone,
        )


def inspection_remind(*, now: datetime.datetime | None = None) -> int:
    """The day-before reminder of each arranged joint inspection (within REMIND_BEFORE of its
    time, the stage still filed and not yet inspected), once per time set, to the invited
    departments' reviewers and chief approvers and the builder's side. A plan is claimed by
    one conditional UPDATE before it is sent, so two runs at once remind once. Returns how
    many were reminded."""
    from govhall.notify.services import notification_send

    now = now or timezone.now()
    due = InspectionPlan.objects.filter(
        reminded_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + REMIND_BEFORE,
        stage__status=StageStatus.FILED,
        stage__inspection__isnull=True,
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(due[:1000]):
        with transaction.atomic():
            if not InspectionPlan.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now):
                continue  # another run took it
            plan = InspectionPlan.objects.select_related("stage__project__builder", "stage__project__key_project").get(
                pk=pk
            )
            departments = list(plan.departments.all())
            project, row = plan.stage.project, plan.stage
            when = timezone.localtime(plan.starts_at)
            names = "、".join(d.name for d in departments)
            notification_send(
                event="construction.inspection_reminder",
                text=(
                    f"联合踏勘提醒：{project.name}（{project.code}）{row.get_stage_display()}阶段，"
                    f"{when:%m月%d日 %H:%M}，集合地点：{plan.place}；参加部门：{names}。"
                ),
                user_ids=selectors.department_staff({d.pk for d in departments}) | _builder_side(project),
            )
            count += 1
    return count


def inspection_record(
    *,
    actor: User,
    project: ConstructionProject | str,
    stage: int,
    inspected_on: datetime.date,
    department_codes: list[str],
    findings: str,
    passed: bool = True,
    attachment=None,
) -> SiteInspection:
    """联合踏勘: record, once per filed stage, who went (departments of the stage), when and
    what they found; by staff of the hall or of a department present."""
    with transaction.atomic():
        project, row = _stage_locked(project, stage, actor)
        if row.status != StageStatus.FILED or row.bundle_case_id is None:
            raise Conflict("本阶段申报后才能记录联合踏勘", code="stage_not_filed")
        departments = _stage_departments(row, department_codes)
        if not may_inspect(actor, project, {d.pk for d in departments}):
            raise Forbidden("联合踏勘由参加部门或牵头大厅的工作人员记录", code="role_not_allowed")
        findings = (findings or "").strip()
        if not findings:
            raise DomainError("请填写踏勘意见", code="missing_field", detail={"field": "findings"})
        if len(findings) > MAX_FINDINGS:
            raise DomainError(f"踏勘意见不超过{MAX_FINDINGS}字", code="invalid_field", detail={"field": "findings"})
        if not isinstance(inspected_on, datetime.date):
            raise DomainError("踏勘日期不正确", code="invalid_field", detail={"field": "inspected_on"})
        if inspected_on > timezone.localdate():
            raise DomainError("踏勘日期不能晚于今天", code="invalid_field", detail={"field": "inspected_on"})
        if row.filed_at and inspected_on < timezone.localtime(row.filed_at).date():
            raise DomainError("踏勘日期不能早于本阶段申报日期", code="invalid_field", detail={"field": "inspected_on"})
        if SiteInspection.objects.filter(stage=row).exists():
            raise Conflict("本阶段已记录联合踏勘", code="inspection_exists")
        if attachment is not None:
            _attachment_check(attachment)
        record = SiteInspection(
            stage=row, inspected_on=inspected_on, findings=findings, passed=bool(passed), recorded_by=actor
        )
        if attachment is not None:
            record.attachment_name = (attachment.name or "附件")[-200:]
            record.attachment.save(f"{row.pk}-{secrets_token()}{_ext(attachment.name)}", attachment, save=False)
        record.save()
        record.departments.set(departments)
    stage_evaluate(stage_id=row.pk)
    return record


def secrets_token() -> str:
    import secrets

    return secrets.token_hex(6)


def _ext(name: str) -> str:
    name = (name or "").lower()
    return next((e for e in ATTACHMENT_TYPES if name.endswith(e)), "")


def _builder_side(project: ConstructionProject) -> set[int]:
    ids = set(scope.operator_user_ids(project.builder))
    if project.builder.user_id:
        ids.add(project.builder.user_id)
    if project.key_project_id and project.key_project.assistant_id:
        ids.add(project.key_project.assistant_id)
    return ids


@transaction.atomic
def stage_evaluate(*, stage_id: int) -> ProjectStage | None:
    """The stage's one result (阶段成果), once: passed when every member case is decided in
    favour (准予许可、已办结、已送达) and the required inspection is recorded and found the site
    in order; failed when every member is decided and one was refused, rejected, withdrawn
    or the inspection found the site not in order. Passing opens the next stage. Idempotent."""
    from govhall.notify.services import notification_send

    row = (
        ProjectStage.objects.select_for_update(of=("self",))
        .select_related("project__builder", "project__key_project")
        .filter(pk=stage_id)
        .first()
    )
    if row is None or row.status != StageStatus.FILED or row.bundle_case_id is None:
        return row
    member_rows = selectors.members(row)
    if not selectors.all_decided(member_rows):
        return row
    definition = StageDefinition.objects.filter(stage=row.stage).first()
    inspection = selectors.inspection_of(row)
    if definition is not None and definition.inspection_required and inspection is None:
        return row  # waits for the joint site inspection
    results = [
        {
            "case_number": m.case.number,
            "item_name": m.case.item.name,
            "department": m.case.department.name,
            "state": m.case.state,
            "state_label": m.case.get_state_display(),
            "result_name": m.case.item.result_name,
            "licence_number": m.case.licence_number,
            "reason": m.case.decision_reason if m.case.state not in selectors.APPROVED else "",
        }
        for m in member_rows
    ]
    refused = [r for r in results if r["state"] not in selectors.APPROVED]
    project = row.project
    label = Stage(row.stage).label
    if refused or (inspection is not None and not inspection.passed):
        reasons = [
            f"{r['item_name']}（{r['department']}）{r['state_label']}" + (f"：{r['reason']}" if r["reason"] else "")
            for r in refused
        ]
        if inspection is not None and not inspection.passed:
            reasons.append(f"联合踏勘认为现场不符合要求：{inspection.findings}")
        row.status = StageStatus.FAILED
        row.result_note = "；".join(reasons)
        text = f"您的工程建设项目“{project.name}”{label}阶段未通过：{row.result_note}。请整改后重新申报本阶段。"
    else:
        row.status = StageStatus.PASSED
        obtained = "、".join(r["result_name"] or r["item_name"] for r in results)
        row.result_note = f"本阶段{len(results)}个事项均已准予，取得：{obtained}"
        if row.stage < Stage.COMPLETION:
            ProjectStage.objects.get_or_create(project=project, stage=row.stage + 1)
            text = (
                f"您的工程建设项目“{project.name}”{label}阶段已通过（{obtained}），"
                f"“{Stage(row.stage + 1).label}”阶段已开启，可以申报。"
            )
        else:
            text = f"您的工程建设项目“{project.name}”竣工验收阶段已通过，项目审批全部完成。"
    row.results = results
    row.result_at = timezone.now()
    row.save(update_fields=["status", "results", "result_note", "result_at"])
    notification_send(event=f"construction.stage_{row.status}", text=text, user_ids=_builder_side(project))
    return row


def stage_for_case(case_id: int) -> int | None:
    """The id of the stage whose bundle case holds the case, or None."""
    return ProjectStage.objects.filter(bundle_case__members__case_id=case_id).values_list("pk", flat=True).first()


def definition_set(
    *, stage: int, bundle_code: str, inspection_required: bool = False, guide: str = ""
) -> StageDefinition:
    """Configure a stage's bundle (the admin edits the same rows)."""
    if stage not in Stage.values:
        raise DomainError("没有这个审批阶段（1至4）", code="invalid_field", detail={"field": "stage"})
    found, _ = StageDefinition.objects.update_or_create(
        stage=stage, defaults={"bundle_code": bundle_code, "inspection_required": inspection_required, "guide": guide}
    )
    return found
