"""Demo lockers: the hall's locker bank at 莲湖区政务服务中心, two station lockers (sites of kind
station: the stations app links its stations to them by site code), a point of a third-party
locker network (served by ``locker_network_local`` once it is enabled), and one case whose
result waits in a cell for pick-up.

Made through the real services; idempotent (nothing is added twice). Cabinet secrets are not
printed: ``manage.py lockers_cabinet_secret <cabinet>`` gives one; the screens are paired from
the site page (工作台 → 信包箱管理)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from govhall.accounts.models import Hall, User
from govhall.catalog.models import Region
from govhall.core.demo import demo_loader
from govhall.lockers import services
from govhall.lockers.models import Cabinet, LockerSite, Parcel
from govhall.lockers.workflow import SiteKind

DEMO_HALL = "莲湖区政务服务中心"
DEMO_REGION = "610104000000"
FOOD = "000101005000-610104000000-000-11610104LH0000001G-1-00"

# code, name, kind, address, lat, lng, cabinets [(code, name, {size: count})]
SITES = [
    (
        "LH-HALL-01",
        "莲湖区政务服务中心24小时自助信包箱",
        SiteKind.HALL,
        "西安市莲湖区政务服务中心一层东门",
        "34.265520",
        "108.933180",
        [("LH-HALL-01-A", "A柜", {"S": 12, "M": 6, "L": 2}), ("LH-HALL-01-B", "B柜", {"S": 8, "M": 4, "L": 2})],
    ),
    (
        "LH-ST-XDJ",
        "西大街政务服务驿站信包箱",
        SiteKind.STATION,
        "西安市莲湖区西大街88号创业大厦一层",
        "34.259720",
        "108.943150",
        [("LH-ST-XDJ-A", "A柜", {"S": 6, "M": 3, "L": 1})],
    ),
    (
        "LH-ST-BYM",
        "北院门社区政务服务驿站信包箱",
        SiteKind.STATION,
        "西安市莲湖区北院门100号社区服务中心",
        "34.265070",
        "108.941520",
        [("LH-ST-BYM-A", "A柜", {"S": 6, "M": 2, "L": 1})],
    ),
]
NETWORK_POINT = (
    "QCTG-LH-0001",
    "信包箱网络·劳动南路网点",
    "西安市莲湖区劳动南路126号便利店门口",
    "34.247310",
    "108.917640",
)


@demo_loader(order=40, summary=lambda made: made or None)
@transaction.atomic
def load() -> str:
    region = Region.objects.get(code=DEMO_REGION)
    hall = Hall.objects.get(name=DEMO_HALL)
    created = []
    for code, name, kind, address, lat, lng, cabinets in SITES:
        site, new = LockerSite.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "hall": hall,
                "region": region,
                "address": address,
                "latitude": Decimal(lat),
                "longitude": Decimal(lng),
                "phone": "029-87654321",
            },
        )
        if new:
            created.append(name)
        for cabinet_code, cabinet_name, layout in cabinets:
            if not Cabinet.objects.filter(code=cabinet_code).exists():
                services.cabinet_create(site=site, code=cabinet_code, name=cabinet_name, layout=layout)
    code, name, address, lat, lng = NETWORK_POINT
    _, new = LockerSite.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "kind": SiteKind.NETWORK,
            "network": "locker_network_local",
            "region": region,
            "address": address,
            "latitude": Decimal(lat),
            "longitude": Decimal(lng),
            "hours": "24小时（网络运营）",
        },
    )
    if new:
        created.append(name)
    waiting = _pickup_waiting()
    if not created and not waiting:
        return ""
    parts = [f"演示信包箱：新增点位 {len(created)} 个"] if created else []
    if waiting:
        parts.append(f"办件{waiting}的结果已存入信包箱待取")
    return "；".join(parts)


def _pdf(title: str):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, f"govhall demo material: {title}")
    page.save()
    return SimpleUploadedFile(f"{title}.pdf", buffer.getvalue(), content_type="application/pdf")


def _pickup_waiting() -> str:
    """One food licence issued with locker delivery and deposited at the hall (the applicant
    gets a new pick-up code on the case's locker page). Once."""
    if Parcel.objects.exists() or not User.objects.filter(username="citizen").exists():
        return ""
    from govhall.cases import selectors as case_selectors
    from govhall.cases import services as case_services

    citizen = User.objects.get(username="citizen")
    clerk = User.objects.get(username="clerk")
    case = case_services.case_create(
        actor=citizen,
        item_code=FOOD,
        applicant=case_services.applicant_for(citizen),
        form={"经营者名称": "张明早餐店", "经营场所": "西安市莲湖区西大街66号", "主体业态": "餐饮服务经营者"},
    )
    for requirement in case_selectors.required_materials(case):
        if not case.materials.filter(requirement=requirement, current=True).exists():
            case_services.material_upload(
                case=case, actor=citizen, requirement_id=requirement.id, upload=_pdf(requirement.name)
            )
    case_services.case_transition(case=case, actor=citizen, action="submit")
    case_services.case_transition(case=case, actor=clerk, action="accept")
    case_services.case_transition(case=case, actor=User.objects.get(username="approver"), action="approve")
    case_services.case_transition(case=case, actor=clerk, action="issue", params={"delivery_mode": "locker"})
    services.pickup_deposit(case=case.number, actor=clerk, site="LH-HALL-01", size="S")
    return case.number
