"""Every change to a bundle case. The member cases change only through
``cases.services`` (``case_create``, ``material_upload``, ``case_transition``): the bundle
adds no door of its own to the cases app (decision 0007).

All-or-nothing where the cases API allows it (decision 0009): creating the member cases and
submitting them run in one transaction of ours around the cases' own (theirs nest as
savepoints), so a refused member undoes the others; their events go out after our commit.
A material is checked once, then attached member by member (``material_upload`` writes its
file before its transaction, so it does not nest): a refusal stops at that member, and
sending it again replaces what earlier members got.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from govhall.accounts import scope
from govhall.accounts.models import Applicant, Hall, User
from govhall.bundles import selectors
from govhall.bundles.models import BundleCase, BundleCaseMember, BundleNotice, Delivery, Status
from govhall.cases import selectors as case_selectors
from govhall.cases import services as case_services
from govhall.cases.models import Channel, State
from govhall.cases.workflow import BEFORE_DECISION, TERMINAL
from govhall.catalog import bundles as catalog_bundles
from govhall.catalog import formfields
from govhall.catalog.models import DeliveryMode
from govhall.core.errors import Conflict, DomainError, Forbidden, NotFound

MAX_FORM_FIELDS = 80
# what acted when the bundle delivers held results itself (decision 0007's system door)
SYSTEM_BY = "bundles.unified_delivery"


def _new_number(code: str) -> str:
    return f"YJS{timezone.localdate():%Y%m%d}{secrets.randbelow(10**6):06d}"


def _check_form(fields: list[catalog_bundles.UnifiedField], form: Any) -> dict[str, str]:
    """The one form's answers checked by its unified field names (required, types,
    choices), with every error by that name."""
    if not isinstance(form, dict):
        raise DomainError("申请表应为键值对象", code="invalid_form")
    if len(form) > MAX_FORM_FIELDS:
        raise DomainError(f"申请表字段过多（最多{MAX_FORM_FIELDS}项）", code="invalid_form")
    for key, value in form.items():
        if not isinstance(value, str | int | float | bool) and value is not None:
            raise DomainError(f"申请表字段“{key}”只能填写文字或数字", code="invalid_form", detail={key: "格式不正确"})
    clean, errors = formfields.clean_answers([f.definition() for f in fields], form)
    if errors:
        raise DomainError(
            "申请表填写有误：" + "；".join(f"{name}（{problem}）" for name, problem in errors.items()),
            code="invalid_form",
            detail=errors,
        )
    return clean


def plan(bundle_code: str, raw_answers: dict | None) -> tuple[Any, dict[int, int], list, list]:
    """(bundle, answers, applying members with their items, the one form) for an
    applicant's answers; NotFound when the bundle is not published."""
    bundle = catalog_bundles.bundle_get(bundle_code)
    if bundle is None:
        raise NotFound("未找到该一件事或尚未发布", code="bundle_not_found")
    answers = catalog_bundles.parse_answers(bundle, raw_answers or {})
    items = catalog_bundles.member_items(bundle)
    applying = [
        (m, items[m.item_code]) for m in catalog_bundles.members_for_answers(bundle, answers) if m.item_code in items
    ]
    fields = catalog_bundles.unified_form(bundle, [item for _, item in applying])
    return bundle, answers, applying, fields


