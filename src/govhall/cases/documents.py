"""The case documents (办件文书): pure functions from frozen dataclasses to PDF bytes.

No model imports, so every document can be rendered and tested without a database; the
case services build the dataclasses from a case and store the bytes as a ``Document``.

Each document prints the case number on every page (page header), the applicant, the
item, the department, the hall and the date, and closes with the department's seal.

* ``render_deferral_notice``   容缺受理补正材料通知书
* ``render_correction_notice`` 补正材料通知书（一次性告知）
* ``render_acceptance_notice`` 受理通知书
* ``render_extension_notice``  延长审批期限告知书
* ``render_refusal_notice``    不予受理通知书 (kind "rejection") / 不予许可决定书 (kind "denial")
* ``render_approval_decision`` 准予许可决定书 and other approval documents (results that are not licences)
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from govhall.core.pdf import OfficialDocument, chinese_date, chinese_datetime

SEAL_PURPOSE = "行政审批专用章"
REMEDY = (
    "申请人如不服本决定，可在收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。"
)
DEFERRAL_OVERDUE = (
    "逾期未补正的，视为申请人未履行承诺：审批决定作出前，本机关依法终止办理；"
    "已作出审批决定的，审批部门可依法撤销审批决定并注销证照，由此产生的法律责任和后果由申请人承担。"
    "申请人的失信行为将依法记入信用记录。"
)
PROVISIONAL_NOTE = "（暂定：次年法定节假日安排公布后按实际工作日调整）"
_LOCAL = ZoneInfo("Asia/Shanghai")  # the platform's time zone (settings.TIME_ZONE)


@dataclass(frozen=True)
class CaseHeader:
    """What every case document prints about its case."""

    case_number: str  # the public case number, printed on every page
    applicant_name: str  # the applicant's full name (person) or registered name (company)
    applicant_code_masked: str  # USCC in full, or the resident ID masked (110101********123X)
    item_name: str  # the service item applied for
    department_name: str  # the deciding department, which signs and seals
    hall_name: str  # the hall (政务服务中心) where the case was taken in
    issued_on: datetime.date  # the document's date
    seal_text: str  # the text along the seal's upper arc (normally the department name)
    seal_purpose: str = SEAL_PURPOSE  # the line under the seal's star
    query_url: str | None = None  # if given, a QR code to follow the case online


@dataclass(frozen=True)
class DeferralNotice:
    """容缺受理补正材料通知书: the case was accepted with secondary materials missing."""

    header: CaseHeader
    materials: Sequence[tuple[str, str]]  # (material name, notes) for each deferred material
    due_date: datetime.date  # the last day to supply them
    due_workdays: int  # the same limit in working days ("N个工作日内")
    supply_methods: Sequence[str]  # how to supply: 网上上传, 窗口提交, 邮寄, 24小时自助信包箱 …
    commitment_text: str  # the applicant's written commitment, verbatim
    signed_by: str  # who signed the commitment
    signed_at: datetime.datetime | datetime.date  # when it was signed
    due_provisional: bool = False  # the due date runs into a year whose holidays are not yet published
    overdue_consequence: str = DEFERRAL_OVERDUE  # what happens when the materials are late


@dataclass(frozen=True)
class CorrectionNotice:
    """补正材料通知书: everything to fix, told once (一次性告知)."""

    header: CaseHeader
    items: Sequence[tuple[str, str]]  # (material name or "申请表", what is wrong) for each item
    due_date: datetime.date | None = None  # a deadline, or None for "补正后重新提交"
    due_workdays: int | None = None  # the deadline in working days, if any


@dataclass(frozen=True)
class AcceptanceNotice:
    """受理通知书: the case is accepted; the promised limit and due date."""

    header: CaseHeader
    accepted_on: datetime.date
    limit_workdays: int  # promised limit in working days; 0 for an instant item (当场办结)
    due_date: datetime.date | None  # the promised date of decision
    due_provisional: bool = False  # print 暂定 by the due date
    enquiry_phone: str = ""  # 咨询电话


@dataclass(frozen=True)
class ExtensionNotice:
    """延长审批期限告知书: the head of the department extended the limit; the reason and
    the new date must reach the applicant (行政许可法第四十二条)."""

    header: CaseHeader
    accepted_on: datetime.date
    extended_workdays: int  # the working days added
    limit_workdays: int  # the limit after the extension
    due_date: datetime.date | None  # the new date of decision; None while the clock stands still
    reason: str
    due_provisional: bool = False


REFUSAL_KINDS = {"rejection": "不予受理通知书", "denial": "不予许可决定书"}


@dataclass(frozen=True)
class RefusalNotice:
    """不予受理通知书 (``kind="rejection"``, at intake) or 不予许可决定书 (``kind="denial"``)."""

    header: CaseHeader
    kind: str  # "rejection" or "denial"
    reason: str  # the facts and reasons
    legal_basis: str  # the law, regulation or rule relied on
    remedy: str = REMEDY  # 复议、诉讼 rights and time limits

    def __post_init__(self) -> None:
        if self.kind not in REFUSAL_KINDS:
            raise ValueError(f"kind must be one of {sorted(REFUSAL_KINDS)}, not {self.kind!r}")


@dataclass(frozen=True)
class ApprovalDecision:
    """The result document when an item's result is an approval document, not a licence."""

    header: CaseHeader
    title: str  # the result's name, e.g. "准予注销登记通知书"
    decision: str  # the operative text: what is approved
    legal_basis: str  # the legal basis of the decision
    fields: Sequence[tuple[str, str]] = field(default_factory=tuple)  # facts printed in a table
    valid_until: datetime.date | None = None  # the approval's term, if it has one
    remedy: str = ""  # usually empty for an approval; printed when given


