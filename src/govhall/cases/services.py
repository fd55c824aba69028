"""Every change to a case. Pages, the API and background tasks call these and nothing else
writes the cases app's models.

``case_transition`` is the one door for state changes: it locks the case row, checks the
workflow table, the actor's role and the action's guard, applies the action's effects,
appends a timeline event and schedules notifications, all in one transaction.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from govhall.accounts.models import Applicant, Hall, User
from govhall.accounts.roles import Role
from govhall.cases import documents, selectors, workflow
from govhall.cases.models import (
    Case,
    Channel,
    Commitment,
    CorrectionRequest,
    Deferral,
    Document,
    Pause,
    State,
    SubmittedMaterial,
    TimelineEvent,
)
from govhall.catalog import formfields
from govhall.catalog.models import DeliveryMode, MaterialRequirement, ResultType, ServiceItem
from govhall.catalog.selectors import item_version, materials_for_answers, published_version
from govhall.core import rows
from govhall.core.errors import Conflict, DomainError, Forbidden, NotFound
from govhall.core.masking import mask_id_number
from govhall.workdays.selectors import get_calendar

logger = logging.getLogger(__name__)

# Post-approval verification of a notify-and-commit approval (告知承诺事后核查), in working days.
COMMITMENT_VERIFICATION_WORKDAYS = 20
# Content types accepted for materials, detected from the bytes (not the file name).
ALLOWED_UPLOAD_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG"}
MAX_FORM_FIELDS = 60
# The free description a page may add to any application form.
DESCRIPTION_KEY = "申请事项说明"
MAX_FORM_VALUE = 2000

SUPPLY_METHODS = ["网上上传（我的办件）", "到政务服务大厅窗口提交", "邮寄至受理窗口", "投递至24小时自助信包箱"]
REMEDY = (
    "申请人如不服本决定，可在收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。"
)


# --------------------------------------------------------------------------- helpers


def _today() -> datetime.date:
    return timezone.localdate()


_CASE_RELATIONS = [f for f in Case._meta.concrete_fields if f.many_to_one]


def _lock(case: Case | str) -> Case:
    """Read the case under a row lock (PostgreSQL SELECT … FOR UPDATE; SQLite's IMMEDIATE
    transactions already serialise writers): given a number, the only read of the case
    (NotFound if there is none); given a loaded case, only its row is read again, and the
    related rows the caller loaded (applicant, item, …) are carried over while the case
    still points at them. Anything else loads when first used."""
    if isinstance(case, str):
        found = selectors.case_row(number=case, for_update=True)
        if found is None:
            raise NotFound("未找到该办件", code="case_not_found")
        return found
    fresh = selectors.case_row(pk=case.pk, for_update=True)
    for relation in _CASE_RELATIONS:
        if (
            relation.is_cached(case)
            and not relation.is_cached(fresh)
            and getattr(fresh, relation.attname) == getattr(case, relation.attname)
        ):
            relation.set_cached_value(fresh, relation.get_cached_value(case))
    return fresh


def _role_label(roles: set[str]) -> str:
    for role in (*Role.values, workflow.APPLICANT):
        if role in roles:
            return role
    return ""


def event_append(
    *,
    case: Case,
    actor: User | None,
    action: str,
    role: str = "",
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
    data: dict | None = None,
    save_head: bool = True,
) -> TimelineEvent:
    """Append to the case's hash chain. The caller holds the case's row lock, so seq and
    prev_hash cannot race; the case's head fields are saved here."""
    event = TimelineEvent(
        case=case,
        seq=case.event_count + 1,
        action=action,
        actor=actor,
        actor_name=(actor.display_name or actor.username) if actor else "系统",
        actor_role=role,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        data=data or {},
        created_at=timezone.now(),
        prev_hash=case.last_event_hash,
    )
    event.hash = event.compute_hash()
    rows.insert(event)  # every request appends one: plain statements (core.rows)
    case.event_count = event.seq
    case.last_event_hash = event.hash
    if save_head:  # callers about to save the case anyway pass False (one write instead of two)
        rows.update(case, _HEAD)
    return event


_HEAD = ("event_count", "last_event_hash")


def _new_number(item: ServiceItem) -> str:
    """Region code + date + 6 random digits: readable at the window, not enumerable."""
    region = item.department.region.code
    return f"{region}{timezone.localdate():%Y%m%d}{secrets.randbelow(10**6):06d}"


def _document(ctx: Context, kind: str, pdf: bytes) -> Document:
    """Store a PDF the case produced and record it (with its hash) in the timeline."""
    case = ctx.case
    doc = Document(case=case, kind=kind, sha256=hashlib.sha256(pdf).hexdigest())
    doc.file.save(f"{case.number}-{kind}.pdf", ContentFile(pdf), save=False)
    doc.save()
    ctx.documents.append(doc)  # recorded in the timeline after the transition's own event
    return doc


def _header(case: Case) -> documents.CaseHeader:
    applicant = case.applicant
    return documents.CaseHeader(
        case_number=case.number,
        applicant_name=applicant.name,
        applicant_code_masked=applicant.masked_code,
        item_name=case.item.name,
        department_name=case.department.name,
        hall_name=case.hall.name if case.hall else case.department.name,
        issued_on=_today(),
        seal_text=case.department.name,
    )


def required_materials(case: Case) -> list[MaterialRequirement]:
    """The materials this case's item asks for, given its situation answers."""
    answers = {int(k): int(v) for k, v in (case.situation_answers or {}).items()}
    return materials_for_answers(item_version(case.item_id, case.item.published_at), answers)


