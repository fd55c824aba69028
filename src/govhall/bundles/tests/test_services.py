"""Bundle cases through the real services: one form into every member, one material onto
every member, situations, parallel decisions by two departments, unified issuance, one
correction notice, a denial, withdrawal, scope and the one deadline."""

from __future__ import annotations

import pytest
from conftest import login

from govhall.bundles import selectors, services
from govhall.bundles.models import BundleNotice, Delivery, Status
from govhall.bundles.tests import factories as bf
from govhall.cases import actions
from govhall.cases import selectors as case_selectors
from govhall.cases.models import State
from govhall.cases.tests import factories as f
from govhall.core.errors import DomainError, NotFound
from govhall.notify.models import Notification
from govhall.workdays.selectors import get_calendar

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def go(django_capture_on_commit_callbacks):
    """Run a block and then deliver its case events (as after a real commit)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_shared_fields_flow_into_every_member_form(restaurant):
    bundle_case = bf.create(answers=bf.no_licence_yet(restaurant), form=bf.SHOP_FORM)
    food, shop, health = (bf.member_case(bundle_case, c) for c in (bf.FOOD, bf.SHOP, bf.HEALTH))
    assert food.form["经营者名称"] == shop.form["字号名称"] == "张明小吃店"  # declared: 店名
    assert food.form["经营场所"] == shop.form["经营场所"] == "西安市莲湖区北院门100号"  # same name
    assert food.form["主体业态"] == "餐饮服务经营者" and "主体业态" not in shop.form
    assert shop.form["组成形式"] == "个人经营"
    assert health.form == {}
    assert {food.department.code, health.department.code} == {"lh-scjg", "lh-wj"}
    assert food.hall_id == health.hall_id == bundle_case.hall_id  # one window takes them in


def test_the_one_form_is_checked_by_its_own_names(restaurant):
    with pytest.raises(DomainError) as refused:
        bf.create(form={"店名": "张明小吃店", "主体业态": "火锅"})
    assert refused.value.code == "invalid_form"
    assert refused.value.detail["经营场所"] == "必填"
    assert "主体业态" in refused.value.detail
    assert not selectors.BundleCase.objects.exists()


def test_situations_select_members(restaurant):
    assert [m.item_code for m in selectors.members(bf.create())] == [bf.FOOD, bf.HEALTH]
    three = bf.create(answers=bf.no_licence_yet(restaurant), form=bf.SHOP_FORM)
    assert [m.item_code for m in selectors.members(three)] == [bf.SHOP, bf.FOOD, bf.HEALTH]


def test_a_shared_material_is_uploaded_once_and_attached_to_every_member(restaurant):
    bundle_case = bf.create()
    done = services.bundle_material_add(
        actor=f.user("citizen"), bundle_case=bundle_case, name="卫生管理制度", upload=f.pdf_upload("制度.pdf")
    )
    food, health = bf.member_case(bundle_case, bf.FOOD), bf.member_case(bundle_case, bf.HEALTH)
    assert sorted(done["attached"]) == sorted([food.number, health.number])
    stored = [c.materials.get(current=True) for c in (food, health)]
    assert stored[0].requirement.name == "食品安全自查、从业人员健康管理等食品安全规章制度"
    assert stored[1].requirement.name == "公共场所卫生管理制度"
    assert stored[0].sha256 == stored[1].sha256 == done["sha256"]


def test_a_material_not_in_the_set_is_refused(restaurant):
    with pytest.raises(DomainError) as refused:
        services.bundle_material_add(
            actor=f.user("citizen"), bundle_case=bf.create(), name="别的材料", upload=f.pdf_upload()
        )
    assert refused.value.code == "unknown_material"


def test_submit_is_all_or_nothing(restaurant):
    bundle_case = bf.create()
    # only the food licence's own materials: the health permit still misses some
    services.bundle_material_add(
        actor=f.user("citizen"), bundle_case=bundle_case, name="食品经营许可申请书", upload=f.pdf_upload()
    )
    with pytest.raises(DomainError) as refused:
        services.bundle_case_submit(actor=f.user("citizen"), bundle_case=bundle_case)
    assert refused.value.code == "materials_missing"
    assert {m.case.state for m in selectors.members(bundle_case)} == {State.DRAFT}
    bf.upload_all(bundle_case)
    services.bundle_case_submit(actor=f.user("citizen"), bundle_case=bundle_case)
    assert {m.case.state for m in selectors.members(bundle_case)} == {State.SUBMITTED}
    assert bf.refresh(bundle_case).status == Status.SUBMITTED


def _accept_all(bundle_case, go):
    with go():
        for m in selectors.members(bundle_case):
            f.act(m.case, "clerk", "accept")


def test_members_decided_in_parallel_and_delivered_together(restaurant, go):
    wj_reviewer, wj_approver = bf.health_staff()
    with go():
        bundle_case = bf.submitted()
    _accept_all(bundle_case, go)
    assert bf.refresh(bundle_case).status == Status.IN_PROGRESS
    food, health = bf.member_case(bundle_case, bf.FOOD), bf.member_case(bundle_case, bf.HEALTH)
    # the health bureau reviews and decides its member; the market bureau cannot touch it
    with pytest.raises(NotFound):
        f.act(health, "approver", "approve")
    with go():
        f.act(health, wj_reviewer, "review", comment="符合条件", recommendation="approve")
        f.act(health, wj_approver, "approve")
        f.act(health, wj_approver, "issue")
    assert bf.refresh(bundle_case).status == Status.PARTLY_DECIDED
    member = selectors.members(bundle_case)[1]
    assert member.case.state == State.ISSUED and member.held  # its result waits for the others
    # the clerk cannot hand the held result over alone from the member's page, nor is it offered
    with pytest.raises(DomainError) as refused:
        f.act(member.case, "clerk", "deliver", delivery_mode="window")
    assert refused.value.code == "held_for_bundle"
    assert refused.value.detail == {"bundle_case": bundle_case.number}
    clerk = f.user("clerk")
    assert "deliver" not in actions.offered(member.case, case_selectors.actor_roles(clerk, member.case))
    with go():
        f.act(food, "approver", "approve")
    assert not BundleNotice.objects.filter(bundle_case=bundle_case, key="ready").exists()
    with go():
        f.act(food, "approver", "issue")
    assert bf.refresh(bundle_case).status == Status.DECIDED
    assert BundleNotice.objects.filter(bundle_case=bundle_case, key="ready").count() == 1
    # the applicant cannot deliver; the general window hands over both at once
    with pytest.raises(DomainError) as refused:
        services.bundle_deliver(actor=f.user("citizen"), bundle_case=bundle_case)
    assert refused.value.code == "role_not_allowed"
    with go():
        services.bundle_deliver(actor=f.user("clerk"), bundle_case=bundle_case, delivery_mode="window")
    assert {m.case.state for m in selectors.members(bundle_case)} == {State.DELIVERED}
    assert bf.refresh(bundle_case).status == Status.DELIVERED


def test_electronic_results_are_delivered_by_the_bundle_once_all_are_decided(restaurant, go):
    _, wj_approver = bf.health_staff()
    with go():
        bundle_case = bf.submitted(delivery_mode="electronic")
    _accept_all(bundle_case, go)
    food, health = bf.member_case(bundle_case, bf.FOOD), bf.member_case(bundle_case, bf.HEALTH)
    with go():
        f.act(food, "approver", "approve")
        f.act(food, "approver", "issue")
    food.refresh_from_db()
    assert food.state == State.ISSUED  # held: not delivered before the other is decided
    with go():
        f.act(health, wj_approver, "approve")
        f.act(health, wj_approver, "issue")
    assert {m.case.state for m in selectors.members(bundle_case)} == {State.DELIVERED}
    deliver = food.events.filter(action="deliver").get()
    assert deliver.actor_id is None  # the system door (decision 0007)
    assert bf.refresh(bundle_case).status == Status.DELIVERED


def test_each_as_it_comes_holds_nothing(restaurant, go):
    with go():
        bundle_case = bf.submitted(delivery=Delivery.EACH)
    _accept_all(bundle_case, go)
    food = bf.member_case(bundle_case, bf.FOOD)
    with go():
        f.act(food, "approver", "approve")
        f.act(food, "approver", "issue")
    assert not any(m.held for m in selectors.members(bundle_case))
    with go():
        f.act(food, "clerk", "deliver", delivery_mode="window")
    assert bf.refresh(bundle_case).status == Status.PARTLY_DECIDED


def test_a_correction_on_one_member_reaches_the_applicant_once_on_the_bundle(restaurant, go):
    with go():
        bundle_case = bf.submitted()
    food = bf.member_case(bundle_case, bf.FOOD)
    with go():
        food = f.act(food, "clerk", "request_correction", items=[{"problem": "申请书未签字"}])
    assert bf.refresh(bundle_case).status == Status.CORRECTION_REQUESTED
    notices = BundleNotice.objects.filter(bundle_case=bundle_case, kind="correction")
    assert notices.count() == 1 and "申请书未签字" in notices.get().text
    # delivered a second time (at least once): nothing new
    event = food.events.filter(action="request_correction").get()
    services.member_moved(case_id=food.pk, action="request_correction", event_id=event.pk)
    assert notices.count() == 1
    sent = Notification.objects.filter(event="bundles.correction", case_number=bundle_case.number)
    assert sent.filter(channel="site").count() == 1
    # and only there: the member case does not send its own correction notice as well
    assert not Notification.objects.filter(event="case.correction", case_number=food.number).exists()
    data = selectors.open_corrections(bundle_case)
    assert [c["problem"] for c in data] == ["申请书未签字"]
    # the fixed material goes to the member being corrected only; the other stays as submitted
    done = services.bundle_material_add(
        actor=f.user("citizen"), bundle_case=bundle_case, name="卫生管理制度", upload=f.pdf_upload("新.pdf")
    )
    assert done["attached"] == [food.number]
    with go():
        services.bundle_case_submit(actor=f.user("citizen"), bundle_case=bundle_case)
    assert bf.member_case(bundle_case, bf.FOOD).state == State.SUBMITTED
    assert bf.refresh(bundle_case).status == Status.SUBMITTED


def test_a_denial_of_one_member_keeps_the_others(restaurant, go):
    _, wj_approver = bf.health_staff()
    with go():
        bundle_case = bf.submitted()
    _accept_all(bundle_case, go)
    food, health = bf.member_case(bundle_case, bf.FOOD), bf.member_case(bundle_case, bf.HEALTH)
    with go():
        f.act(food, "approver", "deny", **f.ACTION_PARAMS["deny"])
    refusal = BundleNotice.objects.get(bundle_case=bundle_case, kind="refusal")
    assert "食品经营许可" in refusal.text and "公共场所卫生许可" in refusal.text and "继续办理" in refusal.text
    health.refresh_from_db()
    assert health.state == State.ACCEPTED
    assert bf.refresh(bundle_case).status == Status.PARTLY_DECIDED
    with go():
        f.act(health, wj_approver, "approve")
        f.act(health, wj_approver, "issue")
    assert bf.refresh(bundle_case).status == Status.DECIDED
    with go():
        services.bundle_deliver(actor=f.user("clerk"), bundle_case=bundle_case)
    assert bf.refresh(bundle_case).status == Status.DELIVERED


def test_withdrawal_withdraws_the_open_members_only(restaurant, go):
    with go():
        bundle_case = bf.submitted()
    _accept_all(bundle_case, go)
    with go():
        f.act(bf.member_case(bundle_case, bf.FOOD), "approver", "approve")
    with go():
        services.bundle_case_withdraw(actor=f.user("citizen"), bundle_case=bundle_case)
    states = {m.item_code: m.case.state for m in selectors.members(bundle_case)}
    assert states == {bf.FOOD: State.APPROVED, bf.HEALTH: State.WITHDRAWN}
    with go():
        whole = bf.submitted()
    with go():
        services.bundle_case_withdraw(actor=f.user("citizen"), bundle_case=whole)
    assert bf.refresh(whole).status == Status.WITHDRAWN


def test_scope_a_department_sees_only_its_member_cases(restaurant, go):
    wj_reviewer, _ = bf.health_staff()
    draft = bf.create()
    assert not selectors.can_see(f.user("reviewer"), draft)  # staff never see drafts
    with go():
        bundle_case = bf.submitted()
    assert [m.item_code for m in selectors.visible_members(f.user("reviewer"), bundle_case)] == [bf.FOOD]
    assert [m.item_code for m in selectors.visible_members(f.user(wj_reviewer), bundle_case)] == [bf.HEALTH]
    assert len(selectors.visible_members(f.user("clerk"), bundle_case)) == 2
    assert len(selectors.visible_members(f.user("citizen"), bundle_case)) == 2
    with pytest.raises(NotFound):
        selectors.bundle_case_for_actor(bundle_case.number, f.user("citizen2"))
    assert not selectors.list_for(f.user("citizen2")).exists()
    assert list(selectors.list_for(f.user(wj_reviewer))) == [bundle_case]
    with pytest.raises(NotFound):
        services.bundle_case_withdraw(actor=f.user("citizen2"), bundle_case=bundle_case)


def test_the_bundle_deadline_is_the_longest_limit_from_the_last_acceptance(restaurant, go):
    with go():
        bundle_case = bf.submitted()
    assert selectors.bundle_deadline(selectors.members(bundle_case)).due_date is None
    _accept_all(bundle_case, go)
    members = selectors.members(bundle_case)
    deadline = selectors.bundle_deadline(members)
    accepted = max(m.case.accepted_on for m in members)
    assert deadline.limit_workdays == 5  # 公共场所卫生许可's 5, not 3 + 5
    assert deadline.due_date == get_calendar().add_workdays(accepted, 5)
    assert deadline.due_date == max(m.case.due_date for m in members)


def test_one_window_pre_reviews_the_whole_bundle(restaurant, go, client):
    """一窗受理: the clerk accepts every member at once, or sends one back and the rest wait
    for it; nothing moves when one member cannot."""
    with go():
        bundle_case = bf.submitted()
    food, health = bf.member_case(bundle_case, bf.FOOD), bf.member_case(bundle_case, bf.HEALTH)
    with pytest.raises(DomainError) as err:  # a number that is not a waiting member: nothing moves
        services.bundle_prereview(
            actor=f.user("clerk"), bundle_case=bundle_case, corrections={"000": [{"problem": "x"}]}
        )
    assert err.value.code == "invalid_field"
    assert {m.case.state for m in selectors.members(bundle_case)} == {State.SUBMITTED}
    with go():
        services.bundle_prereview(
            actor=f.user("clerk"),
            bundle_case=bundle_case,
            corrections={food.number: [{"problem": "营业执照复印件不清晰"}]},
        )
    assert bf.member_case(bundle_case, bf.FOOD).state == State.CORRECTION_REQUESTED
    assert bf.member_case(bundle_case, bf.HEALTH).state == State.SUBMITTED  # waits for the bundle
    assert bf.refresh(bundle_case).status == Status.CORRECTION_REQUESTED
    with go():
        services.bundle_case_submit(actor=f.user("citizen"), bundle_case=bundle_case)
    # through the API, as the window's screen does: every member accepted at once
    login(client, "citizen")
    refused = client.post(f"/api/v1/bundle-cases/{bundle_case.number}/prereview", {}, content_type="application/json")
    assert refused.status_code in (403, 404)  # an applicant does not pre-review
    client.logout()
    login(client, "clerk")
    with go():
        answer = client.post(
            f"/api/v1/bundle-cases/{bundle_case.number}/prereview", {}, content_type="application/json"
        )
    assert answer.status_code == 200, answer.content
    assert {bf.member_case(bundle_case, code).state for code in (bf.FOOD, bf.HEALTH)} == {State.ACCEPTED}
    assert health.department != food.department  # two departments now review in parallel