def bundle_case_create(
    *,
    actor: User,
    bundle_code: str,
    applicant: Applicant,
    answers: dict | None = None,
    form: dict | None = None,
    delivery: str = Delivery.TOGETHER,
    delivery_mode: str = "",
    channel: str = Channel.ONLINE,
    hall: Hall | None = None,
) -> BundleCase:
    """A draft bundle case with one draft member case per applying member, each with its
    part of the one form, taken in at ``hall`` (by default the one serving the first
    member's region). All or nothing."""
    bundle, chosen, applying, fields = plan(bundle_code, answers)
    if not applying:
        raise DomainError("按您的情形，本一件事没有需要办理的事项", code="no_members")
    clean = _check_form(fields, form or {})
    if delivery not in Delivery.values:
        raise DomainError("送达安排不正确", code="invalid_delivery", detail={"allowed": Delivery.values})
    if delivery_mode:
        offered = [
            m for m in DeliveryMode.values if all(m in (item.delivery_modes or ["window"]) for _, item in applying)
        ]
        if delivery_mode not in offered:
            raise DomainError(
                "各事项都提供的送达方式为：" + "、".join(DeliveryMode(m).label for m in offered),
                code="delivery_mode_not_offered",
                detail={"allowed": offered},
            )
    hall = hall or case_selectors.region_hall(applying[0][1].department.region_id)
    for _ in range(8):
        number = _new_number(bundle.code)
        try:
            with transaction.atomic():
                bundle_case = BundleCase.objects.create(
                    number=number,
                    bundle=bundle,
                    applicant=applicant,
                    filed_by=actor,
                    hall=hall,
                    answers={str(k): v for k, v in chosen.items()},
                    form=clean,
                    delivery=delivery,
                    delivery_mode=delivery_mode,
                )
                for order, (_member, item) in enumerate(applying):
                    case = case_services.case_create(
                        actor=actor,
                        item_code=item.code,
                        applicant=applicant,
                        form=catalog_bundles.member_form(fields, clean, item.code),
                        channel=channel,
                        hall=hall,  # one window takes the whole bundle in (一窗受理)
                    )
                    BundleCaseMember.objects.create(
                        bundle_case=bundle_case, case=case, item_code=item.code, order=order
                    )
                return bundle_case
        except IntegrityError:
            if not BundleCase.objects.filter(number=number).exists():
                raise
    raise DomainError("无法生成办件编号，请重试", code="number_exhausted", status=503)


@transaction.atomic
def bundle_window_intake(
    *,
    actor: User,
    bundle_code: str,
    applicant: case_services.IntakeApplicant,
    answers: dict | None = None,
    form: dict | None = None,
    delivery: str = Delivery.TOGETHER,
    delivery_mode: str = "",
) -> tuple[BundleCase, Applicant, bool]:
    """一窗受理 of a whole bundle for an applicant standing at the general window: the clerk
    identifies (or registers) them and files the bundle at the clerk's hall, every member on
    the window channel; the clerk then scans the one set of materials and submits, as the
    applicant would online. All or nothing. Returns (bundle case, applicant, registered now)."""
    found, created, hall = case_services.window_applicant(actor=actor, applicant=applicant)
    bundle_case = bundle_case_create(
        actor=actor,
        bundle_code=bundle_code,
        applicant=found,
        answers=answers,
        form=form,
        delivery=delivery,
        delivery_mode=delivery_mode,
        channel=Channel.WINDOW,
        hall=hall,
    )
    return bundle_case, found, created


def _for_applicant(bundle_case: BundleCase | str, actor: User) -> BundleCase:
    if isinstance(bundle_case, str):
        bundle_case = selectors.bundle_case_for_actor(bundle_case, actor)
    elif not selectors.can_see(actor, bundle_case):
        raise NotFound("未找到该一件事办件", code="bundle_case_not_found")
    if not selectors.acts_for_applicant(actor, bundle_case):
        raise Forbidden("只有申请人一方可以办理此操作", code="role_not_allowed")
    return bundle_case


def unified_materials(bundle_case: BundleCase, member_rows: list[BundleCaseMember] | None = None) -> list:
    member_rows = member_rows if member_rows is not None else selectors.members(bundle_case)
    # the bundle version the case was filed on, and the item versions its members hold
    return catalog_bundles.unified_materials(bundle_case.bundle, [m.case.item for m in member_rows])


def bundle_material_add(*, actor: User, bundle_case: BundleCase | str, name: str, upload) -> dict[str, Any]:
    """Attach one file to every member requirement the bundle's material ``name`` stands
    for: checked once, the same bytes for each member case (through the cases' upload).
    Answers {"material", "attached": [case numbers], "sha256"}."""
    bundle_case = _for_applicant(bundle_case, actor)
    member_rows = selectors.members(bundle_case)
    material = next((m for m in unified_materials(bundle_case, member_rows) if m.name == name), None)
    if material is None:
        raise DomainError("该材料不在本一件事的材料清单中", code="unknown_material", detail={"name": name})
    # read once; the cases' upload checks the content (type, size, readability) for the
    # first member and refuses before anything is attached
    data = upload.read()
    by_code = {m.item_code: m for m in member_rows}
    attached, sha = [], ""
    for code, requirement_id in material.targets.items():
        member = by_code.get(code)
        # the applicant attaches while drafting or correcting (the cases' upload rule):
        # a member under review keeps what it was accepted with
        if member is None or member.case.state not in (State.DRAFT, State.CORRECTION_REQUESTED):
            continue
        copy = SimpleUploadedFile(upload.name or "material", data, content_type=getattr(upload, "content_type", ""))
        stored = case_services.material_upload(
            case=member.case, actor=actor, requirement_id=requirement_id, upload=copy
        )
        attached.append(member.case.number)
        sha = stored.sha256
    if not attached:
        raise Conflict("该材料对应的事项当前不能补充材料（已提交审查、已办结或已撤回）", code="nothing_to_attach")
    return {"material": material.name, "attached": attached, "sha256": sha}