def missing_materials(case: Case) -> list[MaterialRequirement]:
    """Required materials of the case not yet supplied (deferred ones included)."""
    return _missing(case, required_materials(case))


def _missing(case: Case, materials: list[MaterialRequirement]) -> list[MaterialRequirement]:
    present = selectors.supplied_requirement_ids(case)
    return [m for m in materials if m.required and m.id not in present]


def _recompute_deadline(case: Case) -> None:
    if case.accepted_on is None or case.limit_workdays is None:
        return
    pauses = [(p.from_date, p.to_date) for p in case.pauses.all()]
    deadline = get_calendar().due_date(case.accepted_on, case.limit_workdays, pauses)
    case.due_date = deadline.due_date
    case.due_provisional = deadline.provisional
    case.clock_paused = any(to is None for _, to in pauses)


def _close_pause(case: Case, kind: str | None = None) -> None:
    today = _today()
    qs = case.pauses.filter(to_date__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    for pause in qs:
        pause.to_date = max(today, pause.from_date)
        pause.save(update_fields=["to_date"])


def _notify(case: Case, event: str, text: str) -> None:
    """Tell the applicant side (in-site message and SMS); delivery runs after commit."""
    from govhall.notify.services import notification_send

    notification_send(
        event=event,
        text=text,
        user_ids=_applicant_user_ids(case),
        phone=case.applicant.phone,
        case_number=case.number,
    )


def _applicant_user_ids(case: Case) -> set[int]:
    ids = set(selectors.operator_user_ids(case.applicant))
    if case.applicant.user_id:
        ids.add(case.applicant.user_id)
    return ids


# --------------------------------------------------------------------------- creating and filing


def _check_answers(item: ServiceItem, answers: dict) -> dict[str, int]:
    options = {s.id: {o.id for o in s.options.all()} for s in item.situations.all()}
    clean: dict[str, int] = {}
    for key, value in (answers or {}).items():
        try:
            sid, oid = int(key), int(value)
        except (TypeError, ValueError):
            raise DomainError("情形选择格式不正确", code="invalid_situation_answer", detail={key: value}) from None
        if sid not in options or oid not in options[sid]:
            raise DomainError(
                "所选情形或答案不属于该事项",
                code="invalid_situation_answer",
                detail={"situation": key, "option": value},
            )
        clean[str(sid)] = oid
    return clean


def _check_form(form: dict) -> dict:
    if not isinstance(form, dict):
        raise DomainError("申请表应为键值对象", code="invalid_form")
    if len(form) > MAX_FORM_FIELDS:
        raise DomainError(f"申请表字段过多（最多{MAX_FORM_FIELDS}项）", code="invalid_form")
    for key, value in form.items():
        if not isinstance(value, str | int | float | bool) and value is not None:
            raise DomainError(f"申请表字段“{key}”只能填写文字或数字", code="invalid_form", detail={"field": key})
        if isinstance(value, str) and len(value) > MAX_FORM_VALUE:
            raise DomainError(f"申请表字段“{key}”过长", code="invalid_form", detail={"field": key})
    return form


def _check_form_fields(item: ServiceItem, form: dict) -> dict:
    """Answers checked against the item's application form, when it defines one (the free
    description 申请事项说明 is always allowed); items without one take free key/values."""
    if not item.form_fields:
        return form
    description = form.get(DESCRIPTION_KEY)
    answers = {k: v for k, v in form.items() if k != DESCRIPTION_KEY}
    clean, errors = formfields.clean_answers(formfields.normalize_fields(item.form_fields), answers)
    if errors:
        raise DomainError(
            "申请表填写有误：" + "；".join(f"{name}（{problem}）" for name, problem in errors.items()),
            code="invalid_form",
            detail=errors,
        )
    if description:
        clean[DESCRIPTION_KEY] = str(description)
    return clean


def applicant_for(user: User, applicant_id: int | None = None) -> Applicant:
    """The applicant a signed-in user files for: themselves, or the legal person they operate."""
    own = selectors.applicants_of(user)
    if applicant_id is not None:
        found = next((a for a in own if a.pk == applicant_id), None)
        if found is None:
            raise NotFound("未找到该申请人", code="applicant_not_found")
        return found
    if not own:
        raise DomainError("该账户尚未绑定申请人身份，请先完成实名认证", code="no_applicant")
    if len(own) > 1:
        raise DomainError("该账户可代表多个申请人，请指定 applicant_id", code="applicant_ambiguous")
    return own[0]


def case_create(
    *,
    actor: User,
    item_code: str,
    applicant: Applicant,
    situation_answers: dict | None = None,
    form: dict | None = None,
    channel: str = Channel.ONLINE,
    hall: Hall | None = None,
) -> Case:
    """A draft case on the item's published version. Materials held in the licence library
    or shared data are filled in at once (免证办)."""
    published = published_version(item_code)
    if published is None:
        raise NotFound("未找到该事项或事项未发布", code="item_not_found")
    item = item_version(*published)
    kind_ok = item.for_natural if applicant.kind == Applicant.Kind.NATURAL else item.for_legal
    if not kind_ok:
        raise DomainError(
            f"该事项的服务对象为{item.get_applicant_type_display()}，申请人类型不符", code="applicant_type_mismatch"
        )
    if channel == Channel.ONLINE and not {"online", "mobile"} & set(item.channels or []):
        raise DomainError(
            f"“{item.name}”不能网上申请，请到{item.hall_location or '政务服务大厅'}窗口办理",
            code="online_not_offered",
        )
    answers = _check_answers(item, situation_answers or {})
    form = _check_form_fields(item, _check_form(form or {}))
    # Reads come before the write transaction (see material_upload).
    materials = materials_for_answers(item, {int(k): v for k, v in answers.items()})
    licences = _library_licences(applicant, materials)
    if hall is None:  # filed online: the hall of the department's region answers for it
        hall = selectors.region_hall(item.department.region_id)
    for _ in range(8):
        # A random number may be taken (rarely): the insert fails and is tried with another.
        # Outermost, the whole transaction is retried; inside a caller's, atomic() makes a
        # savepoint to go back to.
        number = _new_number(item)
        try:
            with transaction.atomic():
                return _case_insert(number, actor, item, applicant, answers, form, channel, hall, materials, licences)
        except IntegrityError:
            if not Case.objects.filter(number=number).exists():
                raise
    raise DomainError("无法生成办件编号，请重试", code="number_exhausted", status=503)


def _library_licences(applicant: Applicant, materials: list[MaterialRequirement]) -> dict[int, object]:
    """Requirement id -> the applicant's usable e-licence for materials the licence library
    can supply (免证办)."""
    from govhall.licences.selectors import usable_licence

    found = {}
    for requirement in materials:
        if requirement.source == MaterialRequirement.Source.LICENCE:
            licence = usable_licence(applicant, requirement.licence_type)
            if licence is not None:
                found[requirement.id] = licence
    return found


def _case_insert(number, actor, item, applicant, answers, form, channel, hall, materials, licences) -> Case:
    case = Case(
        number=number,
        item=item,
        applicant=applicant,
        filed_by=actor,
        channel=channel,
        department=item.department,
        hall=hall,
        situation_answers=answers,
        form=form,
    )
    rows.insert(case)
    events = [event_append(case=case, actor=actor, action="create", to_state=State.DRAFT, data={"channel": channel})]
    filled = _prefill_materials(case, actor, materials, licences, events)
    # Every related row of the new case is known here: the API answers from them instead of
    # reading them back (selectors.with_related_rows; test_api checks it equals a fresh GET).
    case.created_rows = {"materials": filled, "events": events}
    return case


def _prefill_materials(
    case: Case, actor: User, materials: list[MaterialRequirement], licences: dict, events: list[TimelineEvent]
) -> list[SubmittedMaterial]:
    """Fill in what shared data and the licence library hold (免证办); returns the rows made
    and adds their timeline events to ``events``."""
    filled = []
    for requirement in materials:
        if requirement.source == MaterialRequirement.Source.SHARED_DATA:
            filled.append(
                SubmittedMaterial.objects.create(
                    case=case, requirement=requirement, source=SubmittedMaterial.Source.SHARED_DATA, uploaded_by=actor
                )
            )
        elif requirement.source == MaterialRequirement.Source.LICENCE:
            licence = licences.get(requirement.id)
            if licence is None:
                continue  # not in the library: the applicant uploads it like any other material
            filled.append(
                SubmittedMaterial.objects.create(
                    case=case,
                    requirement=requirement,
                    source=SubmittedMaterial.Source.LICENCE,
                    licence_number=licence.number,
                    uploaded_by=actor,
                )
            )
            events.append(
                event_append(
                    case=case,
                    actor=actor,
                    action="licence_reused",
                    comment=f"{requirement.name}：调用电子证照 {licence.number}",
                    data={"requirement_id": requirement.id, "licence": licence.number},
                )
            )
    return filled


def _check_upload(upload) -> tuple[bytes, str]:
    max_bytes = settings.GOVHALL_UPLOAD_MAX_MB * 1024 * 1024
    if upload.size == 0:
        raise DomainError("文件为空，请重新选择", code="empty_file")
    if upload.size > max_bytes:
        raise DomainError(
            f"文件过大：{upload.size / 1024 / 1024:.1f} MB，单个文件不能超过 {settings.GOVHALL_UPLOAD_MAX_MB} MB",
            code="file_too_large",
            detail={"size": upload.size, "max": max_bytes},
        )
    data = upload.read()
    kind = filetype.guess(data)
    mime = kind.mime if kind else ""
    if mime not in ALLOWED_UPLOAD_TYPES:
        raise DomainError(
            "文件格式不支持：只接受 PDF、JPG、PNG 文件（按文件内容识别，改扩展名无效）",
            code="unsupported_file_type",
            detail={"detected": mime or "unknown", "allowed": sorted(ALLOWED_UPLOAD_TYPES)},
        )
    return data, mime


def _upload_allowed(case: Case, actor: User, requirement_id: int):
    """(roles, pending deferral or None, requirement) if ``actor`` may upload this material now."""
    if not selectors.can_see(actor, case):
        raise NotFound("未找到该办件", code="case_not_found")
    roles = selectors.actor_roles(actor, case)
    applicant_side = workflow.APPLICANT in roles
    deferral = (  # deferrals exist only from acceptance on
        case.deferrals.filter(requirement_id=requirement_id, status=Deferral.Status.PENDING).first()
        if case.accepted_on
        else None
    )
    if deferral is not None:
        allowed = applicant_side or Role.CLERK in roles
    elif case.state in (State.DRAFT, State.CORRECTION_REQUESTED):
        allowed = applicant_side
    elif case.state == State.SUBMITTED:
        allowed = Role.CLERK in roles
    else:
        raise Conflict(f"办件当前状态为“{case.get_state_display()}”，不能再上传材料", code="upload_not_allowed")
    if not allowed:
        raise Forbidden("无权为该办件上传材料", code="upload_forbidden")
    requirement = next((m for m in required_materials(case) if m.id == requirement_id), None)
    if requirement is None:
        raise DomainError(
            "该材料不属于本办件的材料清单", code="unknown_requirement", detail={"requirement_id": requirement_id}
        )
    return roles, deferral, requirement


def material_upload(*, case: Case | str, actor: User, requirement_id: int, upload) -> SubmittedMaterial:
    """Attach a file for one of the case's materials. Applicants upload while drafting or
    correcting, and deferred materials after acceptance; clerks scan at the window.
    ``case`` may be given by number (as the API does): it is then read once, under the lock.

    The file's checks and its write come before the write transaction (SQLite holds its
    single write lock for a transaction's whole length, so nothing slow may happen inside
    one); the case's checks run under the lock. A file whose rows are not committed is
    deleted again. The material returned carries ``still_missing``: the case's required
    materials not yet supplied after this one."""
    if not isinstance(case, str):
        _upload_allowed(case, actor, requirement_id)  # a loaded case: refuse before writing a file
    number = case if isinstance(case, str) else case.number
    data, mime = _check_upload(upload)
    material = SubmittedMaterial(
        original_name=(upload.name or "")[:200],
        content_type=mime,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
    )
    material.file.save(f"{number}-{requirement_id}.{ALLOWED_UPLOAD_TYPES[mime].lower()}", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            case = _lock(case)
            roles, deferral, requirement = _upload_allowed(case, actor, requirement_id)
            supplied = selectors.supplied_requirement_ids(case)
            if requirement.id in supplied:  # a new version: the earlier one stays in the history
                SubmittedMaterial.objects.filter(case=case, requirement=requirement, current=True).update(current=False)
            material.case, material.requirement = case, requirement
            # A clerk filing at the window is the case's filer, but what they attach is a scan.
            profile = selectors.staff_profile(actor)
            scanned = Role.CLERK in roles or (profile is not None and profile.role == Role.CLERK)
            material.source = SubmittedMaterial.Source.SCAN if scanned else SubmittedMaterial.Source.UPLOAD
            rows.insert(material)
            if deferral is not None:
                deferral.status = Deferral.Status.RECEIVED
                deferral.received_at = timezone.now()
                deferral.save(update_fields=["status", "received_at"])
            event_append(
                case=case,
                actor=actor,
                role=_role_label(roles),
                action="deferred_material_received" if deferral else "material_uploaded",
                comment=requirement.name,
                data={"requirement_id": requirement.id, "sha256": material.sha256, "size": material.size},
            )
    except BaseException:
        material.file.delete(save=False)
        raise
    supplied.add(requirement.id)
    material.still_missing = [m for m in required_materials(case) if m.required and m.id not in supplied]
    return material


# --------------------------------------------------------------------------- transitions


@dataclass(frozen=True)
class TransitionDone:
    """What ``case_transition`` did, left on the case it returns as ``last_transition``."""

    action: str
    event: TimelineEvent
    documents: list[Document]


@dataclass
class Context:
    """What an action's effect works with: the locked case and the request's parameters."""

    case: Case
    actor: User
    roles: set[str]
    params: dict[str, Any]
    today: datetime.date = field(default_factory=lambda: _today())
    comment: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    notices: list[tuple[str, str]] = field(default_factory=list)  # (event, text) for the applicant
    documents: list[Document] = field(default_factory=list)  # PDFs the action produced

    def text(self, name: str, label: str, *, required: bool = True) -> str:
        value = str(self.params.get(name) or "").strip()
        if required and not value:
            raise DomainError(f"请填写{label}", code="missing_field", detail={"field": name})
        return value


def _effect_submit(ctx: Context) -> None:
    case = ctx.case
    missing = _missing(case, required_materials(case))
    if case.item.deferral_allowed and case.accepted_on is None:
        # The applicant may ask for 容缺受理: the clerk decides at pre-review.
        missing = [m for m in missing if not m.deferrable]
    if missing:
        raise DomainError(
            "以下必要材料尚未提交：" + "、".join(m.name for m in missing),
            code="materials_missing",
            detail={"requirement_ids": [m.id for m in missing]},
        )
    if case.state == State.DRAFT:
        case.submitted_at = timezone.now()
        if case.hall_id is None:  # drafts made before halls were set at creation
            case.hall = selectors.region_hall(case.item.department.region_id)
        ctx.notices.append(("case.submitted", f"您的办件{case.number}（{case.item.name}）已提交，等待预审。"))
    else:  # resubmission after a correction
        case.corrections.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
        _close_pause(case, Pause.Kind.CORRECTION)
        _recompute_deadline(case)


def _accept(ctx: Context) -> None:
    case, item = ctx.case, ctx.case.item
    case.accepted_on = ctx.today
    case.accepted_at = timezone.now()
    case.limit_workdays = 0 if item.is_instant else item.promised_days
    profile = selectors.staff_profile(ctx.actor)
    if profile and profile.window_id and case.intake_window_id is None:
        case.intake_window_id = profile.window_id
    _recompute_deadline(case)


def _acceptance_notice(ctx: Context) -> None:
    case = ctx.case
    _document(
        ctx,
        Document.Kind.ACCEPTANCE_NOTICE,
        documents.render_acceptance_notice(
            documents.AcceptanceNotice(
                header=_header(case),
                accepted_on=case.accepted_on,
                limit_workdays=case.limit_workdays,
                due_date=case.due_date,
                due_provisional=case.due_provisional,
                enquiry_phone=case.item.enquiry_phone or (case.hall.phone if case.hall else ""),
            )
        ),
    )
    ctx.notices.append(("case.accepted", f"您的办件{case.number}已受理，承诺办结日期{case.due_date:%Y年%m月%d日}。"))


def _effect_accept(ctx: Context) -> None:
    missing = _missing(ctx.case, required_materials(ctx.case))
    if missing:
        raise DomainError(
            "材料不齐，不能受理：" + "、".join(m.name for m in missing) + "（可一次性告知补正，或按容缺受理）",
            code="materials_missing",
            detail={"requirement_ids": [m.id for m in missing]},
        )
    _accept(ctx)
    _acceptance_notice(ctx)


def _effect_accept_with_deferral(ctx: Context) -> None:
    case, item = ctx.case, ctx.case.item
    if not item.deferral_allowed:
        raise Conflict("该事项不适用容缺受理", code="deferral_not_allowed")
    deferred_ids = {int(i) for i in ctx.params.get("deferred") or []}
    if not deferred_ids:
        raise DomainError("请选择容缺的材料", code="missing_field", detail={"field": "deferred"})
    commitment_text = ctx.text("commitment", "申请人书面承诺")
    materials = required_materials(case)
    by_id = {m.id: m for m in materials}
    unknown = sorted(deferred_ids - by_id.keys())
    if unknown:
        raise DomainError(
            "容缺材料不属于本办件的材料清单", code="unknown_requirement", detail={"requirement_ids": unknown}
        )
    not_deferrable = [by_id[i] for i in sorted(deferred_ids) if not by_id[i].deferrable]
    if not_deferrable:
        raise Conflict(
            "以下材料不可容缺（主要材料或未列为可容缺）：" + "、".join(m.name for m in not_deferrable),
            code="not_deferrable",
            detail={"requirement_ids": [m.id for m in not_deferrable]},
        )
    missing = [m for m in _missing(case, materials) if m.id not in deferred_ids]
    if missing:
        raise DomainError(
            "除容缺材料外，以下必要材料尚未提交：" + "、".join(m.name for m in missing),
            code="materials_missing",
            detail={"requirement_ids": [m.id for m in missing]},
        )
    present = selectors.supplied_requirement_ids(case)
    already = [by_id[i].name for i in deferred_ids if i in present]
    if already:
        raise DomainError("以下材料已提交，无需容缺：" + "、".join(already), code="already_supplied")
    _accept(ctx)
    calendar = get_calendar()
    due = calendar.due_date(ctx.today, item.deferral_days)
    deferrals = [
        Deferral.objects.create(case=case, requirement=by_id[i], due_date=due.due_date, due_provisional=due.provisional)
        for i in sorted(deferred_ids, key=lambda i: (by_id[i].order, i))
    ]
    signed_by = ctx.text("signed_by", "承诺人", required=False) or case.applicant.name
    commitment = Commitment.objects.create(
        case=case, kind=Commitment.Kind.DEFERRAL, text=commitment_text, signed_by=signed_by, recorded_by=ctx.actor
    )
    _acceptance_notice(ctx)
    _document(
        ctx,
        Document.Kind.DEFERRAL_NOTICE,
        documents.render_deferral_notice(
            documents.DeferralNotice(
                header=_header(case),
                materials=[(d.requirement.name, d.requirement.notes) for d in deferrals],
                due_date=due.due_date,
                due_workdays=item.deferral_days,
                due_provisional=due.provisional,
                supply_methods=SUPPLY_METHODS,
                commitment_text=commitment.text,
                signed_by=commitment.signed_by,
                signed_at=commitment.recorded_at,
            )
        ),
    )
    ctx.data["deferred"] = sorted(deferred_ids)
    ctx.notices.append(
        (
            "case.deferral",
            f"您的办件{case.number}已容缺受理，请于{due.due_date:%Y年%m月%d日}前补齐："
            + "、".join(d.requirement.name for d in deferrals),
        )
    )


def _effect_request_correction(ctx: Context) -> None:
    case = ctx.case
    raw = ctx.params.get("items") or []
    if not isinstance(raw, list) or not raw:
        raise DomainError("请列出需要补正的全部内容（一次性告知）", code="missing_field", detail={"field": "items"})
    by_id = {m.id: m for m in required_materials(case)}
    items = []
    for entry in raw:
        entry = entry if isinstance(entry, dict) else {"problem": str(entry)}
        problem = str(entry.get("problem") or "").strip()
        rid = entry.get("requirement_id")
        if rid is not None and int(rid) not in by_id:
            raise DomainError(
                "补正材料不属于本办件的材料清单", code="unknown_requirement", detail={"requirement_id": rid}
            )
        if not problem:
            raise DomainError("每项补正内容都须写明问题", code="missing_field", detail={"field": "items.problem"})
        name = by_id[int(rid)].name if rid is not None else str(entry.get("name") or "申请表")
        items.append({"requirement_id": int(rid) if rid is not None else None, "name": name, "problem": problem})
    CorrectionRequest.objects.create(case=case, items=items, requested_by=ctx.actor)
    if case.accepted_on is not None:
        Pause.objects.create(case=case, kind=Pause.Kind.CORRECTION, reason="补正材料", from_date=ctx.today)
        _recompute_deadline(case)
    _document(
        ctx,
        Document.Kind.CORRECTION_NOTICE,
        documents.render_correction_notice(
            documents.CorrectionNotice(header=_header(case), items=[(i["name"], i["problem"]) for i in items])
        ),
    )
    ctx.data["items"] = items
    ctx.notices.append(
        ("case.correction", f"您的办件{case.number}需要补正{len(items)}项内容，请登录查看补正通知书并补正后重新提交。")
    )


def _refusal(ctx: Context, kind: str) -> None:
    case = ctx.case
    case.decision_reason = ctx.text("reason", "理由")
    case.decision_legal_basis = ctx.text("legal_basis", "法律依据")
    case.decided_at = case.closed_at = timezone.now()
    doc_kind = Document.Kind.REJECTION_NOTICE if kind == "rejection" else Document.Kind.DENIAL
    _document(
        ctx,
        doc_kind,
        documents.render_refusal_notice(
            documents.RefusalNotice(
                header=_header(case),
                kind=kind,
                reason=case.decision_reason,
                legal_basis=case.decision_legal_basis,
                remedy=REMEDY,
            )
        ),
    )
    label = "不予受理" if kind == "rejection" else "不予许可"
    ctx.notices.append((f"case.{kind}", f"您的办件{case.number}{label}，理由：{case.decision_reason}"))


def _effect_reject(ctx: Context) -> None:
    _refusal(ctx, "rejection")


def _effect_deny(ctx: Context) -> None:
    _close_pause(ctx.case)
    _refusal(ctx, "denial")


def _effect_suspend(ctx: Context) -> None:
    reason = ctx.text("reason", "特别程序事由（如现场核查、专家评审、听证）")
    Pause.objects.create(case=ctx.case, kind=Pause.Kind.SUSPENSION, reason=reason[:200], from_date=ctx.today)
    _recompute_deadline(ctx.case)
    ctx.comment = ctx.comment or reason


def _effect_resume(ctx: Context) -> None:
    _close_pause(ctx.case, Pause.Kind.SUSPENSION)
    _recompute_deadline(ctx.case)


def _effect_approve(ctx: Context) -> None:
    case, item = ctx.case, ctx.case.item
    staff_roles = ctx.roles - {workflow.APPLICANT}
    if Role.CHIEF_APPROVER not in staff_roles and not item.is_instant:
        raise Forbidden("只有首席审批员可以作出审批决定（综合窗口仅可当场办结即办件）", code="role_not_allowed")
    commitment_text = str(ctx.params.get("commitment") or "").strip()
    if commitment_text:
        if not item.commitment_allowed:
            raise Conflict("该事项不适用告知承诺制", code="commitment_not_allowed")
        due = get_calendar().add_workdays(ctx.today, COMMITMENT_VERIFICATION_WORKDAYS)
        Commitment.objects.create(
            case=case,
            kind=Commitment.Kind.NOTIFY_COMMIT,
            text=commitment_text,
            signed_by=ctx.text("signed_by", "承诺人", required=False) or case.applicant.name,
            recorded_by=ctx.actor,
            verification=Commitment.Verification.PENDING,
            verification_due=due,
        )
        case.approval_basis = "commitment"
        ctx.data["verification_due"] = due.isoformat()
    else:
        case.approval_basis = "instant" if item.is_instant else "review"
    case.decided_at = timezone.now()
    _close_pause(case)


def _effect_issue(ctx: Context) -> None:
    case, item = ctx.case, ctx.case.item
    outstanding = [d for d in case.deferrals.select_related("requirement") if d.status != Deferral.Status.CONFIRMED]
    if outstanding:
        raise Conflict(
            "容缺材料尚未补齐并核验，不能出件：" + "、".join(d.requirement.name for d in outstanding),
            code="deferred_materials_outstanding",
            detail={"requirement_ids": [d.requirement_id for d in outstanding]},
        )
    mode = str(ctx.params.get("delivery_mode") or "").strip()
    if mode:
        _check_delivery_mode(case, mode)
        case.delivery_mode = mode
    if item.result_type in (ResultType.LICENCE, ResultType.CERTIFICATE):
        from govhall.licences.services import licence_issue

        licence = licence_issue(
            holder=case.applicant,
            department=case.department,
            item=item,
            case_number=case.number,
            licence_type=item.result_name,
            title=item.result_name,
            data=_licence_data(case),
            actor=ctx.actor,
        )
        case.licence_number = licence.number
        ctx.data["licence"] = licence.number
    else:
        _document(
            ctx,
            Document.Kind.DECISION,
            documents.render_approval_decision(
                documents.ApprovalDecision(
                    header=_header(case),
                    title=item.result_name,
                    decision=f"经审查，申请人{case.applicant.name}申请的“{item.name}”符合法定条件，决定准予许可。",
                    legal_basis=item.legal_basis,
                    fields=list(_licence_data(case).items()),
                )
            ),
        )
    case.issued_at = timezone.now()
    ctx.notices.append(("case.issued", f"您的办件{case.number}已办结，办理结果：{item.result_name}。"))


def _licence_data(case: Case) -> dict[str, str]:
    applicant = case.applicant
    data = {"持证主体": applicant.name}
    if applicant.kind == Applicant.Kind.LEGAL:
        data["统一社会信用代码"] = applicant.uscc
        if applicant.legal_representative:
            data["法定代表人"] = applicant.legal_representative
    else:
        data["身份证号码"] = mask_id_number(applicant.id_number)
    for key, value in (case.form or {}).items():
        if value not in (None, "") and len(data) < 12:
            data[str(key)] = str(value)
    data["事项"] = case.item.name
    data["办件编号"] = case.number
    return data


def _check_delivery_mode(case: Case, mode: str) -> None:
    if mode not in DeliveryMode.values:
        raise DomainError("送达方式不正确", code="invalid_delivery_mode", detail={"allowed": DeliveryMode.values})
    offered = case.item.delivery_modes or [DeliveryMode.WINDOW]
    if mode not in offered:
        labels = "、".join(DeliveryMode(m).label for m in offered)
        raise Conflict(f"该事项的送达方式为：{labels}", code="delivery_mode_not_offered")


def _effect_deliver(ctx: Context) -> None:
    case = ctx.case
    mode = ctx.text("delivery_mode", "送达方式", required=False) or case.delivery_mode or DeliveryMode.WINDOW
    _check_delivery_mode(case, mode)
    if mode == DeliveryMode.LOCKER:
        raise Conflict("自助信包箱投递尚未开通，请选择窗口领取或邮寄", code="locker_unavailable")
    if mode == DeliveryMode.MAIL:
        case.tracking_number = ctx.text("tracking_number", "邮件单号")[:40]
        case.delivery_address = ctx.text("address", "邮寄地址", required=not case.delivery_address) or (
            case.delivery_address
        )
    case.delivery_mode = mode
    case.closed_at = timezone.now()
    ctx.data["delivery_mode"] = mode
    profile = selectors.staff_profile(ctx.actor)
    if mode == DeliveryMode.WINDOW and profile is not None and profile.window_id:
        case.issue_window_id = profile.window_id  # 统一窗口出件: which window handed it over
        ctx.data["window"] = profile.window_id
    ctx.notices.append(("case.delivered", f"您的办件{case.number}办理结果已送达（{DeliveryMode(mode).label}）。"))


def _effect_withdraw(ctx: Context) -> None:
    _close_pause(ctx.case)
    ctx.case.closed_at = timezone.now()


def _effect_revoke(ctx: Context) -> None:
    case = ctx.case
    reason = ctx.text("reason", "撤销理由")
    if case.state in workflow.UNDER_REVIEW and not selectors.overdue_deferrals(case, ctx.today):
        raise Conflict("审批决定作出前，只有容缺材料逾期未补齐时才可撤销", code="revoke_not_justified")
    if case.licence_number:
        from govhall.licences.selectors import licence_get
        from govhall.licences.services import licence_revoke

        licence_revoke(licence=licence_get(case.licence_number), actor=ctx.actor, reason=reason)
    _close_pause(case)
    case.decision_reason = reason
    case.closed_at = timezone.now()
    ctx.comment = ctx.comment or reason
    ctx.notices.append(("case.revoked", f"您的办件{case.number}已被撤销，理由：{reason}"))


def _effect_confirm_deferred(ctx: Context) -> None:
    case = ctx.case
    received = {d.requirement_id: d for d in case.deferrals.filter(status=Deferral.Status.RECEIVED)}
    wanted = {int(i) for i in ctx.params.get("requirement_ids") or received.keys()}
    if not wanted or not wanted <= received.keys():
        raise Conflict("没有已提交待核验的容缺材料", code="nothing_to_confirm", detail={"received": sorted(received)})
    for rid in wanted:
        d = received[rid]
        d.status, d.confirmed_at, d.confirmed_by = Deferral.Status.CONFIRMED, timezone.now(), ctx.actor
        d.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    ctx.data["requirement_ids"] = sorted(wanted)


EFFECTS: dict[str, Callable[[Context], None]] = {
    "submit": _effect_submit,
    "accept": _effect_accept,
    "accept_with_deferral": _effect_accept_with_deferral,
    "request_correction": _effect_request_correction,
    "reject": _effect_reject,
    "suspend": _effect_suspend,
    "resume": _effect_resume,
    "approve": _effect_approve,
    "deny": _effect_deny,
    "issue": _effect_issue,
    "deliver": _effect_deliver,
    "withdraw": _effect_withdraw,
    "revoke": _effect_revoke,
    "confirm_deferred": _effect_confirm_deferred,
}
assert set(EFFECTS) == set(workflow.ACTIONS), "every workflow action needs an effect"


@transaction.atomic
def case_transition(
    *,
    case: Case | str,
    actor: User,
    action: str,
    comment: str = "",
    params: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Case:
    """Move ``case`` (a loaded case, or a number: then read once, under the lock) by
    ``action``. Raises NotFound (actor may not see it), DomainError
    ``unknown_action``, Conflict ``action_not_allowed`` (not in this state), Forbidden
    ``role_not_allowed``, Conflict ``stale_version``, or the action's own errors; on any
    error nothing is written."""
    if action not in workflow.ACTIONS:
        raise DomainError(f"未知的操作：{action}", code="unknown_action", detail={"allowed": list(workflow.ACTIONS)})
    case = _lock(case)
    if not selectors.can_see(actor, case):
        raise NotFound("未找到该办件", code="case_not_found")
    transition = workflow.transition_for(case.state, action)
    if transition is None:
        raise Conflict(
            f"办件当前状态为“{case.get_state_display()}”，不能执行此操作",
            code="action_not_allowed",
            detail={"state": case.state, "action": action},
        )
    roles = selectors.actor_roles(actor, case)
    acting = roles & set(transition.roles)
    if not acting:
        raise Forbidden("您的角色无权执行此操作", code="role_not_allowed", detail={"action": action})
    if expected_version is not None and expected_version != case.version:
        raise Conflict("办件已被他人更新，请刷新后重试", code="stale_version", detail={"version": case.version})
    ctx = Context(case=case, actor=actor, roles=roles, params=params or {}, comment=comment.strip()[:2000])
    from_state = case.state
    before = _row_values(case)
    try:
        EFFECTS[action](ctx)
    except BaseException:
        # The rows roll back with the transaction; the PDFs already written must go too.
        for doc in ctx.documents:
            doc.file.delete(save=False)
        raise
    target = workflow.resolve_target(transition, accepted=case.accepted_on is not None)
    case.state = target
    case.version += 1
    event = event_append(
        case=case,
        actor=actor,
        action=action,
        role=_role_label(acting),
        from_state=from_state,
        to_state=target,
        comment=ctx.comment,
        data=ctx.data,
        save_head=False,
    )
    rows.update(case, [*_changed_fields(case, before), "updated_at"])
    for doc in ctx.documents:
        event_append(
            case=case,
            actor=actor,
            role=_role_label(acting),
            action="document_created",
            comment=doc.get_kind_display(),
            data={"kind": doc.kind, "sha256": doc.sha256},
        )
    for notice, text in ctx.notices:
        _notify(case, notice, text)
    case.last_transition = TransitionDone(action=action, event=event, documents=ctx.documents)
    return case


def _row_values(case: Case) -> dict[str, Any]:
    return {f.name: getattr(case, f.attname) for f in Case._meta.concrete_fields}


def _changed_fields(case: Case, before: dict[str, Any]) -> list[str]:
    # Effects assign fields rather than mutate them in place, so a comparison finds them all.
    return [name for name, value in _row_values(case).items() if value != before[name]]


@transaction.atomic
def case_handle_instant(*, case: Case, actor: User, comment: str = "") -> Case:
    """即办件: accept, decide and issue in one sitting at the window (all or nothing)."""
    if not case.item.is_instant:
        raise Conflict("只有即办件可以当场办结", code="not_instant")
    for action in ("accept", "approve", "issue"):
        case = case_transition(case=case, actor=actor, action=action, comment=comment)
    return case


@transaction.atomic
def commitment_verify(*, case: Case, actor: User, passed: bool, comment: str) -> Commitment:
    """Record the post-approval check of a notify-and-commit approval; a failed check
    revokes the result and its e-licence."""
    case = _lock(case)
    if not selectors.can_see(actor, case):
        raise NotFound("未找到该办件", code="case_not_found")
    roles = selectors.actor_roles(actor, case)
    if not roles & {Role.CHIEF_APPROVER, Role.REVIEWER}:
        raise Forbidden("只有审批部门可以核查承诺", code="role_not_allowed")
    commitment = case.commitments.filter(
        kind=Commitment.Kind.NOTIFY_COMMIT, verification=Commitment.Verification.PENDING
    ).first()
    if commitment is None:
        raise Conflict("该办件没有待核查的告知承诺", code="nothing_to_verify")
    comment = comment.strip()
    if not comment:
        raise DomainError("请填写核查意见", code="missing_field", detail={"field": "comment"})
    commitment.verification = Commitment.Verification.PASSED if passed else Commitment.Verification.FAILED
    commitment.verified_at, commitment.verified_by, commitment.verification_comment = timezone.now(), actor, comment
    commitment.save()
    event_append(
        case=case,
        actor=actor,
        role=_role_label(roles),
        action="commitment_verified",
        comment=comment,
        data={"passed": passed},
    )
    if not passed:
        case_transition(case=case, actor=actor, action="revoke", params={"reason": f"告知承诺核查不实：{comment}"})
    return commitment


@transaction.atomic
def personal_data_view(*, case: Case, actor: User, purpose: str) -> Applicant:
    """Full identity data of the applicant for staff who need it (e.g. to check the ID at
    the window). Every such read is recorded in the timeline."""
    roles = selectors.actor_roles(actor, case) - {workflow.APPLICANT}
    if not roles:
        raise NotFound("未找到该办件", code="case_not_found")
    case = _lock(case)
    event_append(case=case, actor=actor, role=_role_label(roles), action="personal_data_viewed", comment=purpose[:200])
    return case.applicant


def deadlines_recompute(*, case_ids: Iterable[int] | None = None) -> int:
    """Recompute due dates of open cases (after the calendar changed). Returns how many moved."""
    open_states = [State.ACCEPTED, State.SUSPENDED, State.CORRECTION_REQUESTED]
    qs = Case.objects.filter(state__in=open_states, accepted_on__isnull=False)
    if case_ids is not None:
        qs = qs.filter(pk__in=list(case_ids))
    moved = 0
    calendar = get_calendar()
    for case_id in qs.values_list("pk", flat=True):
        with transaction.atomic():
            case = Case.objects.select_for_update(of=("self",)).select_related("item").get(pk=case_id)
            before = (case.due_date, case.due_provisional)
            _recompute_deadline(case)
            for d in case.deferrals.filter(status=Deferral.Status.PENDING):
                due = calendar.due_date(case.accepted_on, case.item.deferral_days)
                if (d.due_date, d.due_provisional) != (due.due_date, due.provisional):
                    d.due_date, d.due_provisional = due.due_date, due.provisional
                    d.save(update_fields=["due_date", "due_provisional"])
            if (case.due_date, case.due_provisional) != before:
                case.save(update_fields=["due_date", "due_provisional", "clock_paused", "updated_at"])
                event_append(
                    case=case,
                    actor=None,
                    action="deadline_recomputed",
                    comment="工作日历更新，重新计算到期日",
                    data={"before": str(before[0]), "after": str(case.due_date)},
                )
                moved += 1
    return moved
