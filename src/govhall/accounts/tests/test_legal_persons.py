"""法人注册 online by the legal representative, and 法人授权经办人: the legal representative
authorises and withdraws the company's operators online."""

import pytest
from conftest import login

from govhall.accounts import services
from govhall.accounts.demo import DEMO_COMPANY_USCC
from govhall.accounts.models import Applicant, Operator, User
from govhall.accounts.scope import represented
from govhall.accounts.selectors import operators_of, represented_by
from govhall.accounts.validators import id_number_check_char, uscc_check_char
from govhall.core.errors import DomainError, Forbidden

pytestmark = pytest.mark.django_db

USCC = "91610104MA6TK1357" + uscc_check_char("91610104MA6TK1357")
COMPANY = "西安莲湖秦韵文化传播有限公司"
REGISTER = "/accounts/legal/register/"
MANAGE = "/accounts/legal/operators/"
API = "/api/v1/auth/legal-persons"


def user(username: str) -> User:
    return User.objects.get(username=username)


def person(username: str, name: str, body: str, phone: str) -> User:
    """Another real-name registered natural person."""
    account = User.objects.create(username=username, display_name=name, phone=phone)
    Applicant.objects.create(
        kind=Applicant.Kind.NATURAL, name=name, id_number=body + id_number_check_char(body), phone=phone, user=account
    )
    return account


def register(actor: User, name: str = COMPANY, uscc: str = USCC) -> tuple[Applicant, bool]:
    return services.legal_person_register(actor=actor, name=name, uscc=uscc, address="10.0.0.1")


def window_company(legal_representative: str, name: str = COMPANY) -> Applicant:
    company, _ = services.applicant_find_or_register(
        kind="legal",
        actor=user("clerk"),
        name=name,
        uscc=USCC,
        phone="13900001111",
        legal_representative=legal_representative,
    )
    return company


# --------------------------------------------------------------------------- 法人注册


def test_the_legal_representative_registers_the_company_and_may_file_for_it(demo):
    citizen = user("citizen")
    company, linked = register(citizen, uscc=USCC.lower())
    assert linked and company.uscc == USCC
    own = Applicant.objects.get(user=citizen)
    assert (company.kind, company.name, company.legal_representative, company.phone) == (
        "legal",
        COMPANY,
        own.name,
        citizen.phone,
    )
    assert company in represented(citizen) and represented_by(citizen) == [company]
    (operator,) = operators_of([company])[company.pk]
    assert operator.user == citizen and operator.is_legal_representative


def test_registering_twice_links_once(demo):
    citizen = user("citizen")
    first, _ = register(citizen)
    again, linked = register(citizen, name=f" {COMPANY} ")
    assert again == first and not linked
    assert Operator.objects.filter(applicant=first).count() == 1


@pytest.mark.parametrize(
    ("uscc", "code"),
    [("", "missing_field"), (USCC[:-1] + "0", "invalid_uscc"), ("91610104MA6TK135", "invalid_uscc")],
)
def test_the_credit_code_is_checked(demo, uscc, code):
    with pytest.raises(DomainError) as exc:
        register(user("citizen"), uscc=uscc)
    assert exc.value.code == code
    assert not Applicant.objects.filter(kind="legal", name=COMPANY).exists()


def test_the_company_name_is_required(demo):
    with pytest.raises(DomainError, match="单位名称") as exc:
        register(user("citizen"), name="  ")
    assert exc.value.detail == {"field": "name"}


@pytest.mark.parametrize("username", ["company", "clerk", "admin"])
def test_only_a_real_name_registered_natural_person_may_register(demo, username):
    """``company`` acts for a company but has no identity of their own; staff never register."""
    with pytest.raises(Forbidden) as exc:
        register(user(username))
    assert exc.value.code == "not_natural_person"
    assert not Applicant.objects.filter(uscc=USCC).exists()


def test_a_staff_member_with_an_identity_of_their_own_is_refused_too(demo):
    clerk = user("clerk")
    Applicant.objects.create(
        kind="natural",
        name="王芳",
        id_number="61010419880808222" + id_number_check_char("61010419880808222"),
        user=clerk,
    )
    with pytest.raises(Forbidden):
        register(clerk)


def test_a_company_registered_at_a_window_is_linked_when_it_matches(demo):
    company = window_company("张明", name="西安莲湖秦韵文化传播有限公司")
    linked_company, linked = register(user("citizen"), name="西安莲湖秦韵文化传播有限公司")
    assert linked and linked_company == company
    company.refresh_from_db()
    assert company.phone == "13900001111"  # what the window recorded stays
    assert Operator.objects.get(applicant=company, user=user("citizen")).is_legal_representative