def _missing(member_rows: list[BundleCaseMember]) -> dict[str, list[str]]:
    out = {}
    for m in member_rows:
        case = m.case
        missing = case_selectors.missing_materials(case)
        if case.item.deferral_allowed and case.accepted_on is None:
            missing = [r for r in missing if not r.deferrable]
        if missing:
            out[case.number] = [r.name for r in missing]
    return out


@transaction.atomic
def bundle_case_submit(*, actor: User, bundle_case: BundleCase | str) -> BundleCase:
    """Submit every member case in one transaction (all or nothing): a draft member is
    submitted, one waiting for a correction resubmitted; the others are left alone."""
    bundle_case = _for_applicant(bundle_case, actor)
    bundle_case = BundleCase.objects.select_for_update().get(pk=bundle_case.pk)
    member_rows = selectors.members(bundle_case)
    due = [m for m in member_rows if m.case.state in (State.DRAFT, State.CORRECTION_REQUESTED)]
    if not due:
        raise Conflict("没有需要提交的事项", code="action_not_allowed")
    missing = _missing(due)
    if missing:
        names = sorted({n for names in missing.values() for n in names})
        raise DomainError(
            "以下必要材料尚未提交：" + "、".join(names), code="materials_missing", detail={"by_case": missing}
        )
    for m in due:
        case_services.case_transition(case=m.case, actor=actor, action="submit")
    if bundle_case.submitted_at is None:
        bundle_case.submitted_at = timezone.now()
    bundle_case.version += 1
    bundle_case.save(update_fields=["submitted_at", "version"])
    return status_recompute(bundle_case_id=bundle_case.pk)


@transaction.atomic
def bundle_case_withdraw(*, actor: User, bundle_case: BundleCase | str, comment: str = "") -> BundleCase:
    """Withdraw every member not yet decided (撤回); decided ones stand."""
    bundle_case = _for_applicant(bundle_case, actor)
    bundle_case = BundleCase.objects.select_for_update().get(pk=bundle_case.pk)
    open_members = [m for m in selectors.members(bundle_case) if m.case.state in BEFORE_DECISION]
    if not open_members:
        raise Conflict("没有可以撤回的事项", code="action_not_allowed")
    for m in open_members:
        case_services.case_transition(case=m.case, actor=actor, action="withdraw", comment=comment)
    bundle_case.version += 1
    bundle_case.save(update_fields=["version"])
    return status_recompute(bundle_case_id=bundle_case.pk)


def bundle_prereview(
    *,
    actor: User,
    bundle_case: BundleCase | str,
    corrections: dict[str, list[dict[str, Any]]] | None = None,
    comment: str = "",
) -> BundleCase:
    """One window's pre-review of the whole bundle (一窗受理): every submitted member is
    accepted at once, or, with ``corrections`` (member case number -> the correction items,
    as the cases' ``request_correction`` takes them), those members go back for correction
    and the others wait submitted until the applicant resubmits, so the bundle is taken in
    whole. The clerk must see every member (all are filed at one hall). One transaction:
    every member moves, or none."""
    if isinstance(bundle_case, str):
        bundle_case = selectors.bundle_case_for_actor(bundle_case, actor)
    elif not selectors.can_see(actor, bundle_case):
        raise NotFound("未找到该一件事办件", code="bundle_case_not_found")
    corrections = {k: v for k, v in (corrections or {}).items() if v}
    with transaction.atomic():
        bundle_case = BundleCase.objects.select_for_update().get(pk=bundle_case.pk)
        member_rows = selectors.members(bundle_case)
        waiting = [m for m in member_rows if m.case.state == State.SUBMITTED]
        if not waiting:
            raise Conflict("没有待预审的事项", code="action_not_allowed")
        if any(not case_selectors.can_see(actor, m.case) for m in member_rows):
            raise Forbidden("一件事须由能看到全部事项的综合窗口统一预审", code="role_not_allowed")
        numbers = {m.case.number for m in waiting}
        unknown = sorted(set(corrections) - numbers)
        if unknown:
            raise DomainError(
                "补正只能针对待预审的事项：" + "、".join(unknown), code="invalid_field", detail={"field": "corrections"}
            )
        for m in waiting:
            if not corrections:
                case_services.case_transition(case=m.case, actor=actor, action="accept", comment=comment)
            elif m.case.number in corrections:
                case_services.case_transition(
                    case=m.case,
                    actor=actor,
                    action="request_correction",
                    comment=comment,
                    params={"items": corrections[m.case.number]},
                )
        bundle_case.version += 1
        bundle_case.save(update_fields=["version"])
    return status_recompute(bundle_case_id=bundle_case.pk)


