"""The pages: who may open each, the case page's links, the public page's content."""

from __future__ import annotations

import pytest
from conftest import login

from govhall.evaluations import services
from govhall.evaluations.models import CallbackTask, Evaluation
from govhall.evaluations.tests import helpers as h

pytestmark = pytest.mark.django_db


def _form(level, comment="", indicators=h.ONLINE):
    return {"level": level, "comment": comment} | {f"i_{k}": level for k in indicators}


def test_the_applicant_evaluates_on_the_case_page(demo, client):
    case = h.issued()
    login(client, "citizen")
    detail = client.get(f"/cases/{case.number}/").content.decode()
    assert f"/evaluations/case/{case.number}/" in detail and "办件已办结，请对本次服务作出评价" in detail
    page = client.get(f"/evaluations/case/{case.number}/?c=SMS")
    assert page.status_code == 200 and "办事指南精确度" in page.content.decode()
    refused = client.post(f"/evaluations/case/{case.number}/", _form(2) | {"c": "SMS"})
    assert refused.status_code == 400 and "请写明不满意的原因" in refused.content.decode()
    done = client.post(f"/evaluations/case/{case.number}/", _form(2, "材料要求前后不一致") | {"c": "SMS"})
    assert done.status_code == 302
    evaluation = Evaluation.objects.get(case=case)
    assert (evaluation.channel, evaluation.level) == ("SMS", 2)
    shown = client.get(f"/evaluations/case/{case.number}/").content.decode()
    assert "不满意" in shown and "待回访" in shown
    assert client.post(f"/evaluations/case/{case.number}/", _form(5)).status_code == 409


def test_pages_refuse_outsiders(demo, client):
    case = h.issued()
    task = h.evaluate(case, 1).callback_task
    assert client.get(f"/evaluations/case/{case.number}/").status_code == 302  # sign in first
    login(client, "citizen2")
    assert client.get(f"/evaluations/case/{case.number}/").status_code == 404
    assert client.get("/evaluations/tasks/").status_code == 404
    assert client.get(f"/evaluations/tasks/{task.pk}/").status_code == 404
    assert client.get("/evaluations/devices/").status_code == 404
    assert client.post(f"/evaluations/tasks/{task.pk}/respond/", {"answer": "confirm"}).status_code == 404
    assert client.get(f"/evaluations/window/{case.number}/").status_code == 404
    client.logout()
    client.force_login(h.other_department_reviewer())
    assert client.get(f"/evaluations/tasks/{task.pk}/").status_code == 404
    assert f"task-row-{task.pk}" not in client.get("/evaluations/tasks/").content.decode()


def test_the_department_records_everything_on_the_task_page(demo, client):
    task = h.evaluate(h.issued(), 1).callback_task
    login(client, "reviewer")
    page = client.get(f"/evaluations/tasks/{task.pk}/").content.decode()
    assert "登记回访" in page and "张*" in page and "13800138000" not in page  # masked
    skipped = client.post(f"/evaluations/tasks/{task.pk}/", {"step": "close", "note": "直接办结"})
    assert skipped.status_code == 409 and "须先完成回访和整改" in skipped.content.decode()
    steps = [
        {"step": "callback", "method": "phone", "outcome": "reached", "summary": "已电话联系申请人"},
        {"step": "rectify", "cause": "process", "measures": "优化叫号流程"},
        {"step": "close", "note": "已整改，向申请人说明"},
    ]
    for step in steps:
        assert client.post(f"/evaluations/tasks/{task.pk}/", step).status_code == 302
    task.refresh_from_db()
    assert task.state == CallbackTask.State.CLOSED
    client.logout()
    login(client, "supervisor")
    assert "已办结" in client.get("/evaluations/tasks/?state=closed").content.decode()
    supervised = client.get(f"/evaluations/tasks/{task.pk}/").content.decode()
    assert "登记回访" not in supervised and "已整改，向申请人说明" in supervised
    client.logout()
    login(client, "citizen")
    mine = client.get("/evaluations/mine/").content.decode()
    assert "认可整改结果" in mine
    client.post(f"/evaluations/tasks/{task.pk}/respond/", {"answer": "confirm"})
    task.refresh_from_db()
    assert task.applicant_response == "confirmed"


def test_the_clerk_asks_on_the_case_page(demo, client):
    case = h.accepted()
    login(client, "clerk")
    assert "请申请人评价" not in client.get(f"/cases/{case.number}/").content.decode()  # no screen yet
    h.paired_window()
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert f'<form method="post" action="/evaluations/window/{case.number}/"' in page  # one button
    response = client.post(f"/evaluations/window/{case.number}/")
    assert response.status_code == 302 and response.url == f"/cases/{case.number}/"
    assert services.window_device(h.user("clerk")).case_id == case.pk
    client.logout()
    login(client, "reviewer")
    assert client.post(f"/evaluations/window/{case.number}/").status_code == 403


