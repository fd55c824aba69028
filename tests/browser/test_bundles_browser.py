"""新生儿出生一件事 in real Chromium on a 375 px phone: a parent answers the situation
questions, fills the one form once, uploads the one set of materials and submits once; the
health, medical-insurance and social-security bureaus each accept, review, approve and issue
their own member cases (through the services, as their staff would); nothing is delivered
until every member is decided, then a general-window clerk hands everything over at once
(统一送达) and the parent's page shows it all delivered together."""

from __future__ import annotations

import datetime

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_case_browser import make_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
CODE = "newborn"
DEPARTMENTS = ("lh-wj", "lh-yb", "lh-rs")  # 卫生健康局 (出生医学证明, 预防接种证), 医保局, 人社局


@pytest.fixture
def newborn(transactional_db, settings, tmp_path):
    """The demo catalogue, accounts and bundles, and a reviewer and a chief approver for each
    department of the newborn bundle (the demo has the market bureau's only)."""
    from conftest import _load_demo

    from govhall.accounts.models import StaffProfile, User
    from govhall.accounts.roles import Role
    from govhall.catalog.demo import bundles as demo_bundles
    from govhall.catalog.models import Department

    settings.MEDIA_ROOT = tmp_path / "media"
    _load_demo()
    demo_bundles.load()
    staff = {}
    for code in DEPARTMENTS:
        department = Department.objects.get(code=code)
        for suffix, role in (("reviewer", Role.REVIEWER), ("approver", Role.CHIEF_APPROVER)):
            user, _ = User.objects.get_or_create(username=f"{code}-{suffix}", defaults={"display_name": suffix})
            StaffProfile.objects.get_or_create(
                user=user, defaults={"role": role, "department": department, "region": department.region}
            )
        staff[code] = (f"{code}-reviewer", f"{code}-approver")
    return staff


def person(browser, base: str, username: str, next_url: str, viewport=PHONE):
    from django.conf import settings

    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.GOVHALL_DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{next_url}")
    return page


def fits(page, name: str) -> None:
    """Nothing scrolls sideways on the phone."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{name}: the page is {width}px wide"


def member_states(page) -> dict[str, str]:
    rows = page.locator("#members tbody tr").all()
    return {row.locator("td").nth(0).inner_text(): row.locator("td").nth(2).inner_text() for row in rows}


def decide(case, reviewer: str, approver: str) -> None:
    """A department's own staff: review with a recommendation, approve, issue."""
    from govhall.cases.tests import factories as f

    case.refresh_from_db()
    f.act(case, reviewer, "review", comment="材料齐全，符合条件", recommendation="approve")
    f.act(case, approver, "approve")
    f.act(case, approver, "issue")


