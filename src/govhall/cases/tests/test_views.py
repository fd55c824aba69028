"""Case pages: who may open what, and the main flows through the pages (test client)."""

from __future__ import annotations

import re

import pytest
from conftest import login
from django.core.files.uploadedfile import SimpleUploadedFile

from govhall.accounts.demo import DEMO_COMPANY_USCC, DEMO_ID_NUMBER
from govhall.accounts.models import Applicant, StaffProfile, User
from govhall.accounts.roles import Role
from govhall.accounts.validators import id_number_check_char, uscc_check_char
from govhall.cases import selectors, services
from govhall.cases.models import Case, Channel, State, TimelineEvent
from govhall.cases.tests import factories as f
from govhall.catalog.models import Department, ServiceItem

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def page_text(response) -> str:
    """The visible text, roughly: tags dropped, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def detail_url(case: Case) -> str:
    return f"/cases/{case.number}/"


# --------------------------------------------------------------------------- authorisation


def test_anonymous_is_sent_to_login(client, demo):
    case = f.submitted()
    for url in ["/cases/mine/", f"/cases/apply/{f.FOOD}/", detail_url(case), "/workbench/", "/workbench/intake/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url
    response = client.post(f"/cases/{case.number}/act/", {"action": "withdraw"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_another_citizen_gets_404_on_someone_elses_case(client, demo):
    case = f.submitted()
    login(client, "citizen2")
    assert client.get(detail_url(case)).status_code == 404
    assert client.post(f"/cases/{case.number}/act/", {"action": "withdraw"}).status_code == 404
    upload = {"requirement_id": f.deferrable_ids(case)[0], "file": f.pdf_upload()}
    assert client.post(f"/cases/{case.number}/upload/", upload).status_code == 404
    assert client.post(f"/cases/{case.number}/identity/", {"purpose": "x"}).status_code == 404
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    # and the owner does see it
    login(client, "citizen")
    assert client.get(detail_url(case)).status_code == 200


def test_a_citizen_cannot_open_the_workbench_or_intake(client, demo):
    login(client, "citizen")
    assert client.get("/workbench/").status_code == 403
    assert client.get("/workbench/intake/").status_code == 403
    assert client.post("/workbench/intake/", {"item": f.FOOD}).status_code == 403


def test_only_clerks_take_cases_in_at_the_window(client, demo):
    for username in ["reviewer", "approver", "supervisor", "assistant"]:
        login(client, username)
        assert client.get("/workbench/intake/").status_code == 403, username


def test_a_reviewer_of_another_department_cannot_open_the_case(client, demo):
    case = f.submitted()  # market regulation (lh-scjg)
    other = Department.objects.exclude(pk=case.department_id).filter(region=case.department.region).first()
    stranger = User.objects.create_user(username="eia-reviewer", password="x", display_name="环评审查员")
    StaffProfile.objects.create(user=stranger, role=Role.REVIEWER, department=other, region=other.region)
    client.force_login(stranger)
    assert client.get(detail_url(case)).status_code == 404
    # the demo reviewer of the case's own department can
    login(client, "reviewer")
    assert client.get(detail_url(case)).status_code == 200
    # and the demo reviewer (market regulation) cannot open an environment case
    eia = f.submitted(f.EIA, "company")
    assert client.get(detail_url(eia)).status_code == 404


def test_drafts_are_private_to_whoever_filed_them(client, demo):
    case = f.draft()
    login(client, "clerk")
    assert client.get(detail_url(case)).status_code == 404


# --------------------------------------------------------------------------- applying online


def test_guide_page_links_to_online_application(client, demo):
    response = client.get(f"/items/{f.FOOD}/")
    assert f'href="/cases/apply/{f.FOOD}/"' in response.content.decode()
    assert "在线办理" in page_text(response)


def test_apply_upload_submit_through_the_pages(client, demo):
    login(client, "citizen")
    item = ServiceItem.objects.get(code=f.FOOD, status="published")
    situation = item.situations.order_by("order").first()
    general = situation.options.get(label__startswith="否")

    response = client.get(f"/cases/apply/{f.FOOD}/")
    assert response.status_code == 200
    text = page_text(response)
    assert "在线申请：食品经营许可" in text and situation.question in text
    assert "张明" in text  # the applicant filing

    response = client.post(
        f"/cases/apply/{f.FOOD}/",
        {
            "applicant": services.applicant_for(User.objects.get(username="citizen")).id,
            f"s{situation.id}": general.id,
            "description": "申请食品经营许可（餐饮服务）",
            # the item's application form: 经营者名称, 经营场所, 主体业态, 经营项目
            "form_0": "张明小吃店",
            "form_1": "西安市莲湖区北院门100号",
            "form_2": "餐饮服务经营者",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(number=response["Location"].strip("/").split("/")[-1])
    assert case.state == State.DRAFT and case.channel == Channel.ONLINE
    assert case.form == {
        "申请事项说明": "申请食品经营许可（餐饮服务）",
        "经营者名称": "张明小吃店",
        "经营场所": "西安市莲湖区北院门100号",
        "主体业态": "餐饮服务经营者",
    }
    assert case.situation_answers == {str(situation.id): general.id}

    page = client.get(response["Location"])
    text = page_text(page)
    assert "申请材料" in text and "提交申请" in text and "未提交" in text
    checklist = selectors.required_materials(case)
    assert all(m.name in text for m in checklist)

    # a file that is not a PDF/JPG/PNG (by content) is refused in Chinese
    first = checklist[0]
    bad = SimpleUploadedFile("申请书.pdf", b"just some text, not a pdf", content_type="application/pdf")
    response = client.post(f"/cases/{case.number}/upload/", {"requirement_id": first.id, "file": bad})
    assert response.status_code == 400
    assert "文件格式不支持" in page_text(response)
    assert not case.materials.exists() or not case.materials.filter(requirement=first).exists()

    # submitting with materials missing is refused with the list of what is missing
    response = client.post(f"/cases/{case.number}/act/", {"action": "submit", "version": case.version})
    assert response.status_code == 400
    assert "以下必要材料尚未提交" in page_text(response)

    deferrable = set(f.deferrable_ids(case))
    for requirement in checklist:
        if requirement.id in deferrable or not requirement.required:
            continue
        if case.materials.filter(requirement=requirement, current=True).exists():
            continue  # filled from the licence library or shared data
        response = client.post(
            f"/cases/{case.number}/upload/", {"requirement_id": requirement.id, "file": f.pdf_upload("材料.pdf")}
        )
        assert response.status_code == 302, page_text(response)
        assert response["Location"].endswith(f"#m-{requirement.id}")

    page = client.get(detail_url(case))
    assert "已上传" in page_text(page)  # the success message
    case.refresh_from_db()
    response = client.post(f"/cases/{case.number}/act/", {"action": "submit", "version": case.version})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    text = page_text(client.get(detail_url(case)))
    assert "待预审" in text and "申请已提交" in text

    mine = page_text(client.get("/cases/mine/"))
    assert case.number in mine and "待预审" in mine


def test_apply_shows_service_errors(client, demo):
    login(client, "citizen")
    # an item without an application form takes free rows: a value needs a name
    response = client.post(f"/cases/apply/{f.INSTANT}/", {"field_name": [""], "field_value": ["没有名称的内容"]})
    assert response.status_code == 400
    assert "请为“没有名称的内容”填写项目名称" in page_text(response)
    # an item with one checks its fields, and keeps what was typed
    response = client.post(f"/cases/apply/{f.FOOD}/", {"form_0": "张明小吃店", "form_2": "不存在的业态"})
    assert response.status_code == 400
    text = page_text(response)
    assert "经营场所（必填）" in text and "主体业态（应为以下之一" in text
    assert 'value="张明小吃店"' in response.content.decode()
    assert not Case.objects.filter(filed_by__username="citizen").exists()


def test_apply_refuses_an_item_for_another_kind_of_applicant(client, demo):
    login(client, "citizen")
    response = client.get(f"/cases/apply/{f.COMPANY}/")
    assert response.status_code == 200
    assert "申请人身份（自然人）不符" in page_text(response)
    assert client.post(f"/cases/apply/{f.COMPANY}/", {}).status_code == 200
    assert not Case.objects.filter(filed_by__username="citizen").exists()


def test_stale_version_is_reported(client, demo):
    case = f.draft()
    f.upload_all(case)
    login(client, "citizen")
    response = client.post(f"/cases/{case.number}/act/", {"action": "submit", "version": case.version + 5})
    assert response.status_code == 409
    assert "办件已被他人更新" in page_text(response)


# --------------------------------------------------------------------------- staff actions


def test_action_error_is_shown_then_correction_request_reaches_the_applicant(client, demo):
    case = f.draft()
    deferred = f.deferrable_ids(case)
    f.upload_all(case, skip=set(deferred))
    case = f.act(case, "citizen", "submit")

    login(client, "clerk")
    page = client.get(detail_url(case))
    text = page_text(page)
    assert "受理" in text and "容缺受理" in text and "一次性告知补正" in text
    assert "查看完整身份信息" in text
    # accept with materials missing: refused, the message on the page, nothing changed
    response = client.post(f"/cases/{case.number}/act/", {"action": "accept", "version": case.version})
    assert response.status_code == 400
    assert "材料不齐，不能受理" in page_text(response)
    case.refresh_from_db()
    assert case.state == State.SUBMITTED

    # a correction request without any problem written: refused
    response = client.post(
        f"/cases/{case.number}/act/",
        {"action": "request_correction", "version": case.version, "item_requirement": [""], "item_problem": [""]},
    )
    assert response.status_code == 400
    assert "请列出需要补正的全部内容" in page_text(response)

    first = selectors.required_materials(case)[0]
    response = client.post(
        f"/cases/{case.number}/act/",
        {
            "action": "request_correction",
            "version": case.version,
            "item_requirement": [str(first.id), "", ""],
            "item_problem": ["申请书未签字", "经营场所地址填写不完整", ""],
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.CORRECTION_REQUESTED
    correction = case.corrections.get()
    assert correction.items == [
        {"requirement_id": first.id, "name": first.name, "problem": "申请书未签字"},
        {"requirement_id": None, "name": "申请表", "problem": "经营场所地址填写不完整"},
    ]

    login(client, "citizen")
    text = page_text(client.get(detail_url(case)))
    assert "补正告知" in text and "申请书未签字" in text and "经营场所地址填写不完整" in text
    assert "补正材料通知书" in text  # the notice to download
    assert "补正后重新提交" in text


def test_review_form_and_the_opinion_before_the_decision(client, demo):
    case = f.accepted()
    login(client, "reviewer")
    page = client.get(detail_url(case)).content.decode()
    assert 'id="act-review" open' in page  # the reviewer's usual next step
    response = client.post(
        f"/cases/{case.number}/act/", {"action": "review", "version": case.version, "comment": "材料齐全"}
    )
    assert response.status_code == 400 and "请选择审查建议" in page_text(response)
    assert "材料齐全" in response.content.decode()  # what was typed is kept
    # 审查要点: the item's points are ticked one by one; approval needs every one
    points = case.item.review_points
    assert points and all(p in page_text(client.get(detail_url(case))) for p in points)
    form = {"action": "review", "version": case.version, "recommendation": "approve", "comment": "材料齐全，建议准予"}
    response = client.post(f"/cases/{case.number}/act/", {**form, "points": ["0", "1"]})
    assert (
        response.status_code == 400 and "不能建议准予许可" in page_text(response) and points[2] in page_text(response)
    )
    ticked = re.findall(r'name="points" value="(\d+)" checked', response.content.decode())
    assert ticked == ["0", "1"]  # what was ticked stays ticked
    response = client.post(f"/cases/{case.number}/act/", {**form, "points": [str(i) for i in range(len(points))]})
    assert response.status_code == 302
    login(client, "approver")
    text = page_text(client.get(detail_url(case)))
    assert "审查意见 建议准予许可 材料齐全，建议准予" in text
    login(client, "citizen")  # the department's internal opinion is not the applicant's to read
    assert "材料齐全，建议准予" not in page_text(client.get(detail_url(case)))


def test_extension_form_for_the_chief_approver(client, demo):
    case = f.accepted()
    login(client, "reviewer")
    assert "延长审批期限" not in page_text(client.get(detail_url(case)))  # the head of the department decides
    login(client, "approver")
    text = page_text(client.get(detail_url(case)))
    ceiling = selectors.extension_ceiling(case)
    assert "延长审批期限" in text and f"最多 {ceiling} 个工作日" in text
    # no reason: refused with the service's message, the days typed kept
    response = client.post(f"/cases/{case.number}/act/", {"action": "extend", "version": case.version, "days": "4"})
    assert response.status_code == 400 and "请填写延长理由" in page_text(response)
    days_input = f'name="days" type="number" min="1" max="{ceiling}" inputmode="numeric" required value="4"'
    assert days_input in response.content.decode()
    response = client.post(
        f"/cases/{case.number}/act/",
        {"action": "extend", "version": case.version, "days": "4", "reason": "需现场核验后组织专家论证"},
    )
    assert response.status_code == 302
    page = client.get(detail_url(case))
    text = page_text(page)
    assert f"{case.limit_workdays + 4} 个工作日（含经批准延长的 4 个工作日）" in text
    assert "延长审批期限告知书" in text
    assert 'id="act-extend"' not in page.content.decode()  # once per case: the form is gone
    login(client, "citizen")
    text = page_text(client.get(detail_url(case)))
    assert "延长审批期限告知书" in text and "含经批准延长的 4 个工作日" in text


def test_accept_with_deferral_form(client, demo):
    case = f.draft()
    deferred = f.deferrable_ids(case)
    f.upload_all(case, skip=set(deferred))
    case = f.act(case, "citizen", "submit")
    login(client, "clerk")
    # no commitment text: the service's message
    response = client.post(
        f"/cases/{case.number}/act/",
        {"action": "accept_with_deferral", "version": case.version, "deferred": deferred, "commitment": ""},
    )
    assert response.status_code == 400
    assert "请填写申请人书面承诺" in page_text(response)
    response = client.post(
        f"/cases/{case.number}/act/",
        {
            "action": "accept_with_deferral",
            "version": case.version,
            "deferred": deferred,
            "commitment": "本人承诺10个工作日内补齐。",
            "signed_by": "张明",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.ACCEPTED
    assert sorted(case.deferrals.values_list("requirement_id", flat=True)) == sorted(deferred)

    login(client, "citizen")
    text = page_text(client.get(detail_url(case)))
    assert "容缺材料" in text and "待补齐" in text
    assert "容缺受理补正材料通知书" in text and "受理通知书" in text
    assert "到期日" in text and "剩余工作日" in text


def test_deadline_pause_is_shown(client, demo):
    case = f.act(f.accepted(), "reviewer", "suspend", reason="现场核查")
    login(client, "citizen")
    text = page_text(client.get(detail_url(case)))
    assert "计时暂停" in text


def test_issued_case_links_the_licence_file_and_verify_page(client, demo):
    case = f.act(f.approved(), "clerk", "issue")
    assert case.licence_number
    login(client, "citizen")
    html = client.get(detail_url(case)).content.decode()
    assert f'href="/api/v1/licences/{case.licence_number}/file"' in html
    match = re.search(r'href="(/licences/[^"]+/verify\?h=[0-9a-f]{64})"', html)
    assert match, "no verify link"
    verify = client.get(match.group(1).replace("&amp;", "&"))
    assert verify.status_code == 200
    assert "有效" in page_text(verify)
    assert client.get(f"/api/v1/licences/{case.licence_number}/file").status_code == 200


def test_identity_view_shows_the_full_id_once_and_is_recorded(client, demo):
    case = f.submitted()
    login(client, "clerk")
    page = client.get(detail_url(case))
    assert DEMO_ID_NUMBER not in page.content.decode()
    response = client.post(f"/cases/{case.number}/identity/", {"purpose": "核验申请人身份"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert DEMO_ID_NUMBER in response.content.decode()
    event = TimelineEvent.objects.filter(case=case, action="personal_data_viewed").get()
    assert event.comment == "核验申请人身份" and event.actor.username == "clerk"
    # shown once: the next page view is masked again, and lists the read in the timeline
    page = client.get(detail_url(case))
    assert DEMO_ID_NUMBER not in page.content.decode()
    assert "查看完整身份信息" in page_text(page)
    # the applicant side has no such button and cannot call it
    login(client, "citizen")
    assert client.post(f"/cases/{case.number}/identity/", {"purpose": "x"}).status_code in (403, 404)


def test_clerk_issue_and_deliver_by_mail_needs_a_tracking_number(client, demo):
    case = f.act(f.approved(), "clerk", "issue")
    login(client, "clerk")
    response = client.post(
        f"/cases/{case.number}/act/", {"action": "deliver", "version": case.version, "delivery_mode": "mail"}
    )
    assert response.status_code == 400
    assert "请填写邮件单号" in page_text(response)
    response = client.post(
        f"/cases/{case.number}/act/",
        {
            "action": "deliver",
            "version": case.version,
            "delivery_mode": "mail",
            "tracking_number": "SF1234567890",
            "address": "西安市莲湖区北院门100号",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.DELIVERED and case.tracking_number == "SF1234567890"


def test_reject_needs_reason_and_legal_basis(client, demo):
    case = f.submitted()
    login(client, "clerk")
    url = f"/cases/{case.number}/act/"
    response = client.post(url, {"action": "reject", "version": case.version, "reason": "不属于本部门职权范围"})
    assert response.status_code == 400
    assert "请填写法律依据" in page_text(response)
    assert "不属于本部门职权范围" in response.content.decode()  # what was typed is kept
    response = client.post(
        url,
        {
            "action": "reject",
            "version": case.version,
            "reason": "不属于本部门职权范围",
            "legal_basis": "《中华人民共和国行政许可法》第三十二条第一款",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.REJECTED
    login(client, "citizen")
    text = page_text(client.get(detail_url(case)))
    assert "不予受理" in text and "不予受理通知书" in text and "不属于本部门职权范围" in text


def test_suspend_and_resume_through_the_page(client, demo):
    case = f.accepted()
    login(client, "reviewer")
    url = f"/cases/{case.number}/act/"
    assert client.post(url, {"action": "suspend", "version": case.version, "reason": "现场核查"}).status_code == 302
    case.refresh_from_db()
    assert case.state == State.SUSPENDED and case.clock_paused
    assert "结束特别程序" in page_text(client.get(detail_url(case)))
    assert client.post(url, {"action": "resume", "version": case.version}).status_code == 302
    case.refresh_from_db()
    assert case.state == State.ACCEPTED and not case.clock_paused
    # a reviewer may not decide: the approve form is not offered, and posting it is refused
    assert 'id="act-approve"' not in client.get(detail_url(case)).content.decode()
    response = client.post(url, {"action": "approve", "version": case.version})
    assert response.status_code == 403
    assert "您的角色无权执行此操作" in page_text(response)


def test_applicant_withdraws(client, demo):
    case = f.submitted()
    login(client, "citizen")
    response = client.post(
        f"/cases/{case.number}/act/", {"action": "withdraw", "version": case.version, "comment": "不再需要"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.WITHDRAWN
    text = page_text(client.get(detail_url(case)))
    assert "已撤回" in text and "撤回申请" not in text.replace("撤回申请 → 已撤回", "")


# --------------------------------------------------------------------------- workbench


def test_workbench_queues_depend_on_the_role(client, demo):
    submitted = f.submitted()
    accepted = f.accepted()

    login(client, "clerk")
    response = client.get("/workbench/")
    assert response.status_code == 200
    text = page_text(response)
    assert "待预审" in text and "待出件" in text and "待送达" in text
    assert "待审查" not in text and "待决定" not in text
    assert submitted.number in text
    assert "张*" in text and "张明" not in text.replace("张明小吃店", "")  # masked applicant
    assert "窗口收件" in text

    login(client, "reviewer")
    text = page_text(client.get("/workbench/"))
    assert "待审查" in text and "待预审" not in text and "待决定" not in text
    assert accepted.number in text and submitted.number not in text

    # 审查 → 决定: the chief approver decides what a reviewer has recommended (待决定, the
    # first tab) and may also decide unreviewed cases alone (首席审批员, 待审查)
    login(client, "approver")
    text = page_text(client.get("/workbench/"))
    assert "待审查" in text and "待决定" in text and "待预审" not in text
    assert accepted.number not in text  # 待决定 is empty so far
    assert accepted.number in page_text(client.get("/workbench/?queue=review"))
    f.act(accepted, "reviewer", "review", comment="符合条件", recommendation="approve", points=f.all_points(accepted))
    text = page_text(client.get("/workbench/"))
    assert accepted.number in text and "审查建议准予许可" in text  # the recommendation in the row
    assert accepted.number not in page_text(client.get("/workbench/?queue=review"))
    login(client, "reviewer")
    assert accepted.number not in page_text(client.get("/workbench/"))  # off the reviewer's list

    for username in ["supervisor", "manager"]:
        login(client, username)
        text = page_text(client.get("/workbench/"))
        for title in ["待预审", "待补正", "待审查", "待决定", "待出件", "待送达"]:
            assert title in text, (username, title)
        assert "超期办件" in text and "容缺材料逾期未补齐" in text


def test_workbench_queries_do_not_grow_with_the_queue(client, demo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def reviewed() -> None:
        case = f.accepted()
        f.act(case, "reviewer", "review", comment="符合条件", recommendation="approve", points=f.all_points(case))

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/workbench/").status_code == 200
        return len(ctx)

    login(client, "approver")
    reviewed()
    queries()  # the session's first request also saves the session
    one = queries()
    for _ in range(4):
        reviewed()
    assert queries() == one  # the rows' recommendations, deadlines and pauses come in fixed reads


def test_a_long_queue_is_counted_and_paged_up_to_the_cap(client, demo, monkeypatch):
    """Counting a whole queue costs what it holds: the tab and the heading say "N+" past
    QUEUE_CAP and the pages stop there (the rest is found with 查找办件)."""
    from govhall.cases import selectors

    monkeypatch.setattr(selectors, "QUEUE_CAP", 2)
    cases = [f.submitted() for _ in range(3)]
    login(client, "clerk")
    response = client.get("/workbench/")
    text = page_text(response)
    assert "待预审2+" in text.replace(" ", "") and "待预审（2+ 件）" in text
    assert response.context["page"].paginator.num_pages == 1 and len(response.context["rows"]) == 2
    shown = [c.number for c in cases if c.number in text]
    assert len(shown) == 2
    monkeypatch.setattr(selectors, "QUEUE_CAP", 3)
    assert "待预审（3 件）" in page_text(client.get("/workbench/"))


def test_workbench_search_within_the_staff_members_scope(client, demo):
    food = f.accepted()  # 张明, the market regulator's
    eia = f.submitted(f.EIA, "company")  # the environment bureau's
    draft = f.draft()
    applicant = food.applicant

    def search(q: str) -> str:
        response = client.post("/workbench/", {"q": q})
        assert response.status_code == 200
        return response.content.decode()

    login(client, "reviewer")
    for q in [food.number, food.number[-6:], applicant.id_number.lower(), applicant.phone, "张", "食品经营"]:
        page = search(q)
        assert food.number in page, q
        assert eia.number not in page and draft.number not in page, q  # another department's; a draft
        assert applicant.id_number not in page.replace(f'value="{q}"', "")  # masked in the results
        assert "张*" in page
    assert "您的办理范围内没有符合条件的办件" in search(eia.number)
    assert "查找结果" not in page_text(client.get("/workbench/?q=" + food.number))  # only a POST searches
    login(client, "clerk")  # the hall's clerk sees both
    page = search(eia.applicant.uscc)
    assert eia.number in page and food.number not in page
    login(client, "citizen")  # not staff
    assert client.post("/workbench/", {"q": food.number}).status_code == 403


def test_workbench_lists_overdue_cases_in_red(client, demo):
    import datetime

    from django.utils import timezone

    case = f.accepted()
    # the deadline is past: computed from an acceptance long ago (set on the row as a test fixture)
    long_ago = timezone.localdate() - datetime.timedelta(days=60)
    Case.objects.filter(pk=case.pk).update(accepted_on=long_ago, due_date=long_ago + datetime.timedelta(days=5))
    login(client, "supervisor")
    html = client.get("/workbench/").content.decode()
    overdue = html[html.index('id="overdue"') :]
    assert case.number in overdue[: overdue.index("</section>")]
    assert "is-overdue" in html and "已超期" in html


# --------------------------------------------------------------------------- window intake


def test_intake_with_a_bad_id_number_shows_the_error_and_creates_nothing(client, demo):
    login(client, "clerk")
    page = client.get("/workbench/intake/?q=食品经营")
    assert "食品经营许可" in page_text(page)
    fragment = client.get("/workbench/intake/?q=scjg-xk-005", HTTP_HX_REQUEST="true")
    assert f"?item={f.FOOD}" in fragment.content.decode() and "<html" not in fragment.content.decode()
    assert client.get(f"/workbench/intake/?item={f.FOOD}").status_code == 200
    applicants, cases = Applicant.objects.count(), Case.objects.count()
    bad = "61010419900307123" + ("0" if id_number_check_char("61010419900307123") != "0" else "1")
    response = client.post(
        "/workbench/intake/",
        {"item": f.FOOD, "kind": "natural", "code": bad, "name": "王五", "phone": "13912345678"},
    )
    assert response.status_code == 400
    assert "居民身份证号码不正确" in page_text(response)
    assert (Applicant.objects.count(), Case.objects.count()) == (applicants, cases)
    # a bad phone number when registering
    good = "61010419900101" + "123"
    good += id_number_check_char(good)
    response = client.post(
        "/workbench/intake/",
        {"item": f.FOOD, "kind": "natural", "code": good, "name": "王五", "phone": "12345"},
    )
    assert response.status_code == 400
    assert "手机号码应为11位" in page_text(response)
    assert (Applicant.objects.count(), Case.objects.count()) == (applicants, cases)


def test_intake_registers_a_new_applicant_and_files_a_window_case(client, demo):
    login(client, "clerk")
    code = "61010419881212" + "456"
    code += id_number_check_char(code)
    response = client.post(
        "/workbench/intake/",
        {
            "item": f.FOOD,
            "kind": "natural",
            "code": code,
            "name": "王五",
            "phone": "13912345678",
            "description": "窗口申请",
            "form_0": "王五小吃店",
            "form_1": "西安市莲湖区北院门12号",
        },
    )
    assert response.status_code == 302, page_text(response)
    applicant = Applicant.objects.get(id_number=code)
    assert applicant.name == "王五" and applicant.user is None
    case = Case.objects.get(applicant=applicant)
    assert case.channel == Channel.WINDOW and case.hall.name == "莲湖区政务服务中心"
    assert case.filed_by.username == "clerk" and case.state == State.DRAFT

    # the clerk scans the materials, submits and accepts on the spot
    page = client.get(response["Location"])
    assert "已登记新申请人" in page_text(page)
    for requirement in selectors.required_materials(case):
        if requirement.required and not case.materials.filter(requirement=requirement).exists():
            r = client.post(f"/cases/{case.number}/upload/", {"requirement_id": requirement.id, "file": f.pdf_upload()})
            assert r.status_code == 302, page_text(r)
    case.refresh_from_db()
    assert client.post(f"/cases/{case.number}/act/", {"action": "submit", "version": case.version}).status_code == 302
    case.refresh_from_db()
    assert client.post(f"/cases/{case.number}/act/", {"action": "accept", "version": case.version}).status_code == 302
    case.refresh_from_db()
    assert case.state == State.ACCEPTED and case.intake_window is not None

    # the same person again: found by the ID number alone, nothing new registered
    count = Applicant.objects.count()
    response = client.post(
        "/workbench/intake/",
        {"item": f.FOOD, "kind": "natural", "code": code, "form_0": "王五小吃店", "form_1": "北院门12号"},
    )
    assert response.status_code == 302
    assert Applicant.objects.count() == count
    assert "已找到申请人" in page_text(client.get(response["Location"]))


def test_intake_name_mismatch_and_instant_item_handled_on_the_spot(client, demo):
    login(client, "clerk")
    response = client.post(
        "/workbench/intake/", {"item": f.INSTANT, "kind": "legal", "code": DEMO_COMPANY_USCC, "name": "别的公司"}
    )
    assert response.status_code == 400
    assert "登记的名称与所填不一致" in page_text(response)

    response = client.post("/workbench/intake/", {"item": f.INSTANT, "kind": "legal", "code": DEMO_COMPANY_USCC})
    assert response.status_code == 302
    case = Case.objects.get(number=response["Location"].strip("/").split("/")[-1])
    for requirement in selectors.required_materials(case):
        if requirement.required and not case.materials.filter(requirement=requirement).exists():
            client.post(f"/cases/{case.number}/upload/", {"requirement_id": requirement.id, "file": f.pdf_upload()})
    case.refresh_from_db()
    client.post(f"/cases/{case.number}/act/", {"action": "submit", "version": case.version})
    page = client.get(detail_url(case))
    assert "当场办结" in page_text(page)
    response = client.post(f"/cases/{case.number}/instant/")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.ISSUED
    text = page_text(client.get(detail_url(case)))
    assert "即办件已当场办结" in text and "审批决定书" in text


def test_intake_registers_a_legal_person_with_its_representative(client, demo):
    login(client, "clerk")
    uscc = "91610104MA6TH7788"
    uscc += uscc_check_char(uscc)
    fields = {
        "item": f.COMPANY,
        "kind": "legal",
        "code": uscc,
        "name": "西安莲湖新禾餐饮有限公司",
        "phone": "13811112222",
        # the application form of 有限责任公司设立登记
        "form_0": "西安莲湖新禾餐饮有限公司",
        "form_1": "50",
        "form_2": "西安市莲湖区桃园路1号",
        "form_3": "餐饮服务",
    }
    response = client.post("/workbench/intake/", fields)
    assert response.status_code == 400
    assert "请填写法定代表人" in page_text(response)
    assert not Applicant.objects.filter(uscc=uscc).exists()
    bad = {**fields, "code": uscc[:-1] + ("0" if uscc[-1] != "0" else "1"), "legal_representative": "赵六"}
    response = client.post("/workbench/intake/", bad)
    assert response.status_code == 400 and "统一社会信用代码不正确" in page_text(response)
    response = client.post("/workbench/intake/", {**fields, "legal_representative": "赵六"})
    assert response.status_code == 302
    applicant = Applicant.objects.get(uscc=uscc)
    assert applicant.kind == Applicant.Kind.LEGAL and applicant.legal_representative == "赵六"
    assert Case.objects.filter(applicant=applicant, channel=Channel.WINDOW).count() == 1


def test_intake_registration_is_undone_when_the_case_cannot_be_filed(client, demo):
    natural_only = ServiceItem.objects.filter(status="published", applicant_type="natural").first()
    login(client, "clerk")
    uscc = "91610104MA6TJ1122"
    uscc += uscc_check_char(uscc)
    response = client.post(
        "/workbench/intake/",
        {
            "item": natural_only.code,
            "kind": "legal",
            "code": uscc,
            "name": "某公司",
            "phone": "13811112222",
            "legal_representative": "赵六",
        },
    )
    assert response.status_code == 400
    assert "申请人类型不符" in page_text(response)
    assert not Applicant.objects.filter(uscc=uscc).exists()


def test_commitment_verification_form_revokes_on_failure(client, demo):
    case = f.act(f.accepted(), "approver", "approve", commitment="本人承诺具备经营场所和设备。")
    case = f.act(case, "clerk", "issue")
    url = f"/cases/{case.number}/"
    login(client, "citizen")
    assert "告知承诺事后核查" not in client.get(url).content.decode()
    assert client.post(f"/cases/{case.number}/verify/", {"passed": "no", "comment": "x"}).status_code in (403, 404)
    login(client, "approver")
    assert "告知承诺事后核查" in client.get(url).content.decode()
    response = client.post(f"/cases/{case.number}/verify/", {"passed": "no", "comment": ""})
    assert "请填写核查意见" in response.content.decode()
    response = client.post(f"/cases/{case.number}/verify/", {"passed": "no", "comment": "现场核查：无经营场所"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.REVOKED


def test_public_progress_page(client, demo):
    case = f.accepted()
    page = client.get("/progress/", {"number": case.number, "phone_last4": "8000"})
    assert page.status_code == 200
    text = page_text(page)
    assert "已受理" in text and "张*" in text and "承诺办结日期" in text
    assert "13800138000" not in page.content.decode() and "张明" not in text
    wrong = client.get("/progress/", {"number": case.number, "phone_last4": "1234"})
    unknown = client.get("/progress/", {"number": "61010420260101000000", "phone_last4": "8000"})
    assert wrong.status_code == unknown.status_code == 404
    assert "未查到办件" in page_text(wrong)
    assert client.get("/progress/").status_code == 200  # the empty form


def test_public_progress_page_is_rate_limited(client, demo):
    from govhall.cases.views import PROGRESS_LIMIT

    for _ in range(PROGRESS_LIMIT):
        client.get("/progress/", {"number": "x", "phone_last4": "0000"})
    assert client.get("/progress/", {"number": "x", "phone_last4": "0000"}).status_code == 429


def test_workbench_lists_commitments_to_verify(client, demo):
    case = f.act(f.accepted(), "approver", "approve", commitment="本人承诺具备经营场所和设备。")
    login(client, "reviewer")
    text = page_text(client.get("/workbench/"))
    assert "告知承诺待核查（1 件）" in text and case.number in text
    login(client, "clerk")
    assert "告知承诺待核查" not in page_text(client.get("/workbench/"))


# --------------------------------------------------------------------------- the page offers what the service accepts


def _upload_offered(client, case: Case) -> dict[int, bool]:
    """requirement id -> whether the case page shows an upload form there."""
    html = client.get(detail_url(case)).content.decode()
    offered = {}
    for rid, body in re.findall(r'<li id="m-(\d+)"(.*?)</li>', html, flags=re.S):
        offered[int(rid)] = 'class="upload' in body
    return offered


@pytest.mark.parametrize(
    ("builder", "usernames"),
    [
        (lambda: f.draft(f.FOOD, "company"), ["company", "clerk"]),  # 营业执照 from the licence library
        (lambda: f.draft(f.FOOD, "citizen"), ["citizen", "citizen2"]),
        (lambda: f.submitted(), ["citizen", "clerk"]),
        (lambda: f.act(f.submitted(), "clerk", "request_correction", items=[{"problem": "不清晰"}]), ["citizen"]),
        (lambda: f.accepted_with_deferral(), ["citizen", "clerk", "reviewer"]),
        (lambda: f.accepted(), ["citizen", "reviewer"]),
    ],
)
def test_page_and_api_agree_on_uploads(client, bearer, demo, builder, usernames):
    from govhall.catalog.models import MaterialRequirement

    case = builder()
    sources = {m.id: m.source for m in selectors.required_materials(case)}
    for username in usernames:
        login(client, username)
        offered = _upload_offered(client, case) if client.get(detail_url(case)).status_code == 200 else {}
        headers = bearer(username)
        for rid in sources:
            r = client.post(
                f"/api/v1/cases/{case.number}/materials",
                {"requirement_id": rid, "file": f.pdf_upload()},
                headers=headers,
            )
            assert (r.status_code == 201) == offered.get(rid, False), (username, case.state, sources[rid], r.content)
            if sources[rid] == MaterialRequirement.Source.SHARED_DATA:
                assert r.status_code != 201
