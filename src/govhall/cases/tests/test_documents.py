"""The case documents render without a database: dataclasses in, PDF bytes out."""

import datetime
import io

import pytest
from pypdf import PdfReader

from govhall.cases import documents as d

NUMBER = "LH20261124000123"


def header(**overrides) -> d.CaseHeader:
    values = {
        "case_number": NUMBER,
        "applicant_name": "张明",
        "applicant_code_masked": "610104********1230",
        "item_name": "食品经营许可（新办）",
        "department_name": "西安市莲湖区市场监督管理局",
        "hall_name": "莲湖区政务服务中心",
        "issued_on": datetime.date(2026, 11, 24),
        "seal_text": "西安市莲湖区市场监督管理局",
    }
    return d.CaseHeader(**{**values, **overrides})


def text_of(pdf: bytes) -> tuple[str, list[str]]:
    """All text without whitespace (phrases wrapped over lines still match), and each page's."""
    reader = PdfReader(io.BytesIO(pdf))
    pages = ["".join(page.extract_text().split()) for page in reader.pages]
    return "".join(pages), pages


def assert_common(pdf: bytes, title: str) -> str:
    assert pdf.startswith(b"%PDF")
    text, pages = text_of(pdf)
    assert all(NUMBER in page for page in pages), "the case number is printed on every page"
    for expected in [
        title,
        "张明",
        "食品经营许可（新办）",
        "西安市莲湖区市场监督管理局",
        "莲湖区政务服务中心",
        "2026年11月24日",
    ]:
        assert expected in text, expected
    return text


def deferral(**overrides) -> d.DeferralNotice:
    values = {
        "header": header(),
        "materials": [("从业人员健康证明", "复印件一份"), ("食品安全管理制度", "")],
        "due_date": datetime.date(2026, 12, 8),
        "due_workdays": 10,
        "supply_methods": [
            "网上上传（我的办件）",
            "到政务服务大厅窗口提交",
            "邮寄至受理窗口",
            "投递至24小时自助信包箱",
        ],
        "commitment_text": "本人承诺在规定期限内补齐容缺材料。",
        "signed_by": "张明",
        "signed_at": datetime.datetime(2026, 11, 24, 2, 30, tzinfo=datetime.UTC),
    }
    return d.DeferralNotice(**{**values, **overrides})


def test_deferral_notice():
    text = assert_common(d.render_deferral_notice(deferral()), "容缺受理补正材料通知书")
    for expected in [
        "从业人员健康证明",
        "复印件一份",
        "食品安全管理制度",
        "10个工作日内",
        "2026年12月8日",
        "投递至24小时自助信包箱",
        "邮寄至受理窗口",
        "可依法撤销审批决定并注销证照",
        "本人承诺在规定期限内补齐容缺材料。",
        "承诺人：张明",
        "2026年11月24日10:30",  # signed at, in Beijing time
        "行政审批专用章",
    ]:
        assert expected in text, expected
    assert "暂定" not in text


def test_deferral_notice_marks_a_provisional_due_date():
    text, _ = text_of(d.render_deferral_notice(deferral(due_provisional=True)))
    assert "2026年12月8日（暂定）" in text


def test_a_long_deferral_notice_prints_the_case_number_on_every_page():
    many = [(f"第{i}项补充材料：经营场所平面布局图及设备布局、工艺流程说明", "须加盖公章") for i in range(40)]
    pdf = d.render_deferral_notice(deferral(materials=many))
    _, pages = text_of(pdf)
    assert len(pages) > 1
    assert all(NUMBER in page for page in pages)


def test_correction_notice_lists_every_item_and_stops_the_clock():
    pdf = d.render_correction_notice(
        d.CorrectionNotice(header=header(), items=[("营业执照复印件", "未签字盖章"), ("申请表", "经营场所地址不完整")])
    )
    text = assert_common(pdf, "补正材料通知书")
    for expected in [
        "一次性告知",
        "营业执照复印件",
        "未签字盖章",
        "申请表",
        "经营场所地址不完整",
        "补正后重新提交",
        "停止计时",
    ]:
        assert expected in text, expected


def test_correction_notice_with_a_deadline():
    pdf = d.render_correction_notice(
        d.CorrectionNotice(
            header=header(), items=[("申请表", "未签名")], due_date=datetime.date(2026, 12, 1), due_workdays=5
        )
    )
    text, _ = text_of(pdf)
    assert "5个工作日内（2026年12月1日前）" in text