def test_a_parent_files_the_newborn_bundle_once_and_receives_everything_together(
    browser, live_server, newborn, tmp_path
):
    from govhall.bundles import selectors
    from govhall.bundles.models import BundleCase, Status
    from govhall.cases.models import State
    from govhall.cases.tests import factories as f

    base = live_server.url
    pdf = make_pdf(tmp_path, "newborn-material")

    # ---- the parent: the apply page, the situations first (both parents' households elsewhere)
    page = person(browser, base, "citizen", f"/bundle-cases/new/{CODE}/")
    assert "新生儿出生一件事" in page.locator("h1").inner_text()
    fits(page, "apply")
    situations = page.locator("#situations")
    situations.get_by_label("否，回户籍地落户").check()
    situations.locator("fieldset", has_text="生育保险").get_by_label("否", exact=True).check()
    with page.expect_navigation():
        page.locator("#refresh").click()
    members = page.locator("#members").inner_text()
    assert "4项" in members, members
    for name in ("出生医学证明", "预防接种证", "新生儿城乡居民基本医疗保险参保登记", "社会保障卡申领（新生儿）"):
        assert name in members, (name, members)
    assert "户口" not in members and "生育津贴" not in members  # the answers left them out
    # the one form: the child's name is asked once for two members
    form = page.locator("#one-form")
    assert "填写一次，用于2个事项" in form.locator("p", has_text="新生儿姓名").inner_text()
    form.get_by_label("新生儿姓名").fill("张小宝")
    form.get_by_label("监护人姓名").fill("张明")
    form.get_by_label("联系电话").fill("13800000001")
    # the one set of materials: e-licences and shared data are not asked
    materials = page.locator("#materials").inner_text()
    assert "免提交" in materials and "3个事项共用，提交一次" in materials, materials
    fits(page, "apply-filled")
    screenshot(page, "bundles-01-apply")
    page.locator("#create").click()
    page.wait_for_url("**/bundle-cases/YJS*/")
    bundle_case = BundleCase.objects.get()
    assert page.url.endswith(f"/bundle-cases/{bundle_case.number}/")
    assert page.locator("#bundle-status").inner_text() == "草稿"
    rows = selectors.members(bundle_case)
    assert len(rows) == 4
    assert {m.case.department.code for m in rows} == set(DEPARTMENTS)
    for m in rows:  # the name typed once is in each member's form that asks for it
        assert "张小宝" in m.case.form.values() or not m.case.form, (m.item_code, m.case.form)
    assert sum("张小宝" in m.case.form.values() for m in rows) == 2

    # ---- the one set of materials: each uploaded once, whatever its members; the e-licences the
    # demo parent does not hold in the licence library (no 居民身份证 or 出生医学证明 there) too
    uploaded = 0
    while True:
        todo = page.locator("#materials li").filter(has=page.locator("form.upload")).filter(has_not_text="已提交")
        if not todo.count():
            break
        row = todo.first
        row.locator("input[type=file]").set_input_files(pdf)
        with page.expect_navigation():
            row.locator("form.upload button").click()
        assert "材料已上传" in page.locator("#page-done").inner_text()
        uploaded += 1
        assert uploaded <= 8, "an upload did not take"
    # 联办申请表 (for three members), the baby's photo, and three e-licences held nowhere else
    assert uploaded == 5, uploaded
    assert "户口簿信息（必要）：已提交" in page.locator("#materials").inner_text()  # shared data: never asked
    for m in selectors.members(bundle_case):  # the one 联办申请表 file is in each of its three members
        assert not f.selectors.missing_materials(m.case), m.item_code
    fits(page, "materials")
    screenshot(page, "bundles-02-materials")
    with page.expect_navigation():
        page.locator("#submit").click()
    assert page.locator("#page-error").count() == 0, page.locator("#page-error").inner_text()
    assert "已提交，各事项由各部门并联审批" in page.locator("#page-done").inner_text()
    assert page.locator("#bundle-status").inner_text() == "待预审"
    assert page.locator("#submit").count() == 0  # submitted once: nothing left to submit
    assert set(member_states(page).values()) == {"待预审"}

    # ---- one window accepts them all; the deadline is one date
    for m in selectors.members(bundle_case):
        f.act(m.case, "clerk", "accept")
    page.reload()
    assert page.locator("#bundle-status").inner_text() == "并联审批中"
    assert "年" in page.locator("#deadline strong").inner_text()

    # ---- the health and medical-insurance bureaus decide theirs, each by its own staff
    for m in selectors.members(bundle_case):
        if m.case.department.code in ("lh-wj", "lh-yb"):
            decide(m.case, *newborn[m.case.department.code])
    page.reload()
    assert page.locator("#bundle-status").inner_text() == "部分办结"
    states = member_states(page)
    assert sum(s == "已办结（待送达）（结果暂存，统一送达）" for s in states.values()) == 3, states
    assert states["社会保障卡申领（新生儿）"] == "已受理（审查中）", states
    # unified issuance: nothing delivered while one member is still under review
    assert not any(m.case.state == State.DELIVERED for m in selectors.members(bundle_case))
    assert "已送达" not in page.locator("#members").inner_text()
    assert page.locator("#deliver").count() == 0
    fits(page, "partly-decided")
    screenshot(page, "bundles-03-partly-decided")

    # ---- the social-security bureau decides the last one: all ready, told once
    card = next(m.case for m in selectors.members(bundle_case) if m.case.department.code == "lh-rs")
    decide(card, *newborn["lh-rs"])
    bundle_case.refresh_from_db()
    assert bundle_case.status == Status.DECIDED
    assert not any(m.case.state == State.DELIVERED for m in selectors.members(bundle_case))
    page.reload()
    assert page.locator("#bundle-status").inner_text() == "全部办结（待送达）"
    assert "4 / 4 项已办结" in page.locator("#progress").inner_text()
    assert "各事项已全部办结，4项结果将统一送达" in page.locator("#notices").inner_text()
    assert page.locator("#deliver").count() == 0  # the applicant does not deliver to themself

    # ---- the general window hands everything over at once (统一送达)
    clerk = person(
        browser, base, "clerk", f"/bundle-cases/{bundle_case.number}/", viewport={"width": 1280, "height": 900}
    )
    with clerk.expect_navigation():
        clerk.locator("#deliver").click()
    assert clerk.locator("#page-error").count() == 0, clerk.locator("#page-error").inner_text()
    assert "结果已统一送达" in clerk.locator("#page-done").inner_text()

    # ---- the parent: everything delivered together
    page.reload()
    assert page.locator("#bundle-status").inner_text() == "已送达"
    assert set(member_states(page).values()) == {"已送达"}, member_states(page)
    fits(page, "delivered")
    screenshot(page, "bundles-04-delivered")
    delivered = [m.case.events.get(action="deliver").created_at for m in selectors.members(bundle_case)]
    assert max(delivered) - min(delivered) < datetime.timedelta(seconds=5)
    bundle_case.refresh_from_db()
    assert bundle_case.status == Status.DELIVERED and bundle_case.delivered_at is not None
