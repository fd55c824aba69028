"""Demo stations, hall location, assistants, assisted-service requests and a key project
(``manage.py load_demo``). After the accounts (20) and the cases (30); idempotent: stations
and the hall's place are brought up to date every time, requests and the project are made
once (through the real services: history, authorisations and timelines are real).

Three stations of 莲湖区 (the demo district, WGS-84 positions): an enterprise cluster in
the 大兴新区 digital-economy park, the 北院门 community and 西大街 (a street's station in an
office building); the last two have the lockers demo's station locker banks, named by their
site codes (LH-ST-BYM, LH-ST-XDJ), at the same addresses.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from govhall.accounts.models import Applicant, Hall, StaffProfile, User
from govhall.accounts.roles import Role
from govhall.accounts.services.authorisations import authorisation_request
from govhall.accounts.validators import id_number_check_char
from govhall.catalog.models import Region
from govhall.core.demo import demo_loader
from govhall.stations import services
from govhall.stations.models import AssistRequest, KeyProject, Station

DEMO_HALL = "莲湖区政务服务中心"
# where the lockers demo puts the hall's locker bank (its east door): the same building
HALL_POSITION = (34.2656, 108.9329)
HALL_HOURS = "1-5 09:00-12:00 13:30-17:30"

# Sign-in accounts this loader adds: station assistants besides accounts' "assistant" (刘洋).
ASSISTANTS = [
    ("assistant2", "王磊", "驿站帮办代办员（大兴新区数字经济产业园驿站）"),
    ("assistant3", "张敏", "驿站帮办代办员（北院门社区驿站）"),
    ("assistant4", "赵婷", "驿站帮办代办员（西大街驿站）"),
]

# Item codes (the catalogue's demo items).
COMPANY_SETUP = "000101001000-610104000000-000-11610104LH0000001G-1-00"
COMPANY_CHANGE = "000101002000-610104000000-000-11610104LH0000001G-1-00"
SELF_EMPLOYED = "000101004000-610104000000-000-11610104LH0000001G-1-00"
FOOD = "000101005000-610104000000-000-11610104LH0000001G-1-00"
SEAL = "000510001000-610104000000-000-11610104LH0000005W-1-00"
INVOICES = "000210002000-610104000000-000-11610104LH0000002K-1-00"
TAX_REPORT = "000210001000-610104000000-000-11610104LH0000002K-1-00"
EMPLOYER_INSURANCE = "000311007000-610104000000-000-11610104LH0000003N-1-00"
FUND_ACCOUNT = "001011001000-610104000000-000-11610104LH0000010E-1-00"
SOCIAL_CARD = "000311002000-610104000000-000-11610104LH0000003N-1-00"
UNEMPLOYED = "000311003000-610104000000-000-11610104LH0000003N-1-00"
EMPLOYMENT_CARD = "000311004000-610104000000-000-11610104LH0000003N-1-00"
FLEXIBLE = "000311005000-610104000000-000-11610104LH0000003N-1-00"
RESIDENT_INSURANCE = "000411001000-610104000000-000-11610104LH0000004R-1-00"
NEWBORN = "000507001000-610104000000-000-11610104LH0000005W-1-00"
ID_CARD = "000507002000-610104000000-000-11610104LH0000005W-1-00"
RESIDENCE = "000507003000-610104000000-000-11610104LH0000005W-1-00"
BIRTH_REGISTRATION = "000611002000-610104000000-000-11610104LH00000060-1-00"
VACCINATION = "000611001000-610104000000-000-11610104LH00000060-1-00"
RENTAL = "000710002000-610104000000-000-11610104LH00000073-1-00"
PUBLIC_HOUSING = "000705001000-610104000000-000-11610104LH00000073-1-00"
MINIMUM_LIVING = "001105001000-610104000000-000-11610104LH0000011H-1-00"
DISABILITY = "001105002000-610104000000-000-11610104LH0000011H-1-00"
NATURAL_INVOICE = "000210005000-610104000000-000-11610104LH0000002K-1-00"
# the key project's items: planning, environment, construction
PLANNING = "000801001000-610104000000-000-11610104LH00000086-1-00"
EIA = "000901001000-610104000000-000-11610104LH00000099-1-00"
CONSTRUCTION = "000701001000-610104000000-000-11610104LH00000073-1-00"

# The lockers app's demo sites at two stations (lockers/demo.py), by their codes.
LOCKER_STREET = "LH-ST-XDJ"
LOCKER_COMMUNITY = "LH-ST-BYM"

STATIONS = [
    {
        "code": "dxxq-park",
        "name": "大兴新区数字经济产业园政务服务驿站",
        "kind": Station.Kind.CLUSTER,
        "region": "610104000000",
        "address": "西安市莲湖区大兴东路18号数字经济产业园A座一层",
        "position": (34.2848, 108.9142),
        "phone": "029-88661234",
        "hours": "1-5 08:30-12:00 13:30-18:00",
        "description": "园区入驻企业近300家。驿站将政务服务平台和企业帮办延伸到园区，开办企业、变更登记、刻章、领票等"
        "高频事项“不出楼”就能办，2名帮办代办员全程帮办代办。",
        "items": [COMPANY_SETUP, COMPANY_CHANGE, SEAL, FOOD, INVOICES, TAX_REPORT, EMPLOYER_INSURANCE, FUND_ACCOUNT],
        "equipment": [
            ("terminal", "政务服务自助终端", ""),
            ("tax", "自助办税机", ""),
            ("printer", "自助打印复印", ""),
        ],
        "assistants": ["assistant", "assistant2"],
    },
    {
        "code": "bym-community",
        "name": "北院门社区政务服务驿站",
        "kind": Station.Kind.COMMUNITY,
        "region": "610104002000",
        "address": "西安市莲湖区北院门100号社区服务中心",
        "position": (34.2651, 108.9413),
        "phone": "029-87301122",
        "hours": "1-5 08:30-12:00 14:00-18:00\n6 09:00-12:00",
        "description": "社区居民身边的政务服务点：社保、医保、居住证、生育登记等“小事不出社区”，"
        "老年人、残疾人可预约上门帮办。",
        "items": [
            SOCIAL_CARD,
            RESIDENT_INSURANCE,
            RESIDENCE,
            BIRTH_REGISTRATION,
            UNEMPLOYED,
            FLEXIBLE,
            MINIMUM_LIVING,
            DISABILITY,
            VACCINATION,
        ],
        "equipment": [
            ("terminal", "政务服务自助终端", ""),
            ("locker", "24小时自助信包箱（社区服务中心门口）", LOCKER_COMMUNITY),
        ],
        "assistants": ["assistant3"],
    },
    {
        "code": "xdj-street",
        "name": "西大街政务服务驿站",
        "kind": Station.Kind.STREET,
        "region": "610104002000",
        "address": "西安市莲湖区西大街88号创业大厦一层",
        "position": (34.2596, 108.9430),
        "phone": "029-84256677",
        "hours": "1-5 09:00-12:00 13:30-17:30",
        "description": "西大街沿街商户和楼宇企业的驿站：个体工商户登记、食品经营许可、刻章、就业和户籍等事项"
        "就近受理，帮办代办。",
        "items": [SELF_EMPLOYED, FOOD, SEAL, NATURAL_INVOICE, EMPLOYMENT_CARD, RENTAL, NEWBORN, ID_CARD],
        "equipment": [
            ("terminal", "政务服务自助终端", ""),
            ("printer", "自助打印复印", ""),
            ("locker", "24小时自助信包箱（创业大厦一层）", LOCKER_STREET),
        ],
        "assistants": ["assistant4"],
    },
]

PROJECT = "yunfan-factory"
WALK_IN_ID = "61010419720315232"


def _assistants(hall: Hall, region: Region) -> list[User]:
    from govhall.accounts.services import role_groups_ensure

    group = role_groups_ensure()[Role.ASSISTANT]
    made = []
    for username, name, _ in ASSISTANTS:
        user, created = User.objects.get_or_create(username=username, defaults={"display_name": name})
        if created or not user.check_password(settings.GOVHALL_DEMO_PASSWORD):
            user.set_password(settings.GOVHALL_DEMO_PASSWORD)
        user.display_name, user.is_staff = name, True
        user.save()
        StaffProfile.objects.update_or_create(user=user, defaults={"role": Role.ASSISTANT, "region": region})
        user.groups.set([group])
        made.append(user)
    return made


def _pdf(title: str):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, f"govhall demo material: {title}")
    page.save()
    return SimpleUploadedFile(f"{title}.pdf", buffer.getvalue(), content_type="application/pdf")


def _submit(case, actor: User):
    from govhall.cases import selectors as case_selectors
    from govhall.cases import services as case_services

    for requirement in case_selectors.required_materials(case):
        if not case.materials.filter(requirement=requirement, current=True).exists():
            case_services.material_upload(
                case=case, actor=actor, requirement_id=requirement.id, upload=_pdf(requirement.name)
            )
    return case_services.case_transition(case=case, actor=actor, action="submit")


def _requests_and_project(users: dict[str, User], stations: dict[str, Station]) -> None:
    from govhall.cases import services as case_services

    today = timezone.localdate()
    citizen = Applicant.objects.get(user__username="citizen")
    company = Applicant.objects.get(operators__user__username="company")
    # 1. 张明 asks online at the community station: assigned by workload to its assistant,
    # who asks for a 委托书 that 张明 confirms online; the assistant may now file for him.
    first = services.assist_request_create(
        actor=users["citizen"],
        applicant=citizen,
        description="想办理社会保障卡和居住证，白天上班没时间跑，请帮忙代办。",
        item_codes=[SOCIAL_CARD, RESIDENCE],
        station=stations["bym-community"],
    )
    mandate = services.assist_authorisation_request(
        request=first, actor=users["assistant3"], valid_until=today + datetime.timedelta(days=60)
    )
    services.authorisation_confirm(actor=users["citizen"], authorisation_id=mandate.pk)
    # 2. the company asks at the park station for a change of registration; its assistant
    # asks for a 委托书, waiting for the company's operator (李华) to confirm.
    second = services.assist_request_create(
        actor=users["company"],
        applicant=company,
        description="公司变更注册地址和经营范围，并重新刻制公章，请驿站代为办理。",
        item_codes=[COMPANY_CHANGE, SEAL],
        station=stations["dxxq-park"],
    )
    second.refresh_from_db()
    services.assist_authorisation_request(
        request=second, actor=second.assistant, valid_until=today + datetime.timedelta(days=30)
    )
    # 3. 李娜 asks online without a station, for guidance only: waits for the hall manager.
    services.assist_request_create(
        actor=users["citizen2"],
        applicant=Applicant.objects.get(user__username="citizen2"),
        description="想了解灵活就业人员怎么参保，希望有人指导一下。",
        item_codes=[FLEXIBLE],
        mode=AssistRequest.Mode.HELP,
    )
    # 4. a walk-in at the street station, helped and done on the spot.
    walk_in = services.assist_walk_in(
        actor=users["assistant4"],
        station=stations["xdj-street"],
        kind=Applicant.Kind.NATURAL,
        code=WALK_IN_ID + id_number_check_char(WALK_IN_ID),
        name="王秀兰",
        phone="13991234567",
        description="不会在手机上申请就业创业证，现场请帮办员指导。",
        item_codes=[EMPLOYMENT_CARD],
        mode=AssistRequest.Mode.HELP,
    )
    services.assist_transition(request=walk_in, actor=users["assistant4"], action="start")
    services.assist_transition(
        request=walk_in, actor=users["assistant4"], action="finish", comment="已指导申请人在驿站自助终端完成网上申请。"
    )
    # The key project: 云帆科技's factory, its dedicated assistant 刘洋; the company signs a
    # 委托书 at the park station (witnessed by his colleague 王磊), and he files the
    # planning, environmental and construction permits; the hall accepts two of them.
    project = services.project_create(
        actor=users["manager"],
        code=PROJECT,
        name="云帆科技智能终端生产基地建设项目",
        company=company,
        assistant=users["assistant"],
        location="西安市莲湖区大兴新区科创路以北、团结路以西",
        description="新建智能终端生产厂房及配套研发楼，总建筑面积约4.2万平方米，计划年内开工。",
        investment=32000,
        target_date=today + datetime.timedelta(days=90),
    )
    authorisation = authorisation_request(
        actor=users["assistant"],
        assistant=users["assistant"],
        applicant=company,
        item_codes=[PLANNING, EIA, CONSTRUCTION],
        valid_until=today + datetime.timedelta(days=180),
        note="重点项目“云帆科技智能终端生产基地建设项目”审批事项全程代办",
    )
    services.authorisation_sign(actor=users["assistant2"], authorisation_id=authorisation.pk)
    clerk = users["clerk"]
    forms = {
        PLANNING: {"建设项目名称": project.name, "建设位置": project.location, "建设规模": "总建筑面积约42000平方米"},
        EIA: {"建设项目名称": project.name, "环评类别": "报告表"},
        CONSTRUCTION: {"建设项目名称": project.name, "合同价格（万元）": "26800"},
    }
    for code in (PLANNING, EIA, CONSTRUCTION):
        case = services.project_case_file(project=project, actor=users["assistant"], item_code=code, form=forms[code])
        case = _submit(case, users["assistant"])
        if code != CONSTRUCTION:
            case_services.case_transition(case=case, actor=clerk, action="accept")


def load_places() -> dict[str, Station]:
    """The hall's place, the demo assistants and the three stations (brought up to date)."""
    hall = Hall.objects.get(name=DEMO_HALL)
    district = Region.objects.get(code="610104000000")
    services.hall_locate(hall=hall, latitude=HALL_POSITION[0], longitude=HALL_POSITION[1], hours=HALL_HOURS)
    _assistants(hall, district)
    users = {u.username: u for u in User.objects.filter(username__in=["assistant", *(a[0] for a in ASSISTANTS)])}
    return {
        spec["code"]: services.station_configure(
            code=spec["code"],
            name=spec["name"],
            kind=spec["kind"],
            region=Region.objects.get(code=spec["region"]),
            hall=hall,
            address=spec["address"],
            latitude=spec["position"][0],
            longitude=spec["position"][1],
            hours=spec["hours"],
            phone=spec["phone"],
            description=spec["description"],
            item_codes=spec["items"],
            equipment=spec["equipment"],
            assistants=[users[name] for name in spec["assistants"]],
        )
        for spec in STATIONS
    }


@demo_loader(order=45, accounts=lambda made: [(u, d) for u, _, d in ASSISTANTS])
@transaction.atomic
def load() -> bool:
    stations = load_places()
    if KeyProject.objects.filter(code=PROJECT).exists():
        return False
    names = ["assistant", *(a[0] for a in ASSISTANTS), "citizen", "citizen2", "company", "manager", "clerk"]
    _requests_and_project({u.username: u for u in User.objects.filter(username__in=names)}, stations)
    return True
