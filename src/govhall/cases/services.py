"""Every change to a case. Pages, the API and background tasks call these and nothing else
writes the cases app's models.

``case_transition`` is the one door for state changes: it locks the case row, checks the
action's row in the workflow table (``actions.py``: state, role, guard, parameters),
applies the action's effect and appends a timeline event, all in one transaction, and
publishes the typed case events (``events.py``) that other apps subscribe to; they run
after the commit.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from govhall.accounts import scope
from govhall.accounts.models import Applicant, Hall, User
from govhall.accounts.roles import Role
from govhall.audit import services as audit
from govhall.audit.models import Kind as AuditKind
from govhall.cases import actions, rules, selectors, workflow
from govhall.cases.effects import Context, recompute_deadline
from govhall.cases.events import (
    CaseCreated,
    CaseNoted,
    CaseTransitioned,
    DocumentCreated,
    EventKind,
    MaterialAdded,
    is_foreign_kind,
)
from govhall.cases.models import (
    Case,
    Channel,
    Deferral,
    Document,
    State,
    SubmittedMaterial,
    TimelineEvent,
)
from govhall.catalog import formfields
from govhall.catalog.models import MaterialRequirement, ServiceItem
from govhall.catalog.selectors import item_version, materials_for_answers, published_version
from govhall.core import events, rows
from govhall.core.errors import Conflict, DomainError, Forbidden, NotFound
from govhall.workdays.selectors import get_calendar

logger = logging.getLogger(__name__)

# Content types accepted for materials, detected from the bytes (not the file name).
ALLOWED_UPLOAD_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG"}
MAX_FORM_FIELDS = 60
# The free description a page may add to any application form.
DESCRIPTION_KEY = "申请事项说明"
MAX_FORM_VALUE = 2000


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
    for role in (*Role.values, workflow.APPLICANT, workflow.SYSTEM):
        if role in roles:
            return role
    return ""


def _acting(actor: User | None, case: Case, roles: set[str]) -> tuple[str, dict[str, Any]]:
    """The role a timeline event records for ``actor`` and, when they act on the applicant
    side without being the applicant or one of its operators (a clerk filing at the window,
    an assistant under an authorisation: 帮办代办), whom they act for."""
    role = _role_label(roles)
    if actor is None or role != workflow.APPLICANT or scope.acts_for(actor, case.applicant):
        return role, {}
    return scope.staff_role(actor) or role, {"on_behalf_of": case.applicant.name}


def event_append(
    *,
    case: Case,
    actor: User | None,
    action: EventKind | str,
    role: str = "",
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
    data: dict | None = None,
    save_head: bool = True,
    by: str = "",
) -> TimelineEvent:
    """Append to the case's hash chain. The caller holds the case's row lock, so seq and
    prev_hash cannot race; the case's head fields are saved here. ``action`` is an
    ``EventKind`` or a kind another app registered (``events.register_kind``); ``by`` names
    what acted when no person did (a locker cabinet)."""
    if not isinstance(action, EventKind) and not is_foreign_kind(action):
        raise TypeError(f"timeline events are EventKind or registered kinds, not {action!r}")
    event = TimelineEvent(
        case=case,
        seq=case.event_count + 1,
        action=action,
        actor=actor,
        actor_name=(actor.display_name or actor.username) if actor else (by or "系统"),
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
    """The 12-digit region code (GB/T 2260) + date + 6 random digits, 26 digits: readable at
    the window, not enumerable (numbers given before 2026-12 began with 6 digits: 20 in all)."""
    region = item.department.region.code
    return f"{region}{timezone.localdate():%Y%m%d}{secrets.randbelow(10**6):06d}"


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
    """The applicant a signed-in user files for: themselves, the legal person they operate,
    or (an assistant, naming them) one who authorised them (帮办代办: ``case_create`` checks
    the authorisation covers the item)."""
    own = scope.represented(user)
    if applicant_id is not None:
        found = next((a for a in own if a.pk == applicant_id), None)
        if found is None and scope.staff_role(user) == Role.ASSISTANT:
            found = Applicant.objects.filter(pk=applicant_id).first()
            # the same answer whether or not the id exists: an assistant cannot probe
            # which applicants are registered
            if found is None or scope.mandate_for(user, found) is None:
                raise Forbidden(
                    "您没有该申请人有效的帮办代办委托（委托书未确认、已过期或已撤销）", code="no_authorisation"
                )
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
    _check_mandate(actor, applicant, item.code)
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


@dataclass(frozen=True)
class IntakeApplicant:
    """The applicant as the clerk identifies them at the window (一窗受理)."""

    kind: str
    code: str  # resident ID or credit code
    name: str = ""
    phone: str = ""
    legal_representative: str = ""


@transaction.atomic
def window_intake(
    *,
    actor: User,
    item_code: str,
    applicant: IntakeApplicant,
    situation_answers: dict | None = None,
    form: dict | None = None,
) -> tuple[Case, Applicant, bool]:
    """一窗受理: the clerk finds or registers the applicant and files a draft for them at their
    hall, all or nothing. Returns (case, applicant, whether the applicant was registered now)."""
    found, created, hall = window_applicant(actor=actor, applicant=applicant)
    case = case_create(
        actor=actor,
        item_code=item_code,
        applicant=found,
        situation_answers=situation_answers,
        form=form,
        channel=Channel.WINDOW,
        hall=hall,
    )
    return case, found, created


def window_applicant(*, actor: User, applicant: IntakeApplicant) -> tuple[Applicant, bool, Hall]:
    """The general window's first step, for a single case or a whole bundle: only a clerk of
    a hall; the applicant found by ID or credit code, or registered now. Returns (applicant,
    whether registered now, the clerk's hall). Call it inside the filing's transaction."""
    from govhall.accounts.services import applicant_find_or_register

    profile = scope.staff_profile(actor)
    if scope.staff_role(actor) != Role.CLERK:
        raise Forbidden("窗口收件仅供综合窗口受理员使用", code="role_not_allowed")
    if profile is None or profile.hall_id is None:
        raise DomainError("您的账户未分配到政务服务大厅，不能窗口收件", code="no_hall")
    natural = applicant.kind == Applicant.Kind.NATURAL
    found, created = applicant_find_or_register(
        kind=applicant.kind,
        actor=actor,
        name=applicant.name,
        id_number=applicant.code if natural else "",
        uscc="" if natural else applicant.code,
        phone=applicant.phone,
        legal_representative=applicant.legal_representative,
    )
    return found, created, profile.hall


def _check_mandate(actor: User, applicant: Applicant, item_code: str) -> None:
    """An assistant files only for an applicant who authorised them for this item (委托书);
    the applicant, their operators and the clerks at a window need none."""
    if scope.staff_role(actor) != Role.ASSISTANT or scope.acts_for(actor, applicant):
        return
    if scope.mandate_for(actor, applicant, item_code) is None:
        raise Forbidden(
            "您没有该申请人办理此事项的有效委托（委托书未确认、已过期、已撤销或不含此事项）",
            code="no_authorisation",
            detail={"item_code": item_code},
        )


def _library_licences(applicant: Applicant, materials: list[MaterialRequirement]) -> dict[int, object]:
    """Requirement id -> the applicant's usable e-licence for materials the licence library
    can supply (免证办)."""
    from govhall.licences.selectors import usable_licences

    from_library = [m for m in materials if m.source == MaterialRequirement.Source.LICENCE]
    usable = usable_licences(applicant, [m.licence_type for m in from_library])
    return {m.id: usable[m.licence_type] for m in from_library if m.licence_type in usable}


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
        green_channel=item.green_channel or applicant.green_channel,
    )
    rows.insert(case)
    # the filer is on the applicant side: the applicant, an operator, or someone acting for
    # them (a clerk at the window, an assistant under a 委托书), recorded as such
    role, behalf = _acting(actor, case, {workflow.APPLICANT})
    created = [
        event_append(
            case=case,
            actor=actor,
            action=EventKind.CREATE,
            role=role,
            to_state=State.DRAFT,
            data={"channel": channel, **behalf},
        )
    ]
    filled = _prefill_materials(case, actor, materials, licences, created, role, behalf)
    events.publish(
        CaseCreated(case_id=case.pk, number=case.number, item_code=item.code, channel=channel, filed_by_id=actor.pk)
    )
    for material in filled:
        _material_added(case, material)
    # Every related row of the new case is known here: the API answers from them instead of
    # reading them back (selectors.with_related_rows; test_api checks it equals a fresh GET).
    case.created_rows = {"materials": filled, "events": created}
    return case


def _material_added(case: Case, material: SubmittedMaterial, *, deferred: bool = False) -> None:
    events.publish(
        MaterialAdded(
            case_id=case.pk,
            number=case.number,
            requirement_id=material.requirement_id,
            material_id=material.pk,
            source=material.source,
            deferred=deferred,
        )
    )


def _prefill_materials(
    case: Case,
    actor: User,
    materials: list[MaterialRequirement],
    licences: dict,
    created: list[TimelineEvent],
    role: str,
    behalf: dict,
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
            created.append(
                event_append(
                    case=case,
                    actor=actor,
                    action=EventKind.LICENCE_REUSED,
                    role=role,
                    comment=f"{requirement.name}：调用电子证照 {licence.number}",
                    data={"requirement_id": requirement.id, "licence": licence.number, **behalf},
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
    problem = _unreadable(data, mime)
    if problem:
        raise DomainError(problem, code="unreadable_file", detail={"detected": mime})
    return data, mime


def _unreadable(data: bytes, mime: str) -> str:
    """Why a file whose first bytes say PDF, JPEG or PNG is not one a reviewer can open
    (a ``%PDF`` header in front of HTML, a truncated scan, an image bomb), or ""."""
    import io

    if mime == "application/pdf":
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError

        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                return "PDF 文件已加密，请上传未加密的文件"
            if len(reader.pages) == 0:
                return "PDF 文件没有页面，请重新导出后上传"
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
            return "PDF 文件已损坏或不是真正的 PDF，请重新导出后上传"
        return ""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()  # structure and checksums
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # every pixel is there (a truncated scan fails here)
    except Image.DecompressionBombError:
        return "图片像素过多，请缩小后上传"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return "图片文件已损坏或不完整，请重新拍摄或扫描后上传"
    return ""


def _upload_allowed(case: Case, actor: User, requirement_id: int):
    """(roles, pending deferral or None, requirement, the case's required materials) if
    ``actor`` may upload this material now (``rules.upload_refusal``, as the page offers)."""
    if not selectors.can_see(actor, case):
        raise NotFound("未找到该办件", code="case_not_found")
    roles = selectors.actor_roles(actor, case)
    required = selectors.required_materials(case)
    requirement = next((m for m in required if m.id == requirement_id), None)
    deferral = (  # deferrals exist only from acceptance on
        case.deferrals.filter(requirement_id=requirement_id, status=Deferral.Status.PENDING).first()
        if case.accepted_on and requirement is not None
        else None
    )
    if requirement is None:
        refusal = rules.upload_refusal(case, roles, None, pending_deferral=False, supplied_from_licence=False)
        if refusal is None:
            refusal = DomainError(
                "该材料不属于本办件的材料清单", code="unknown_requirement", detail={"requirement_id": requirement_id}
            )
        raise refusal
    from_licence = (  # asked only of the few materials the licence library may supply
        requirement.source == MaterialRequirement.Source.LICENCE
        and SubmittedMaterial.objects.filter(
            case=case, requirement_id=requirement_id, current=True, source=SubmittedMaterial.Source.LICENCE
        ).exists()
    )
    refusal = rules.upload_refusal(
        case, roles, requirement, pending_deferral=deferral is not None, supplied_from_licence=from_licence
    )
    if refusal is not None and refusal.code == "upload_forbidden" and _lapsed_assistant(actor, case):
        raise Forbidden("您对该申请人的帮办代办委托已过期或已撤销，不能再代为办理", code="no_authorisation")
    if refusal is not None:
        raise refusal
    return roles, deferral, requirement, required


def material_upload(*, case: Case | str, actor: User, requirement_id: int, upload) -> SubmittedMaterial:
    """Attach a file for one of the case's materials. Applicants upload while drafting or
    correcting, and deferred materials after acceptance; clerks scan at the window.
    ``case`` may be given by number (as the API does): it is then read once, under the lock.

    The file's checks and its write come before the write transaction (SQLite holds its
    single write lock for a transaction's whole length, so nothing slow may happen inside
    one); the case's checks run under the lock. A file whose rows are not committed is
    deleted again. The material returned carries ``still_missing``: the case's required
    materials not yet supplied after this one."""
    # Refuse before writing anything: an outsider must not make the server write (and delete
    # again) 10 MB. Read without the lock here; the same check runs again under it.
    seen = selectors.case_row(number=case) if isinstance(case, str) else case
    if seen is None:
        raise NotFound("未找到该办件", code="case_not_found")
    _upload_allowed(seen, actor, requirement_id)
    number = seen.number
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
            roles, deferral, requirement, required = _upload_allowed(case, actor, requirement_id)
            supplied = selectors.supplied_requirement_ids(case)
            if requirement.id in supplied:  # a new version: the earlier one stays in the history
                SubmittedMaterial.objects.filter(case=case, requirement=requirement, current=True).update(current=False)
            material.case, material.requirement = case, requirement
            # A clerk filing at the window is the case's filer, but what they attach is a scan.
            scanned = Role.CLERK in roles or scope.staff_role(actor) == Role.CLERK
            material.source = SubmittedMaterial.Source.SCAN if scanned else SubmittedMaterial.Source.UPLOAD
            rows.insert(material)
            if deferral is not None:
                deferral.status = Deferral.Status.RECEIVED
                deferral.received_at = timezone.now()
                deferral.save(update_fields=["status", "received_at"])
            role, behalf = _acting(actor, case, roles)
            event_append(
                case=case,
                actor=actor,
                role=role,
                action=EventKind.DEFERRED_MATERIAL_RECEIVED if deferral else EventKind.MATERIAL_UPLOADED,
                comment=requirement.name,
                data={"requirement_id": requirement.id, "sha256": material.sha256, "size": material.size, **behalf},
            )
            _material_added(case, material, deferred=deferral is not None)
    except BaseException:
        material.file.delete(save=False)
        raise
    supplied.add(requirement.id)
    material.still_missing = [m for m in required if m.required and m.id not in supplied]
    return material


# --------------------------------------------------------------------------- transitions


@dataclass(frozen=True)
class TransitionDone:
    """What ``case_transition`` did, left on the case it returns as ``last_transition``."""

    action: str
    event: TimelineEvent
    documents: list[Document]


@transaction.atomic
def case_transition(
    *,
    case: Case | str,
    actor: User | None,
    action: str,
    comment: str = "",
    params: Any = None,
    expected_version: int | None = None,
    by: str = "",
) -> Case:
    """Move ``case`` (a loaded case, or a number: then read once, under the lock) by
    ``action`` with its ``params`` (a dict, or the action's Params model as the API parsed
    it). ``actor=None`` is another app's service acting without a person (role ``system``,
    named ``by`` in the timeline), allowed only where the action's row lists that role.

    Raises NotFound (actor may not see it), DomainError ``unknown_action``, Conflict
    ``action_not_allowed`` (not in this state), Forbidden ``role_not_allowed``, Conflict
    ``stale_version``, the guard's error, ``missing_field``/``invalid_field`` (or the row's
    prompt) for the parameters, or the effect's own errors; on any error nothing is written."""
    actions.known(action)
    case = _lock(case)
    if actor is None:
        roles = {workflow.SYSTEM}
    elif not selectors.can_see(actor, case):
        raise NotFound("未找到该办件", code="case_not_found")
    else:
        roles = selectors.actor_roles(actor, case)
    row = actions.row_for(case.state, action)
    ctx = Context(case=case, actor=actor, roles=roles, comment=comment.strip()[:2000])
    refusal = actions.refusal(case, roles, action, ctx.today)
    if refusal is not None and refusal.code == "role_not_allowed" and _lapsed_assistant(actor, case):
        raise Forbidden("您对该申请人的帮办代办委托已过期或已撤销，不能再代为办理", code="no_authorisation")
    if refusal is not None and refusal.code in ("action_not_allowed", "role_not_allowed"):
        raise refusal
    if expected_version is not None and expected_version != case.version:
        raise Conflict("办件已被他人更新，请刷新后重试", code="stale_version", detail={"version": case.version})
    if refusal is not None:  # the guard's
        raise refusal
    ctx.params = row.parse(params, ctx)
    if row.comment and not ctx.comment:
        raise DomainError(f"请填写{row.comment}", code="missing_field", detail={"field": "comment"})
    role, behalf = _acting(actor, case, roles & set(row.roles))
    from_state = case.state
    before = _row_values(case)
    try:
        row.effect(ctx)
    except BaseException:
        # The rows roll back with the transaction; what went out must be taken back.
        _undo_outside(ctx)
        raise
    case.state = row.next_state(ctx, from_state)
    case.version += 1
    event = event_append(
        case=case,
        actor=actor,
        action=row.event,
        role=role,
        from_state=from_state,
        to_state=case.state,
        comment=ctx.comment,
        data={**ctx.data, **behalf},
        save_head=False,
        by=by,
    )
    rows.update(case, [*_changed_fields(case, before), "updated_at"])
    for doc in ctx.documents:
        event_append(
            case=case,
            actor=actor,
            role=role,
            action=EventKind.DOCUMENT_CREATED,
            comment=doc.get_kind_display(),
            data={"kind": doc.kind, "sha256": doc.sha256},
            by=by,
        )
    events.publish(
        CaseTransitioned(
            case_id=case.pk,
            number=case.number,
            action=action,
            from_state=from_state,
            to_state=case.state,
            event_id=event.pk,
            actor_id=actor.pk if actor else None,
        )
    )
    for doc in ctx.documents:
        events.publish(DocumentCreated(case_id=case.pk, number=case.number, document_id=doc.pk, kind=doc.kind))
    case.last_transition = TransitionDone(action=action, event=event, documents=ctx.documents)
    return case