# ------------------------------------------------------------------ shared parts


def _document(header: CaseHeader, title: str) -> OfficialDocument:
    doc = OfficialDocument(
        title=title,
        header_left=f"{header.hall_name} · {header.department_name}",
        header_right=f"办件编号：{header.case_number}",
        author=header.department_name,
        subject=f"{title} {header.case_number}",
    )
    doc.title(title, subtitle=f"办件编号：{header.case_number}")
    doc.paragraph(f"{header.applicant_name}：", indent=False)
    return doc


def _facts(doc: OfficialDocument, header: CaseHeader, *extra: tuple[str, str]) -> None:
    rows = [
        ("办件编号", header.case_number),
        ("申请人", header.applicant_name),
        ("证件号码", header.applicant_code_masked),
        ("申请事项", header.item_name),
        ("办理部门", header.department_name),
        ("受理地点", header.hall_name),
        *extra,
    ]
    doc.key_values([(k, v) for k, v in rows if v])


def _close(doc: OfficialDocument, header: CaseHeader, *, keep: int = 1) -> bytes:
    doc.signature(
        department=header.department_name,
        issued_on=header.issued_on,
        seal_text=header.seal_text,
        seal_purpose=header.seal_purpose,
        qr_url=header.query_url,
        qr_caption="扫码查询办件进度" if header.query_url else "",
        keep_with_previous=keep,
    )
    return doc.render()


def _local(value: datetime.datetime | datetime.date) -> str:
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_LOCAL)
        return chinese_datetime(value)
    return chinese_date(value)


def _due(date: datetime.date | None, provisional: bool) -> str:
    if date is None:
        return ""
    return chinese_date(date) + ("（暂定）" if provisional else "")


# ------------------------------------------------------------------ the documents


def render_deferral_notice(doc: DeferralNotice) -> bytes:
    h = doc.header
    pdf = _document(h, "容缺受理补正材料通知书")
    due = _due(doc.due_date, doc.due_provisional)
    pdf.paragraph(
        f"你（单位）申请的“{h.item_name}”，基本条件具备、主要申请材料齐全且符合法定形式，"
        f"次要材料有欠缺。根据你（单位）作出的书面承诺，本机关按容缺受理方式予以受理。"
        f"请你（单位）在{doc.due_workdays}个工作日内（{due}前）补齐下列材料："
    )
    pdf.table(
        ["序号", "容缺材料", "说明"],
        [(str(i), name, notes or "—") for i, (name, notes) in enumerate(doc.materials, 1)],
        widths=[0.1, 0.45, 0.45],
    )
    _facts(pdf, h, ("补正期限", f"{doc.due_workdays}个工作日内，{due}前"))
    if doc.due_provisional:
        pdf.small(PROVISIONAL_NOTE)
    pdf.heading("补正方式")
    pdf.paragraph("可任选以下一种方式提交，提交时请注明办件编号：", indent=False)
    pdf.numbered(doc.supply_methods)
    pdf.heading("逾期处理")
    pdf.paragraph(doc.overdue_consequence)
    pdf.heading("申请人承诺")
    pdf.boxed([doc.commitment_text], footer=f"承诺人：{doc.signed_by}    签署时间：{_local(doc.signed_at)}")
    return _close(pdf, h)


def render_correction_notice(doc: CorrectionNotice) -> bytes:
    h = doc.header
    pdf = _document(h, "补正材料通知书")
    pdf.paragraph(
        f"你（单位）申请的“{h.item_name}”，经审查，申请材料不齐全或者不符合法定形式。"
        f"根据《中华人民共和国行政许可法》第三十二条第一款第（四）项的规定，现一次性告知你（单位）"
        f"需要补正的全部内容如下："
    )
    pdf.table(
        ["序号", "材料", "需补正的内容"],
        [(str(i), name, problem) for i, (name, problem) in enumerate(doc.items, 1)],
        widths=[0.1, 0.35, 0.55],
    )
    if doc.due_date is not None:
        limit = f"{doc.due_workdays}个工作日内（{chinese_date(doc.due_date)}前）" if doc.due_workdays else ""
        when = f"请于{limit or chinese_date(doc.due_date) + '前'}补正全部内容后重新提交。"
    else:
        when = "请按上述要求补正后重新提交。"
    _facts(pdf, h, ("补正期限", chinese_date(doc.due_date) + "前" if doc.due_date else "补正后重新提交"))
    pdf.paragraph(when)
    pdf.paragraph(
        "自本通知书送达之日起至你（单位）提交全部补正材料之日止，办理时限暂停计算（停止计时），"
        "补正材料提交后继续计算。本通知书已一次性告知全部补正内容，本机关不再要求补正本通知书以外的材料。"
    )
    pdf.paragraph("补正材料可通过网上上传、窗口提交、邮寄或24小时自助信包箱等方式提交，提交时请注明办件编号。")
    return _close(pdf, h)