def test_acceptance_notice():
    pdf = d.render_acceptance_notice(
        d.AcceptanceNotice(
            header=header(),
            accepted_on=datetime.date(2026, 11, 24),
            limit_workdays=10,
            due_date=datetime.date(2027, 1, 8),
            due_provisional=True,
            enquiry_phone="029-87654321",
        )
    )
    text = assert_common(pdf, "受理通知书")
    for expected in ["决定予以受理", "10个工作日", "2027年1月8日（暂定）", "029-87654321"]:
        assert expected in text, expected


def test_acceptance_notice_of_an_instant_item():
    pdf = d.render_acceptance_notice(
        d.AcceptanceNotice(header=header(), accepted_on=datetime.date(2026, 11, 24), limit_workdays=0, due_date=None)
    )
    assert "当场办结" in text_of(pdf)[0]


@pytest.mark.parametrize(
    ("kind", "title", "verdict"),
    [("rejection", "不予受理通知书", "决定不予受理"), ("denial", "不予许可决定书", "决定不予许可")],
)
def test_refusal_notices(kind, title, verdict):
    pdf = d.render_refusal_notice(
        d.RefusalNotice(
            header=header(),
            kind=kind,
            reason="经营场所与污染源距离不符合要求",
            legal_basis="《食品经营许可和备案管理办法》第十二条",
        )
    )
    text = assert_common(pdf, title)
    for expected in [
        verdict,
        "经营场所与污染源距离不符合要求",
        "《食品经营许可和备案管理办法》第十二条",
        "六十日内依法申请行政复议",
        "六个月内依法向人民法院提起行政诉讼",
    ]:
        assert expected in text, expected


def test_extension_notice_gives_the_reason_and_the_new_date():
    pdf = d.render_extension_notice(
        d.ExtensionNotice(
            header=header(),
            accepted_on=datetime.date(2026, 11, 24),
            extended_workdays=5,
            limit_workdays=15,
            due_date=datetime.date(2026, 12, 15),
            reason="需组织专家对经营场所布局进行论证",
        )
    )
    text = assert_common(pdf, "延长审批期限告知书")
    for expected in ["第四十二条", "负责人批准", "延长5个工作日", "2026年12月15日", "需组织专家对经营场所布局进行论证"]:
        assert expected in text, expected
    paused = d.ExtensionNotice(
        header=header(),
        accepted_on=datetime.date(2026, 11, 24),
        extended_workdays=5,
        limit_workdays=15,
        due_date=None,
        reason="专家评审",
    )
    assert "恢复计时后" in assert_common(d.render_extension_notice(paused), "延长审批期限告知书")


def test_refusal_kind_is_checked():
    with pytest.raises(ValueError):
        d.RefusalNotice(header=header(), kind="maybe", reason="r", legal_basis="b")


def test_approval_decision():
    pdf = d.render_approval_decision(
        d.ApprovalDecision(
            header=header(),
            title="准予注销登记通知书",
            decision="经审查，申请人张明申请的“个体工商户注销登记”符合法定条件，决定准予注销登记。",
            legal_basis="《促进个体工商户发展条例》",
            fields=[("名称", "莲湖区张明小吃店"), ("经营场所", "西安市莲湖区北大街1号")],
            valid_until=datetime.date(2031, 11, 23),
        )
    )
    text = assert_common(pdf, "准予注销登记通知书")
    for expected in ["决定准予注销登记", "《促进个体工商户发展条例》", "莲湖区张明小吃店", "2031年11月23日"]:
        assert expected in text, expected


def test_a_query_url_adds_a_qr_code_and_rendering_is_deterministic():
    notice = d.AcceptanceNotice(
        header=header(query_url="https://zwfw.example.cn/cases/" + NUMBER),
        accepted_on=datetime.date(2026, 11, 24),
        limit_workdays=10,
        due_date=datetime.date(2026, 12, 8),
    )
    pdf = d.render_acceptance_notice(notice)
    assert "扫码查询办件进度" in text_of(pdf)[0]
    assert d.render_acceptance_notice(notice) == pdf


def test_markup_in_user_text_is_printed_not_interpreted():
    pdf = d.render_refusal_notice(
        d.RefusalNotice(header=header(), kind="denial", reason="<b>不符合</b> & 其他", legal_basis="第1条\n第2条")
    )
    text, _ = text_of(pdf)
    assert "<b>不符合</b>&其他" in text