def test_brackets_of_either_width_match(demo):
    company = window_company("张明", name="西安莲湖秦韵文化传播有限公司（莲湖分公司）")
    assert register(user("citizen"), name="西安莲湖秦韵文化传播有限公司(莲湖分公司)") == (company, True)


@pytest.mark.parametrize(("representative", "name"), [("李华", COMPANY), ("张明", "西安莲湖秦韵文化有限公司")])
def test_a_window_registered_company_with_other_details_is_sent_to_a_window(demo, representative, name):
    company = window_company(representative)
    with pytest.raises(DomainError, match="请携带营业执照到政务服务大厅核实") as exc:
        register(user("citizen"), name=name)
    assert exc.value.code == "applicant_mismatch"
    assert not company.operators.exists()


def test_the_demo_company_is_not_taken_by_another_person(demo):
    with pytest.raises(DomainError) as exc:
        register(user("citizen"), name="西安莲湖云帆科技有限公司", uscc=DEMO_COMPANY_USCC)
    assert exc.value.code == "applicant_mismatch"


def test_an_operator_the_window_linked_becomes_the_legal_representative(demo):
    company = window_company("张明")
    services.operator_link(actor=user("clerk"), uscc=USCC, phone=user("citizen").phone)
    assert register(user("citizen")) == (company, True)
    (operator,) = operators_of([company])[company.pk]
    assert operator.user == user("citizen") and operator.is_legal_representative


def test_a_company_held_online_is_not_taken_by_a_namesake(demo):
    register(user("citizen"))
    namesake = person("namesake", "张明", "61010419790101335", "13611110000")
    with pytest.raises(DomainError, match="已由法定代表人在网上注册") as exc:
        register(namesake)
    assert exc.value.code == "legal_representative_registered"
    assert not Operator.objects.filter(user=namesake).exists()


def test_registry_questions_are_limited_per_account(demo, monkeypatch):
    monkeypatch.setattr(services.legal_persons, "LEGAL_CHECKS_PER_HOUR", 2)
    citizen = user("citizen")
    for body in ("91610104MA6TL8642", "91610104MA6TL8643"):
        register(citizen, name=f"公司{body[-2:]}", uscc=body + uscc_check_char(body))
    with pytest.raises(DomainError) as exc:
        register(citizen)
    assert exc.value.status == 429
    assert not Applicant.objects.filter(uscc=USCC).exists()
    # the limit is the account's own: another person is not held up
    assert register(person("other", "王强", "61010419700505111", "13622220000"), name="其他公司")[1]


# --------------------------------------------------------------------------- 法人授权经办人


@pytest.fixture
def company(demo) -> Applicant:
    return register(user("citizen"))[0]


def authorise(company, phone="13700137000", name="李娜", actor="citizen"):
    return services.operator_authorise(actor=user(actor), applicant=company, phone=phone, name=name)


def test_the_legal_representative_authorises_and_withdraws_an_operator(company):
    citizen2 = user("citizen2")
    assert company not in represented(citizen2)
    operator = authorise(company)
    assert operator.user == citizen2 and not operator.is_legal_representative
    assert company in represented(citizen2) and represented_by(citizen2) == []
    with pytest.raises(DomainError, match="已是本企业的经办人"):
        authorise(company)
    services.operator_withdraw(actor=user("citizen"), applicant=company, user_id=citizen2.pk)
    assert company not in represented(citizen2)
    with pytest.raises(DomainError, match="未找到该经办人"):
        services.operator_withdraw(actor=user("citizen"), applicant=company, user_id=citizen2.pk)


def test_unknown_numbers_and_wrong_names_are_answered_alike(company):
    answers = []
    for phone, name in [("13600000000", "李娜"), ("13700137000", "李四"), ("13700137000", "李华")]:
        with pytest.raises(DomainError) as exc:
            authorise(company, phone=phone, name=name)
        answers.append((exc.value.code, exc.value.message, exc.value.status, exc.value.detail))
    assert len(set(answers)) == 1 and answers[0][0] == "person_not_found"
    assert list(company.operators.values_list("user__username", flat=True)) == ["citizen"]


def test_an_account_without_a_real_name_identity_cannot_be_authorised(company):
    """``company`` (李华) signs in with a phone but has no natural-person record: answered alike."""
    account = user("company")
    account.phone = "13655556666"
    account.save()
    with pytest.raises(DomainError) as exc:
        authorise(company, phone="13655556666", name="李华")
    assert exc.value.code == "person_not_found"