def render_acceptance_notice(doc: AcceptanceNotice) -> bytes:
    h = doc.header
    pdf = _document(h, "受理通知书")
    if doc.limit_workdays == 0:
        limit = "即办件，当场办结"
        promise = "本机关当场作出决定。"
    else:
        limit = f"{doc.limit_workdays}个工作日"
        promise = (
            f"本机关承诺自受理之日起{doc.limit_workdays}个工作日内（{_due(doc.due_date, doc.due_provisional)}前）"
            f"作出决定。依法需要听证、检验、检测、现场核查、专家评审或补正材料的，所需时间不计算在内。"
        )
    pdf.paragraph(
        f"你（单位）于{chinese_date(doc.accepted_on)}提出的“{h.item_name}”申请，申请材料齐全、符合法定形式，"
        f"根据《中华人民共和国行政许可法》第三十二条的规定，决定予以受理。{promise}"
    )
    _facts(
        pdf,
        h,
        ("受理日期", chinese_date(doc.accepted_on)),
        ("承诺时限", limit),
        ("承诺办结日期", _due(doc.due_date, doc.due_provisional) if doc.limit_workdays else ""),
        ("咨询电话", doc.enquiry_phone),
    )
    if doc.due_provisional:
        pdf.small(PROVISIONAL_NOTE)
    pdf.paragraph("办理进度可凭办件编号在政务服务网“我的办件”或拨打咨询电话查询。")
    return _close(pdf, h)


def render_extension_notice(doc: ExtensionNotice) -> bytes:
    h = doc.header
    pdf = _document(h, "延长审批期限告知书")
    if doc.due_date is not None:
        when = f"将于{_due(doc.due_date, doc.due_provisional)}前作出决定"
    else:  # during a special procedure: the date follows when the clock runs again
        when = "办结日期自特别程序结束、恢复计时后顺延计算"
    pdf.paragraph(
        f"你（单位）于{chinese_date(doc.accepted_on)}提出并经受理的“{h.item_name}”申请，因下列原因不能在原定期限内"
        f"作出决定。根据《中华人民共和国行政许可法》第四十二条的规定，经本机关负责人批准，办理期限延长"
        f"{doc.extended_workdays}个工作日，{when}。"
    )
    pdf.heading("延长理由")
    pdf.paragraph(doc.reason)
    _facts(
        pdf,
        h,
        ("受理日期", chinese_date(doc.accepted_on)),
        ("延长时限", f"{doc.extended_workdays}个工作日"),
        ("延长后办理时限", f"{doc.limit_workdays}个工作日"),
        ("延长后办结日期", _due(doc.due_date, doc.due_provisional) or "恢复计时后确定"),
    )
    if doc.due_provisional:
        pdf.small(PROVISIONAL_NOTE)
    pdf.paragraph("依法需要听证、检验、检测、现场核查、专家评审或补正材料的，所需时间仍不计算在办理期限内。")
    return _close(pdf, h)


def render_refusal_notice(doc: RefusalNotice) -> bytes:
    h = doc.header
    title = REFUSAL_KINDS[doc.kind]
    pdf = _document(h, title)
    verdict = "决定不予受理" if doc.kind == "rejection" else "决定不予许可"
    stage = "经审查" if doc.kind == "rejection" else "经审查（核）"
    pdf.paragraph(f"你（单位）提出的“{h.item_name}”申请，{stage}，{verdict}。")
    pdf.heading("理由")
    pdf.paragraph(doc.reason)
    pdf.heading("依据")
    pdf.paragraph(doc.legal_basis)
    _facts(pdf, h)
    pdf.heading("救济途径")
    pdf.paragraph(doc.remedy)
    return _close(pdf, h)


def render_approval_decision(doc: ApprovalDecision) -> bytes:
    h = doc.header
    pdf = _document(h, doc.title)
    pdf.paragraph(doc.decision)
    pdf.heading("依据")
    pdf.paragraph(doc.legal_basis)
    rows = [(str(k), str(v)) for k, v in doc.fields]
    if doc.valid_until is not None:
        rows.append(("有效期至", chinese_date(doc.valid_until)))
    if rows:
        pdf.heading("决定事项")
        pdf.key_values(rows)
    _facts(pdf, h)
    if doc.remedy:
        pdf.paragraph(doc.remedy)
    return _close(pdf, h)


__all__ = [
    "REFUSAL_KINDS",
    "REMEDY",
    "AcceptanceNotice",
    "ApprovalDecision",
    "CaseHeader",
    "CorrectionNotice",
    "DeferralNotice",
    "RefusalNotice",
    "render_acceptance_notice",
    "render_approval_decision",
    "render_correction_notice",
    "render_deferral_notice",
    "render_refusal_notice",
]
