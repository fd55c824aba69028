"""The licence PDF: a pure function from ``LicenceSheet`` to bytes (core/pdf.py)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.units import mm

from govhall.core.pdf import OfficialDocument, chinese_date

SEAL_PURPOSE = "电子证照专用章"


@dataclass(frozen=True)
class LicenceSheet:
    """What a licence prints."""

    number: str  # the licence number
    title: str  # the heading, e.g. "食品经营许可证"
    holder_name: str  # in full
    holder_code_label: str  # "统一社会信用代码" or "公民身份号码"
    holder_code: str  # USCC in full; a person's ID masked
    fields: Sequence[tuple[str, str]]  # the licence's own fields (名称, 住所, 经营范围 …)
    department_name: str  # the issuing department (and the seal's text)
    issued_on: datetime.date
    valid_until: datetime.date | None  # None: 长期
    content_hash: str  # SHA-256 hex, printed and carried in the QR link
    verify_url: str  # where the QR code leads
    case_number: str = ""


def render_licence(sheet: LicenceSheet) -> bytes:
    doc = OfficialDocument(
        title=sheet.title,
        header_left="电子证照",
        # a GB/T 36904 number (76 characters) does not fit the running head: the table has it
        header_right=f"证照编号：{sheet.number}" if len(sheet.number) <= 40 else "",
        author=sheet.department_name,
        subject=f"{sheet.title} {sheet.number}",
        border=True,
    )
    doc.spacer(6)
    doc.title(sheet.title, size=30, subtitle="（电子证照）")
    doc.small(f"证照编号：{sheet.number}")  # on one line across the page: a GB/T 36904 number has 76 characters
    rows = [("持证主体", sheet.holder_name), (sheet.holder_code_label, sheet.holder_code)]
    rows += [(k, v) for k, v in sheet.fields]
    rows.append(("有效期至", chinese_date(sheet.valid_until) if sheet.valid_until else "长期"))
    rows.append(("发证日期", chinese_date(sheet.issued_on)))
    if sheet.case_number:
        rows.append(("办件编号", sheet.case_number))
    doc.key_values(rows, key_width=36 * mm)
    doc.small(
        f"内容校验码（SHA-256）：{sheet.content_hash[:32]} {sheet.content_hash[32:]}\n"
        "扫描下方二维码或登录政务服务网“证照核验”，输入证照编号，可核验本证照的真伪与状态；"
        "内容与校验码不符的，本证照无效。"
    )
    doc.signature(
        department=sheet.department_name,
        issued_on=sheet.issued_on,
        seal_text=sheet.department_name,
        seal_purpose=SEAL_PURPOSE,
        qr_url=sheet.verify_url,
        qr_caption="扫码核验",
    )
    return doc.render()