def bundle_deliver(
    *, actor: User | None, bundle_case: BundleCase | str, delivery_mode: str = "", **params: Any
) -> BundleCase:
    """统一送达: hand over every held result at once, when all members are decided — by a
    clerk at the window (``actor``), or by the bundle itself (``actor=None``, the cases'
    system door) for electronic results. One transaction: all of them or none."""
    if isinstance(bundle_case, str):
        if actor is None:
            raise NotFound("未找到该一件事办件", code="bundle_case_not_found")
        bundle_case = selectors.bundle_case_for_actor(bundle_case, actor)
    elif actor is not None and not selectors.can_see(actor, bundle_case):
        raise NotFound("未找到该一件事办件", code="bundle_case_not_found")
    if actor is not None and scope.reach(actor) is None:
        raise Forbidden("统一送达由综合窗口工作人员办理", code="role_not_allowed")
    with transaction.atomic():
        bundle_case = BundleCase.objects.select_for_update().get(pk=bundle_case.pk)
        member_rows = selectors.members(bundle_case)
        if not selectors.all_decided(member_rows):
            raise Conflict("尚有事项未办结，结果统一送达", code="not_all_decided")
        held = selectors.waiting_delivery(member_rows)
        if not held:
            raise Conflict("没有待送达的结果", code="nothing_to_deliver")
        if actor is not None and any(not case_selectors.can_see(actor, m.case) for m in held):
            raise Forbidden("统一送达须由能看到全部结果的综合窗口办理", code="role_not_allowed")
        mode = delivery_mode or bundle_case.delivery_mode or ""
        for m in held:
            # one hand-over: each result the way asked where its item offers it, else the
            # item's own (新生儿医保 is a record, electronic only; the others at the window)
            offered = m.case.item.delivery_modes or [DeliveryMode.WINDOW]
            member_mode = mode if (mode or DeliveryMode.WINDOW) in offered else offered[0]
            # released first: the hold refuses a member's delivery alone (vetoes.py); on any
            # refusal below the transaction puts it back
            m.held = False
            m.save(update_fields=["held"])
            case_services.case_transition(
                case=m.case,
                actor=actor,
                action="deliver",
                params={"delivery_mode": member_mode, **params},
                by=SYSTEM_BY if actor is None else "",
            )
    return status_recompute(bundle_case_id=bundle_case.pk)


# --------------------------------------------------------------------------- reacting to members


def _derive(states: list[str]) -> str:
    if not states:
        return Status.DRAFT
    s = set(states)
    if s == {State.WITHDRAWN}:
        return Status.WITHDRAWN
    if State.DRAFT in s:
        return Status.DRAFT
    if State.CORRECTION_REQUESTED in s:
        return Status.CORRECTION_REQUESTED
    if s <= set(TERMINAL) and State.DELIVERED in s:
        return Status.DELIVERED
    decided = {State.APPROVED, State.ISSUED, *TERMINAL}
    if s <= decided:
        return Status.DECIDED
    if s & (decided - {State.WITHDRAWN}):
        return Status.PARTLY_DECIDED
    if s & {State.ACCEPTED, State.SUSPENDED}:
        return Status.IN_PROGRESS
    return Status.SUBMITTED


