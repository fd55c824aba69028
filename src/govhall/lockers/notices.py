"""What the applicant is told about their parcels: in-site messages and SMS through
``notify``, written in the caller's transaction (sent after its commit).

Codes go only by SMS, through ``notification_send(secret=…)``: the stored text holds the code
masked and the code waits in its own column until the gateway has it. In-site messages never
carry a code (notify refuses it); they say where the code went. Like every case notice, an
in-site message goes by SMS too (notify has no in-site-only call), so a code costs two SMS:
the notice and the code.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from govhall.accounts import scope
from govhall.cases.models import Case
from govhall.core.masking import mask_phone
from govhall.lockers import codes
from govhall.lockers.models import Parcel
from govhall.lockers.workflow import Kind


def _recipients(case: Case) -> set[int]:
    ids = set(scope.operator_user_ids(case.applicant))
    if case.applicant.user_id:
        ids.add(case.applicant.user_id)
    return ids


def _when(moment: datetime.datetime | None) -> str:
    return f"{timezone.localtime(moment):%m月%d日%H:%M}" if moment else ""


def tell(case: Case, event: str, text: str) -> None:
    """An in-site message to the applicant side, and an SMS to the case's phone (without a code)."""
    from govhall.notify.services import notification_send

    notification_send(
        event=f"lockers.{event}",
        text=text,
        user_ids=_recipients(case),
        phone=case.applicant.phone,
        case_number=case.number,
    )


def send_code(parcel: Parcel, code: str) -> bool:
    """The code by SMS to the case's phone (False when the applicant has none), and an in-site
    message that says where it went."""
    from govhall.notify.services import notification_send

    case = parcel.case
    phone = case.applicant.phone
    what = "交件开箱码" if parcel.kind == Kind.DROPOFF else "取件码"
    until = _when(parcel.code_expires_at)
    if phone and parcel.code_expires_at and parcel.code_expires_at > timezone.now():
        notification_send(
            event="lockers.code",
            text=f"您的办件{case.number}：{parcel.place}，{what}{{secret}}，{until}前有效，仅可使用一次，请勿告诉他人。",
            phone=phone,
            secret=code,
            secret_valid_for=parcel.code_expires_at - timezone.now(),
            case_number=case.number,
        )
    where = f"已通过短信发送至{mask_phone(phone)}" if phone else "请在办件的信包箱页面查看（仅显示一次）"
    if parcel.kind == Kind.DROPOFF:
        text = f"您的办件{case.number}已预约{parcel.place}交件，{what}{where}，{until}前有效。"
    else:
        text = f"您的办件{case.number}办理结果已存入{parcel.place}，{what}{where}，{until}前有效。"
    tell(case, "code_sent", text)
    return bool(phone)


def code_shown(code: str) -> str:
    return codes.spaced(code)