def _lapsed_assistant(actor: User | None, case: Case) -> bool:
    """The assistant who filed ``case`` sees it still but acts no more: their authorisation lapsed."""
    return actor is not None and case.filed_by_id == actor.pk and scope.staff_role(actor) == Role.ASSISTANT


def _undo_outside(ctx: Context) -> None:
    """After a failed transition: the PDFs already written go, hand-overs to a carrier are
    cancelled (their rows roll back with the transaction)."""
    for doc in ctx.documents:
        doc.file.delete(save=False)
    for provider, receipt in ctx.receipts:
        try:
            provider.cancel(receipt)
        except Exception:
            logger.exception("could not cancel the hand-over %s of case %s", receipt, ctx.case.number)


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


def commitment_verify(*, case: Case | str, actor: User, passed: bool, comment: str) -> Case:
    """Record the post-approval check of a notify-and-commit approval (the action
    ``verify_commitment``: a failed check recorded by the chief approver revokes the result
    and its e-licence; recorded by a reviewer, it waits for the chief approver)."""
    return case_transition(
        case=case, actor=actor, action="verify_commitment", comment=comment, params={"passed": passed}
    )


@transaction.atomic
def case_note(
    *,
    case: Case | str,
    actor: User | None,
    kind: str,
    comment: str = "",
    data: dict | None = None,
    by: str = "",
) -> TimelineEvent:
    """Another app records in the case's timeline what it did for the case (papers dropped
    into a locker, received at a station…): ``kind`` is one it registered
    (``events.register_kind``); the state does not change. ``actor=None`` with ``by`` for a
    machine. Publishes ``CaseNoted``. The one way other apps write to a case's history."""
    if not is_foreign_kind(kind):
        raise ValueError(f"{kind!r} is not a registered timeline kind (cases.events.register_kind)")
    case = _lock(case)
    roles: set[str] = set()
    if actor is not None:
        if not selectors.can_see(actor, case):
            raise NotFound("未找到该办件", code="case_not_found")
        roles = selectors.actor_roles(actor, case)
    role, behalf = _acting(actor, case, roles or {workflow.SYSTEM})
    event = event_append(
        case=case, actor=actor, action=kind, role=role, comment=comment[:2000], data={**(data or {}), **behalf}, by=by
    )
    events.publish(CaseNoted(case_id=case.pk, number=case.number, kind=kind, event_id=event.pk))
    return event


