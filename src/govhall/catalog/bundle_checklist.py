"""The printable personal checklist of a bundle (《xx一件事》个人办事清单): one A4 page,
narrowed by the applicant's answers to the bundle's situation questions, that ends the
guided questionnaire (issue 15, 情形引导).

It shows what the bundle's guide shows for those answers (``bundle_guides.bundle_guide``,
so page and paper agree): the answers chosen, the members that apply with their
department and promised days, the one set of materials (原件/复印件 counts and the
members each serves; those fetched from shared data or e-licences listed apart as 免证办),
the one form's fields, the limit (the longest member's, 并联审批), where to apply, the
date printed and a QR code to the guide with the same answers.

Drawn with ``core.pdf`` (the bundled CJK font, embedded). To stay on one page the text is
drawn at the largest of a few scales that fits; the smallest is used whatever it gives.
"""

from __future__ import annotations

import datetime
import io
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET
from pypdf import PdfReader
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Table, TableStyle

from govhall.catalog import bundle_guides, bundles
from govhall.catalog.models import Bundle, MaterialRequirement
from govhall.core.pdf import FRAME_WIDTH, OfficialDocument, QrCode, chinese_date, markup

# Text scales, largest first: the largest that fits one page is kept (found by bisection,
# so a long bundle costs four or five renders, not ten).
SCALES = (1.0, 0.95, 0.9, 0.85, 0.8, 0.76, 0.72, 0.68, 0.64, 0.6, 0.56, 0.52)
_GRID = colors.Color(0.35, 0.35, 0.35)
_SHADE = colors.Color(0.93, 0.94, 0.96)

_SOURCE_LABELS = {
    MaterialRequirement.Source.SHARED_DATA: "部门共享获取",
    MaterialRequirement.Source.LICENCE: "电子证照库获取",
}


def guide_url(bundle: Bundle, answers: dict[int, int]) -> str:
    """The bundle guide's address with these answers (what the QR code opens)."""
    url = settings.SITE_URL + reverse("catalog:bundle_guide", args=[bundle.code])
    if answers:
        url += "?" + urlencode({f"b{sid}": oid for sid, oid in sorted(answers.items())})
    return url


def checklist_facts(bundle: Bundle, answers: dict[int, int]) -> dict:
    """What the checklist prints, as plain values (also handy for tests)."""
    guide = bundle_guides.bundle_guide(bundle, answers)
    items = guide["items"]
    requirements = {m.id: m for item in items.values() for m in item.materials.all()}
    names = {code: item.name for code, item in items.items()}

    chosen = []
    for situation in bundle.situations.all():
        option = next((o for o in situation.options.all() if o.id == answers.get(situation.id)), None)
        if option is not None:
            chosen.append((situation.question, option.label))

    members = [(item.name, item.department.name, item.promised_days, member.note) for member, item in guide["applying"]]
    asked, fetched = [], []
    for material in guide["materials"]:
        found = [requirements[rid] for rid in material.targets.values() if rid in requirements]
        serves = "、".join(names.get(code, code) for code in material.targets)
        if material.asked:
            # one set serves every member: the window keeps it and shares it, so the most
            # any member asks for is what to bring, not the sum
            asked.append(
                {
                    "name": material.name,
                    "originals": max((r.originals for r in found), default=0),
                    "copies": max((r.copies for r in found), default=0),
                    "required": material.required,
                    "serves": serves,
                    "notes": material.notes,
                }
            )
        else:
            fetched.append({"name": material.name, "serves": serves, "source": _SOURCE_LABELS.get(material.source, "")})
    return {
        "bundle": bundle,
        "answers": chosen,
        "members": members,
        "materials": asked,
        "exempt": fetched,
        "form": [(f.name, f.required, len(f.targets)) for f in guide["form"]],
        "limit": guide["limit"],
        "days_sum": sum(days for _, _, days, _ in members),
        "unanswered": bool(bundle.situations.all()) and not chosen,
    }


def _count(n: int) -> str:
    return f"{n}份" if n else "—"


def _table(doc: OfficialDocument, header, rows, widths, *, scale: float, keys: bool = False) -> None:
    """A grid like ``OfficialDocument.table`` with padding that shrinks with the text, so
    a long list of materials still reads at a decent size."""
    cell, key = doc.styles["cell"], doc.styles["cell-key"]
    data = [[Paragraph(markup(h), key) for h in header]] if header else []
    data += [[Paragraph(markup(v), key if keys and i == 0 else cell) for i, v in enumerate(row)] for row in rows]
    pad = 3 * scale
    style = [
        ("FONT", (0, 0), (-1, -1), doc.font, cell.fontSize),
        ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), pad * 0.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), _SHADE))
    if keys:
        style.append(("BACKGROUND", (0, 0), (0, -1), _SHADE))
    table = Table(data, colWidths=[w * FRAME_WIDTH for w in widths], repeatRows=1 if header else 0)
    table.setStyle(TableStyle(style))
    doc.append(table)
    doc.spacer(2 * mm * scale)


