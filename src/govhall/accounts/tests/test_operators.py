"""经办人授权 at the window: a clerk links a registered person's account to a company."""

import pytest
from conftest import login

from govhall.accounts import services
from govhall.accounts.demo import DEMO_COMPANY_USCC
from govhall.accounts.models import Applicant, Operator, User
from govhall.accounts.scope import represented
from govhall.accounts.validators import uscc_check_char

pytestmark = pytest.mark.django_db

PAGE = "/accounts/operators/"


def test_a_clerk_links_an_operator_who_may_then_file_for_the_company(client, demo):
    company = Applicant.objects.get(uscc=DEMO_COMPANY_USCC)
    citizen2 = User.objects.get(username="citizen2")
    assert company not in represented(citizen2)
    login(client, "clerk")
    found = client.get(PAGE, {"uscc": DEMO_COMPANY_USCC.lower()})
    assert found.status_code == 200 and "西安莲湖云帆科技有限公司" in found.content.decode()
    linked = client.post(PAGE, {"action": "link", "uscc": DEMO_COMPANY_USCC, "phone": citizen2.phone})
    assert linked.status_code == 302
    assert company in represented(citizen2)
    page = client.get(PAGE, {"uscc": DEMO_COMPANY_USCC}).content.decode()
    assert "137****7000" in page and citizen2.phone not in page  # operators' numbers masked
    # and withdrawn again
    operator = Operator.objects.get(applicant=company, user=citizen2)
    client.post(PAGE, {"action": "unlink", "uscc": DEMO_COMPANY_USCC, "operator": operator.pk})
    assert company not in represented(citizen2)
    # a made-up operator id is a clear "not found", not a server error
    for bad in ("abc", "-1", "99999999999999999999999"):
        missing = client.post(PAGE, {"action": "unlink", "uscc": DEMO_COMPANY_USCC, "operator": bad})
        assert missing.status_code == 404 and "未找到该经办人" in missing.content.decode()


@pytest.mark.parametrize(
    ("uscc", "phone", "message"),
    [
        (DEMO_COMPANY_USCC, "13600000000", "尚无个人账户"),
        (DEMO_COMPANY_USCC[:-1] + ("0" if DEMO_COMPANY_USCC[-1] != "0" else "1"), "13700137000", "校验位"),
        ("91610104MA6TG9999" + uscc_check_char("91610104MA6TG9999"), "13700137000", "未找到该企业"),
    ],
)
def test_links_that_cannot_be_made_say_why(client, demo, uscc, phone, message):
    login(client, "clerk")
    response = client.post(PAGE, {"action": "link", "uscc": uscc, "phone": phone})
    assert response.status_code in (400, 404) and message in response.content.decode()


def test_an_existing_operator_and_a_staff_account_are_refused(demo):
    clerk = User.objects.get(username="clerk")
    services.operator_link(actor=clerk, uscc=DEMO_COMPANY_USCC, phone="13700137000")  # citizen2
    with pytest.raises(services.DomainError, match="已是本企业的经办人"):
        services.operator_link(actor=clerk, uscc=DEMO_COMPANY_USCC, phone="13700137000")
    approver = User.objects.get(username="approver")
    approver.phone = "13611112222"
    approver.save()
    with pytest.raises(services.DomainError, match="工作人员账户"):
        services.operator_link(actor=clerk, uscc=DEMO_COMPANY_USCC, phone="13611112222")


def test_only_window_staff_link_operators(client, demo):
    for username in ("citizen", "company", "approver"):
        login(client, username)
        assert client.get(PAGE).status_code == 403
        link = {"action": "link", "uscc": DEMO_COMPANY_USCC, "phone": "13700137000"}
        assert client.post(PAGE, link).status_code == 403
    assert not Operator.objects.filter(user__username="citizen2").exists()