def test_the_hall_manager_pairs_a_screen_and_the_code_is_shown_once(demo, client):
    from govhall.accounts.models import Window

    window = Window.objects.get(hall__name="莲湖区政务服务中心", code="2")
    login(client, "manager")
    page = client.post("/evaluations/devices/", {"window": window.pk, "action": "pair"}).content.decode()
    code = page.split('id="pairing-code" class="pairing-code">')[1].split("<")[0]
    assert services.device_for_secret(code).window == window
    assert code not in client.get("/evaluations/devices/").content.decode()
    login(client, "clerk")
    assert client.get("/evaluations/devices/").status_code == 404


def test_the_public_page_counts_without_personal_data(demo, client):
    bad = h.evaluate(h.issued(), 1, comment="张明的电话13800138000，窗口人员王芳态度差")
    h.evaluate(h.issued(), 5)
    page = client.get("/evaluations/public/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="total-count">2<' in text and 'id="bad-count">1<' in text and "50.0%" in text
    assert "区市场监督管理局" in text and "待回访" in text
    for private in (bad.case.number, "张明", "13800138000", "王芳", "态度差"):
        assert private not in text


def test_staff_see_the_evaluations_of_their_scope_masked(demo, client):
    bad = h.evaluate(h.issued(), 1)
    good = h.evaluate(h.issued(), 5)
    login(client, "reviewer")
    page = client.get("/evaluations/list/").content.decode()
    assert f"evaluation-row-{bad.pk}" in page and f"evaluation-row-{good.pk}" in page
    assert "张明" not in page and "张*" in page
    only_bad = client.get("/evaluations/list/?bad=1").content.decode()
    assert f"evaluation-row-{bad.pk}" in only_bad and f"evaluation-row-{good.pk}" not in only_bad
    client.logout()
    client.force_login(h.other_department_reviewer())
    assert "evaluation-row-" not in client.get("/evaluations/list/").content.decode()
    client.logout()
    login(client, "citizen")
    assert client.get("/evaluations/list/").status_code == 404


def test_an_applicant_evaluates_a_staff_member_from_the_card_s_qr_code(demo, client):
    """工作人员评价 without a case: the staff member's card (评价二维码) leads to the page."""
    reviewer = h.user("reviewer")
    url = f"/evaluations/staff/{reviewer.pk}/"
    login(client, "reviewer")
    card = client.get("/evaluations/staff/card/")
    assert card.status_code == 200 and url in card.content.decode() and "<svg" in card.content.decode()
    assert "评价二维码" in client.get("/").content.decode()  # in the reviewer's menu
    assert client.post(url, _form(5, indicators=h.WINDOW)).status_code == 403  # nobody evaluates themselves
    login(client, "supervisor")
    assert client.get("/evaluations/staff/card/").status_code == 403  # supervisors are not evaluated so
    client.logout()
    assert client.get(url).status_code == 302  # sign in first
    login(client, "citizen")
    page = client.get(url)
    assert page.status_code == 200 and str(reviewer) in page.content.decode() and "服务态度" in page.content.decode()
    refused = client.post(url, _form(1, indicators=h.WINDOW))
    assert refused.status_code == 400 and "请写明不满意的原因" in refused.content.decode()
    assert client.post(url, _form(1, "等了很久无人理睬", indicators=h.WINDOW)).status_code == 302
    found = Evaluation.objects.get(subject="staff", staff=reviewer)
    assert (found.level, found.evaluator.username, found.case_id) == (1, "citizen", None)
    assert CallbackTask.objects.filter(evaluation=found).exists()  # a bad one goes to 回访整改
    # not staff, no department, unknown, beyond 64 bits: the same 404
    for other in (h.user("citizen2").pk, h.user("supervisor").pk, 10**6, 2**63, 10**30):
        assert client.get(f"/evaluations/staff/{other}/").status_code == 404, other


def test_a_general_window_clerk_has_a_card_too(demo, client):
    """The clerk at 综合窗口 1 belongs to no department: the card names the hall and window,
    and the evaluation goes to the body running the hall."""
    clerk = h.user("clerk")
    login(client, "clerk")
    card = client.get("/evaluations/staff/card/").content.decode()
    assert f"/evaluations/staff/{clerk.pk}/" in card and "莲湖区政务服务中心 · 1号窗口" in card
    login(client, "citizen")
    assert client.post(f"/evaluations/staff/{clerk.pk}/", _form(5, indicators=h.WINDOW)).status_code == 302
    assert Evaluation.objects.get(subject="staff", staff=clerk).department.code == "lh-xzsp"


def test_an_applicant_evaluates_an_item_on_its_page_once_a_day(demo, client):
    code = h.issued().item.code
    url = f"/evaluations/item/{code}/"
    assert client.get(url).status_code == 302  # sign in first
    login(client, "citizen")
    assert client.get(url).status_code == 200 and "事项评价" in client.get(url).content.decode()
    refused = client.post(url, _form(1))
    assert refused.status_code == 400 and "请写明不满意的原因" in refused.content.decode()
    assert client.post(url, _form(5)).status_code == 302
    assert Evaluation.objects.filter(subject="item", item__code=code, level=5).count() == 1
    again = client.post(url, _form(4))
    assert again.status_code == 409 and "每天可评价一次" in again.content.decode()
    assert client.get("/evaluations/item/no-such-item/").status_code == 404