def test_a_staff_account_cannot_be_an_operator(company):
    clerk = user("clerk")
    clerk.phone = "13633334444"
    clerk.save()
    Applicant.objects.create(
        kind="natural",
        name="王芳",
        id_number="61010419880808222" + id_number_check_char("61010419880808222"),
        user=clerk,
    )
    with pytest.raises(DomainError, match="工作人员账户"):
        authorise(company, phone="13633334444", name="王芳")


def test_failed_look_ups_are_limited_per_account(company, monkeypatch):
    monkeypatch.setattr(services.legal_persons, "PERSON_MISSES_PER_HOUR", 2)
    for name in ("李一", "李二"):
        with pytest.raises(DomainError, match="未找到"):
            authorise(company, name=name)
    with pytest.raises(DomainError) as exc:
        authorise(company)  # right this time, but guessing has stopped
    assert exc.value.status == 429 and not company.operators.filter(user__username="citizen2").exists()


def test_the_legal_representative_cannot_withdraw_themselves(company):
    with pytest.raises(DomainError, match="不能撤销本人的授权"):
        services.operator_withdraw(actor=user("citizen"), applicant=company, user_id=user("citizen").pk)
    assert Operator.objects.filter(applicant=company, user=user("citizen"), is_legal_representative=True).exists()


def test_an_ordinary_operator_cannot_authorise_or_withdraw(company):
    authorise(company)  # citizen2 is now an ordinary operator
    namesake = person("third", "王强", "61010419700505111", "13622220000")
    with pytest.raises(Forbidden) as exc:
        authorise(company, phone=namesake.phone, name="王强", actor="citizen2")
    assert exc.value.code == "not_legal_representative"
    with pytest.raises(Forbidden):
        services.operator_withdraw(actor=user("citizen2"), applicant=company, user_id=user("citizen").pk)
    assert set(company.operators.values_list("user__username", flat=True)) == {"citizen", "citizen2"}


def test_the_window_operator_of_the_demo_company_has_no_online_authority(demo):
    """The window links ordinary operators only: ``company`` cannot authorise anyone."""
    demo_company = Applicant.objects.get(uscc=DEMO_COMPANY_USCC)
    with pytest.raises(Forbidden):
        authorise(demo_company, actor="company")


def test_the_window_still_links_operators_and_sees_the_legal_representative(client, company):
    services.operator_link(actor=user("clerk"), uscc=USCC, phone="13700137000")
    login(client, "clerk")
    page = client.get("/accounts/operators/", {"uscc": USCC}).content.decode()
    assert "法定代表人（网上法人注册）" in page and "137****7000" in page


# --------------------------------------------------------------------------- API


def test_the_api_registers_and_answers_a_repeat_with_200(client, demo, bearer):
    headers = bearer("citizen")
    created = client.post(API, {"name": COMPANY, "uscc": USCC}, content_type="application/json", headers=headers)
    assert created.status_code == 201, created.content
    company = Applicant.objects.get(uscc=USCC)
    assert created.json() == {"id": company.id, "kind": "legal", "name": COMPANY, "code": USCC, "own": False}
    again = client.post(API, {"name": COMPANY, "uscc": USCC}, content_type="application/json", headers=headers)
    assert again.status_code == 200 and again.json() == created.json()
    # as GET /auth/me describes it
    me = client.get("/api/v1/auth/me", headers=headers).json()
    assert created.json() in me["applicants"]


@pytest.mark.parametrize(
    ("username", "body", "status", "code"),
    [
        ("citizen", {"name": COMPANY, "uscc": USCC[:-1] + "0"}, 400, "invalid_uscc"),
        ("citizen", {"name": "西安莲湖云帆科技有限公司", "uscc": DEMO_COMPANY_USCC}, 400, "applicant_mismatch"),
        ("citizen", {"uscc": USCC}, 422, "validation_error"),
        ("company", {"name": COMPANY, "uscc": USCC}, 403, "not_natural_person"),
        ("clerk", {"name": COMPANY, "uscc": USCC}, 403, "not_natural_person"),
    ],
)
def test_api_errors_are_structured(client, demo, bearer, username, body, status, code):
    response = client.post(API, body, content_type="application/json", headers=bearer(username))
    assert response.status_code == status
    assert set(response.json()) == {"code", "message", "detail"} and response.json()["code"] == code
    assert not Applicant.objects.filter(uscc=USCC).exists()