@transaction.atomic
def personal_data_view(*, case: Case, actor: User, purpose: str) -> Applicant:
    """Full identity data of the applicant for staff who need it (e.g. to check the ID at
    the window). Every such read is recorded in the case's timeline and in the security
    audit log (which a supervisor reviews across cases, 等保 8.1.4.3)."""
    roles = selectors.actor_roles(actor, case) & set(workflow.PERSONAL_DATA)
    if not roles:
        raise NotFound("未找到该办件", code="case_not_found")
    case = _lock(case)
    event_append(
        case=case, actor=actor, role=_role_label(roles), action=EventKind.PERSONAL_DATA_VIEWED, comment=purpose[:200]
    )
    audit.record(
        kind=AuditKind.PERSONAL_DATA_VIEWED,
        actor=actor,
        subject=case.applicant,
        data={"case": case.number, "purpose": purpose[:200]},
    )
    return case.applicant


def deadlines_recompute(*, case_ids: Iterable[int] | None = None) -> int:
    """Recompute due dates of open cases (after the calendar changed). Returns how many moved."""
    qs = Case.objects.filter(state__in=workflow.CLOCKED, accepted_on__isnull=False)
    if case_ids is not None:
        qs = qs.filter(pk__in=list(case_ids))
    moved = 0
    calendar = get_calendar()
    for case_id in qs.values_list("pk", flat=True):
        with transaction.atomic():
            case = Case.objects.select_for_update(of=("self",)).select_related("item").get(pk=case_id)
            before = (case.due_date, case.due_provisional)
            recompute_deadline(case)
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
                    action=EventKind.DEADLINE_RECOMPUTED,
                    comment="工作日历更新，重新计算到期日",
                    data={"before": str(before[0]), "after": str(case.due_date)},
                )
                moved += 1
    return moved