@transaction.atomic
def status_recompute(*, bundle_case_id: int) -> BundleCase:
    """The bundle's status from its members' states (idempotent)."""
    bundle_case = BundleCase.objects.select_for_update().get(pk=bundle_case_id)
    states = [m.case.state for m in selectors.members(bundle_case)]
    status = _derive(states)
    fields = []
    if status != bundle_case.status:
        bundle_case.status = status
        fields.append("status")
    now = timezone.now()
    if status in (Status.DECIDED, Status.DELIVERED) and bundle_case.decided_at is None:
        bundle_case.decided_at, fields = now, [*fields, "decided_at"]
    if status == Status.DELIVERED and bundle_case.delivered_at is None:
        bundle_case.delivered_at, fields = now, [*fields, "delivered_at"]
    if fields:
        bundle_case.version += 1
        bundle_case.save(update_fields=[*fields, "version"])
    return bundle_case


def _tell(bundle_case: BundleCase, key: str, kind: str, text: str, data: dict | None = None) -> bool:
    """One message to the applicant side on the bundle, once per ``key``."""
    from govhall.notify.services import notification_send

    _notice, created = BundleNotice.objects.get_or_create(
        bundle_case=bundle_case, key=key, defaults={"kind": kind, "text": text, "data": data or {}}
    )
    if not created:
        return False
    applicant = bundle_case.applicant
    recipients = set(scope.operator_user_ids(applicant))
    if applicant.user_id:
        recipients.add(applicant.user_id)
    notification_send(
        event=f"bundles.{kind}", text=text, user_ids=recipients, phone=applicant.phone, case_number=bundle_case.number
    )
    return True


@transaction.atomic
def member_moved(*, case_id: int, action: str, event_id: int) -> BundleCase | None:
    """A member case moved (``CaseTransitioned``, after its commit; at least once): hold an
    issued result for unified delivery, tell the applicant once on the bundle, deliver
    electronic results together once every member is decided, recompute the status."""
    member = BundleCaseMember.objects.filter(case_id=case_id).select_related("bundle_case").first()
    if member is None:
        return None
    bundle_case = BundleCase.objects.select_for_update().get(pk=member.bundle_case_id)
    member_rows = selectors.members(bundle_case)
    member = next(m for m in member_rows if m.case_id == case_id)
    case = member.case
    if action == "request_correction":
        fixes = selectors.open_corrections(bundle_case, member_rows)
        listed = "；".join(f"{f['item_name']}：{f['name'] + '，' if f['name'] else ''}{f['problem']}" for f in fixes)
        _tell(
            bundle_case,
            f"correction:{event_id}",
            "correction",
            f"您的一件事{bundle_case.number}（{bundle_case.bundle.name}）需要补正{len(fixes)}项内容：{listed}。"
            "请在一件事办件页面一次补正后重新提交。",
            {"items": fixes},
        )
    elif action in ("deny", "reject") and case.state in (State.DENIED, State.REJECTED):
        others = [m for m in member_rows if m.case_id != case_id and m.case.state not in TERMINAL]
        rest = "、".join(m.case.item.name for m in others)
        consequence = f"其余事项（{rest}）继续办理，不受影响" if others else "本一件事的其他事项均已办结"
        _tell(
            bundle_case,
            f"refusal:{event_id}",
            "refusal",
            f"您的一件事{bundle_case.number}中“{case.item.name}”{State(case.state).label}，理由：{case.decision_reason}。"
            f"{consequence}；如需该事项，可在补齐条件后单独申请。",
            {"case_number": case.number},
        )
    elif action == "issue" and case.state == State.ISSUED and bundle_case.delivery == Delivery.TOGETHER:
        if not member.held and member.held_at is None:
            member.held, member.held_at = True, timezone.now()
            member.save(update_fields=["held", "held_at"])
    if bundle_case.delivery == Delivery.TOGETHER and selectors.all_decided(member_rows):
        held = selectors.waiting_delivery(member_rows)
        if held:
            electronic = (bundle_case.delivery_mode or "") == DeliveryMode.ELECTRONIC
            if electronic:
                bundle_deliver(actor=None, bundle_case=bundle_case, delivery_mode=DeliveryMode.ELECTRONIC)
            else:
                mode = DeliveryMode(bundle_case.delivery_mode or DeliveryMode.WINDOW).label
                _tell(
                    bundle_case,
                    "ready",
                    "ready",
                    f"您的一件事{bundle_case.number}（{bundle_case.bundle.name}）各事项已全部办结，"
                    f"{len(held)}项结果将统一送达（{mode}），请留意通知。",
                )
    return status_recompute(bundle_case_id=bundle_case.pk)