def test_the_api_refuses_anonymous_callers(client, demo):
    response = client.post(API, {"name": COMPANY, "uscc": USCC}, content_type="application/json")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_the_api_says_when_the_registry_cannot_answer(client, demo, bearer, settings):
    from govhall.core.tests.gateway import running

    settings.GOVHALL_ENTERPRISE_BACKEND = "govhall.accounts.enterprise.HttpJsonEnterpriseVerifier"
    with running({"/busy": (503, b"busy", "text/plain")}) as service:
        settings.GOVHALL_ENTERPRISE_URL = service.url("/busy")
        response = client.post(
            API, {"name": COMPANY, "uscc": USCC}, content_type="application/json", headers=bearer("citizen")
        )
    assert response.status_code == 503 and response.json()["code"] == "enterprise_unavailable"


# --------------------------------------------------------------------------- pages


def test_me_leads_a_citizen_to_legal_person_registration(client, demo):
    login(client, "citizen")
    assert f'href="{REGISTER}"' in client.get("/accounts/me/").content.decode()
    page = client.get(REGISTER).content.decode()
    own = Applicant.objects.get(user__username="citizen")
    assert "法人注册" in page and own.masked_code in page and own.id_number not in page
    assert 'name="uscc"' in page


def test_the_page_registers_and_leads_to_operator_management(client, demo):
    login(client, "citizen")
    response = client.post(REGISTER, {"name": COMPANY, "uscc": USCC})
    assert response.status_code == 302 and response["Location"] == MANAGE
    page = client.get(MANAGE).content.decode()
    assert COMPANY in page and "法人注册成功" in page and "法定代表人" in page
    me = client.get("/accounts/me/").content.decode()
    assert COMPANY in me and f'href="{MANAGE}"' in me


def test_the_page_shows_what_is_wrong_and_keeps_the_values(client, demo):
    login(client, "citizen")
    response = client.post(REGISTER, {"name": COMPANY, "uscc": USCC[:-1] + "0"})
    page = response.content.decode()
    assert response.status_code == 400 and "校验位" in page and COMPANY in page


def test_the_page_tells_an_account_without_identity_where_to_go(client, demo):
    login(client, "company")
    page = client.get(REGISTER).content.decode()
    assert "个人实名注册" in page and 'name="uscc"' not in page
    response = client.post(REGISTER, {"name": COMPANY, "uscc": USCC})
    assert response.status_code == 403 and not Applicant.objects.filter(uscc=USCC).exists()


def test_the_management_page_authorises_and_withdraws_with_numbers_masked(client, company):
    login(client, "citizen")
    added = client.post(MANAGE, {"company": company.pk, "phone": "13700137000", "name": "李娜"})
    assert added.status_code == 302
    assert company in represented(user("citizen2"))
    page = client.get(MANAGE).content.decode()
    assert "李娜" in page and "137****7000" in page and "13700137000" not in page
    assert "已授权 李娜" in page
    # the legal representative has no withdraw button of their own
    assert f'name="user" value="{user("citizen").pk}"' not in page
    assert f'name="user" value="{user("citizen2").pk}"' in page
    removed = client.post(MANAGE, {"company": company.pk, "action": "withdraw", "user": user("citizen2").pk})
    assert removed.status_code == 302 and company not in represented(user("citizen2"))


def test_the_management_page_says_why_and_keeps_the_values(client, company):
    login(client, "citizen")
    response = client.post(MANAGE, {"company": company.pk, "phone": "13600000000", "name": "李娜"})
    page = response.content.decode()
    assert response.status_code == 400 and "未找到手机号与姓名相符" in page and 'value="13600000000"' in page
    response = client.post(MANAGE, {"company": company.pk, "action": "withdraw", "user": user("citizen").pk})
    assert response.status_code == 400 and "不能撤销本人的授权" in response.content.decode()


def test_the_management_page_is_only_the_legal_representatives(client, company):
    services.operator_authorise(actor=user("citizen"), applicant=company, phone="13700137000", name="李娜")
    login(client, "citizen2")  # an ordinary operator of it
    page = client.get(MANAGE).content.decode()
    assert COMPANY not in page and "尚未以法定代表人身份" in page
    response = client.post(MANAGE, {"company": company.pk, "action": "withdraw", "user": user("citizen").pk})
    assert response.status_code == 403
    response = client.post(MANAGE, {"company": company.pk, "phone": "13800138000", "name": "张明"})
    assert response.status_code == 403
    assert list(company.operators.values_list("user__username", flat=True).order_by("id")) == ["citizen", "citizen2"]


def test_the_new_routes_are_behind_a_login():
    from govhall.core.tests.test_access import PUBLIC, routes

    for route in ("accounts/legal/register/", "accounts/legal/operators/", "api/v1/auth/legal-persons"):
        assert route in routes() and route not in PUBLIC
