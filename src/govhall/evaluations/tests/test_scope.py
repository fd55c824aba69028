"""Who sees which evaluations and tasks: the applicant their own, a department its own, the
hall its hall's, a supervisor the region's; the list form and the one-object form agree."""

from __future__ import annotations

import pytest

from govhall.accounts import scope
from govhall.catalog.models import ServiceItem
from govhall.evaluations import selectors, services
from govhall.evaluations.models import CallbackTask, Evaluation
from govhall.evaluations.tests import helpers as h

pytestmark = pytest.mark.django_db

USERS = ["citizen", "citizen2", "company", "clerk", "reviewer", "approver", "manager", "supervisor", "assistant"]


@pytest.fixture
def data(demo):
    market = h.evaluate(h.issued(), 1)  # 区市场监督管理局, citizen
    # an item of another department (区卫生健康局), evaluated without a case
    health = ServiceItem.objects.filter(department__code="lh-wj", status="published").first()
    other = services.evaluate_item(
        actor=h.user("citizen"), item=health, level=2, indicators=h.ONLINE, comment="办事指南不清楚"
    )
    company = h.evaluate(h.issued(username="company"), 5, username="company")
    return {"market": market, "other": other, "company": company, "wj": h.other_department_reviewer()}


def _names(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def test_each_role_sees_its_evaluations(data):
    market, other, company = data["market"], data["other"], data["company"]
    assert market.department_id != other.department_id
    expected = {
        "citizen": {market.pk, other.pk},
        "citizen2": set(),
        "company": {company.pk},
        "reviewer": {market.pk, company.pk},  # the market bureau's
        "approver": {market.pk, company.pk},
        "clerk": {market.pk, company.pk},  # the hall's (the item-level one has no hall)
        "manager": {market.pk, company.pk},
        "supervisor": {market.pk, other.pk, company.pk},  # the region's
        "assistant": set(),
    }
    for username, pks in expected.items():
        assert _names(selectors.visible_evaluations(h.user(username))) == pks, username
    assert _names(selectors.visible_evaluations(data["wj"])) == {other.pk}
    assert _names(selectors.mine(h.user("reviewer"))) == set()


def test_each_role_sees_its_tasks(data):
    tasks = {t.evaluation_id: t.pk for t in CallbackTask.objects.all()}
    market, other = tasks[data["market"].pk], tasks[data["other"].pk]
    assert data["company"].pk not in tasks  # a good review opens none
    expected = {
        "citizen": {market, other},
        "citizen2": set(),
        "reviewer": {market},
        "approver": {market},
        "manager": {market},
        "supervisor": {market, other},
        "company": set(),
    }
    for username, pks in expected.items():
        assert _names(selectors.visible_tasks(h.user(username))) == pks, username
    assert _names(selectors.staff_tasks(h.user("citizen"))) == set()  # staff lists are for staff
    assert _names(selectors.staff_tasks(h.user("supervisor"))) == {market, other}
    assert _names(selectors.staff_tasks(data["wj"])) == {other}


def test_the_list_form_and_the_object_form_agree(data):
    users = [h.user(u) for u in USERS] + [data["wj"]]
    for user in users:
        visible = _names(selectors.visible_evaluations(user))
        for evaluation in Evaluation.objects.all():
            assert scope.can_see(user, evaluation, selectors.EVALUATION_SCOPE) == (evaluation.pk in visible)
        tasks = _names(selectors.visible_tasks(user))
        for task in CallbackTask.objects.all():
            assert scope.can_see(user, task, selectors.TASK_SCOPE) == (task.pk in tasks)