def _build(facts: dict, *, url: str, printed_on: datetime.date, scale: float) -> bytes:
    bundle: Bundle = facts["bundle"]
    title = f"《{bundle.name}》个人办事清单"
    doc = OfficialDocument(
        title=title,
        header_left="高效办成一件事 · 一次告知",
        header_right=f"打印日期：{chinese_date(printed_on)}",
        author=bundle.hall_location or "政务服务中心",
        subject=f"{bundle.name} 个人办事清单",
    )
    # every style at this scale (tables take their cells' paragraph styles)
    # (read all first: styles inherit from a shared parent, which must not be scaled twice)
    sizes = {name: (s.fontSize, s.leading, s.firstLineIndent, s.spaceBefore) for name, s in doc.styles.items()}
    for name, (size, leading, indent, before) in sizes.items():
        style = doc.styles[name]
        style.fontSize, style.leading = size * scale, leading * scale
        style.firstLineIndent, style.spaceBefore = indent * scale, before * scale

    doc.title(size=20 * scale, subtitle=f"第{bundle.version}版 · 打印于{chinese_date(printed_on)} · 按您的回答生成")

    doc.heading("您的情况")
    if facts["answers"]:
        _table(doc, None, facts["answers"], [0.55, 0.45], scale=scale, keys=True)
    elif facts["unanswered"]:
        doc.small("未回答情形问题：按全部必办事项列出。回答问题后重新打印，清单会更短。")
    else:
        doc.small("这件事没有需要回答的问题。")

    doc.heading(f"需要办理的事项（{len(facts['members'])}项，一次申请）")
    _table(
        doc,
        ["序号", "事项", "办理部门", "承诺时限"],
        [
            [str(i), name + (f"（{note}）" if note else ""), department, f"{days}个工作日" if days else "即办"]
            for i, (name, department, days, note) in enumerate(facts["members"], 1)
        ],
        [0.07, 0.5, 0.27, 0.16],
        scale=scale,
    )

    doc.heading(f"一套材料（{len(facts['materials'])}份，每份只交一次）")
    if facts["materials"]:
        _table(
            doc,
            ["序号", "材料名称", "原件", "复印件", "用于"],
            [
                [
                    str(i),
                    m["name"] + ("" if m["required"] else "（非必要）") + (f"：{m['notes']}" if m["notes"] else ""),
                    _count(m["originals"]),
                    _count(m["copies"]),
                    m["serves"],
                ]
                for i, m in enumerate(facts["materials"], 1)
            ],
            [0.07, 0.45, 0.08, 0.09, 0.31],
            scale=scale,
        )
    else:
        doc.small("无需自备材料。")
    if facts["exempt"]:
        doc.small(
            "免证办（无需提交，由部门通过电子证照或共享数据获取）："
            + "；".join(f"{m['name']}（{m['source']}，用于{m['serves']}）" for m in facts["exempt"])
        )

    if facts["form"]:
        doc.heading(f"一张表单需准备的信息（{len(facts['form'])}项）")
        doc.paragraph(
            "、".join(
                name + ("*" if required else "") + (f"（{shared}项共用）" if shared > 1 else "")
                for name, required, shared in facts["form"]
            )
            + "。（*为必填）",
            indent=False,
            style="left",
        )

    doc.heading("办理时限")
    doc.paragraph(
        (f"{facts['limit']}个工作日办结" if facts["limit"] else "即办（当场办结）")
        + "：各部门并联审批，按最长一个事项计算"
        + (f"（逐项办理合计{facts['days_sum']}个工作日）。" if len(facts["members"]) > 1 else "。"),
        indent=False,
    )

    doc.heading("在哪里办")
    cell = doc.styles["cell"]
    where = [
        ("办理窗口", bundle.window or "一件事综合窗口"),
        ("办理地点", bundle.hall_location or "政务服务中心"),
        ("咨询电话", bundle.enquiry_phone or "12345"),
        ("网上办理", "扫右侧二维码打开办事指南，选择“在线办理这件事”一次提交"),
    ]
    facts_table = Table(
        [[Paragraph(markup(k), cell), Paragraph(markup(v), cell)] for k, v in where],
        colWidths=[22 * mm, FRAME_WIDTH - 22 * mm - 34 * mm],
    )
    facts_table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("FONT", (0, 0), (-1, -1), doc.font),
            ]
        )
    )
    qr = QrCode(url, size=26 * mm * max(scale, 0.8), caption="扫码查看办事指南")
    layout = Table([[facts_table, qr]], colWidths=[FRAME_WIDTH - 34 * mm, 34 * mm])
    layout.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONT", (0, 0), (-1, -1), doc.font)]))
    doc.append(layout)
    doc.small("本清单按您的回答生成，仅供备办参考；以受理时的办事指南为准。")
    return doc.render()


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def render_checklist(
    bundle: Bundle, answers: dict[int, int] | None = None, *, printed_on: datetime.date | None = None
) -> bytes:
    """The one-page checklist PDF for these answers (situation id -> option id, already
    checked by ``bundles.parse_answers``)."""
    answers = answers or {}
    facts = checklist_facts(bundle, answers)
    printed_on = printed_on or timezone.localdate()
    url = guide_url(bundle, answers)
    rendered: dict[int, bytes] = {}

    def fits(index: int) -> bool:
        rendered[index] = _build(facts, url=url, printed_on=printed_on, scale=SCALES[index])
        return page_count(rendered[index]) == 1

    # the first scale that fits, by bisection (a smaller scale never takes more pages)
    low, high = 0, len(SCALES) - 1
    if fits(low):
        return rendered[low]
    while high - low > 1:
        middle = (low + high) // 2
        if fits(middle):
            high = middle
        else:
            low = middle
    data = rendered.get(high) or _build(facts, url=url, printed_on=printed_on, scale=SCALES[high])
    return data


@require_GET
def checklist_pdf(request, code: str):
    """``/bundles/<code>/checklist.pdf?b<situation id>=<option id>…``: public, like the
    guide; answers that are not this bundle's are ignored."""
    bundle = bundles.bundle_get(code)
    if bundle is None:
        raise Http404("没有这个一件事")
    # only plain digits reach parse_answers: str.isdigit() lets "²" through to int()
    raw = {key: value for key, value in request.GET.items() if value.isascii() and value.isdigit()}
    data = render_checklist(bundle, bundles.parse_answers(bundle, raw))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"{bundle.code}-checklist.pdf")
    return response
