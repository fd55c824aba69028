"""Building lockers and cases for tests through the real services, and signing cabinet requests."""

from __future__ import annotations

import json
import secrets
import time
from decimal import Decimal

from govhall.accounts.models import Hall, StaffProfile, User
from govhall.accounts.roles import Role
from govhall.cases.tests import factories as f
from govhall.catalog.models import Region
from govhall.lockers import codes, services
from govhall.lockers.models import Cabinet, LockerSite, Parcel
from govhall.lockers.workflow import SiteKind

DEMO_HALL = "莲湖区政务服务中心"
REGION = "610104000000"


def hall(name: str = DEMO_HALL) -> Hall:
    if name == DEMO_HALL:
        return Hall.objects.get(name=name)
    found, _ = Hall.objects.get_or_create(name=name, region=Region.objects.get(code=REGION))
    return found


def site(
    code: str = "T-HALL",
    *,
    layout: dict[str, int] | None = None,
    cabinets: int = 1,
    kind: str = SiteKind.HALL,
    at_hall: Hall | None = None,
    lat: str = "34.265520",
    lng: str = "108.933180",
    name: str | None = None,
) -> tuple[LockerSite, list[tuple[Cabinet, str]]]:
    """A site of ``kind`` at the demo hall with ``cabinets`` cabinets of ``layout``; the
    cabinets with their secrets."""
    made = LockerSite.objects.create(
        code=code,
        name=name or f"测试点位{code}",
        kind=kind,
        hall=at_hall or hall(),
        region=Region.objects.get(code=REGION),
        address="西安市莲湖区测试路1号",
        latitude=Decimal(lat),
        longitude=Decimal(lng),
    )
    found = [
        services.cabinet_create(
            site=made, code=f"{code}-{chr(65 + i)}", name=f"{chr(65 + i)}柜", layout=layout or {"S": 2, "M": 1, "L": 1}
        )
        for i in range(cabinets)
    ]
    return made, found


def network_site(code: str = "T-NET", provider: str = "locker_network_local") -> LockerSite:
    return LockerSite.objects.create(
        code=code,
        name="测试网络点位",
        kind=SiteKind.NETWORK,
        network=provider,
        region=Region.objects.get(code=REGION),
        address="西安市莲湖区网络路2号",
        latitude=Decimal("34.250000"),
        longitude=Decimal("108.920000"),
    )


def accepted(username: str = "citizen"):
    """A food licence case accepted after pre-review: its item asks for paper originals."""
    return f.accepted(username=username)


def issued_for_locker(username: str = "citizen"):
    return f.act(f.approved(username=username), "clerk", "issue", delivery_mode="locker")


def reserve(case, site_: LockerSite, size: str = "S", username: str = "citizen") -> services.Issued:
    return services.dropoff_reserve(case=case.number, actor=f.user(username), site=site_.code, size=size)


def deposit(case, site_: LockerSite, size: str = "S", username: str = "clerk") -> Parcel:
    return services.pickup_deposit(case=case.number, actor=f.user(username), site=site_.code, size=size)


def clerk_elsewhere(username: str = "clerk_other") -> User:
    """A clerk of another hall of the same region."""
    user, _ = User.objects.get_or_create(username=username, defaults={"display_name": "外厅受理员"})
    StaffProfile.objects.update_or_create(
        user=user,
        defaults={"role": Role.CLERK, "hall": hall("另一政务服务大厅"), "region": Region.objects.get(code=REGION)},
    )
    return user


def signed_headers(
    cabinet_code: str,
    secret: str,
    path: str,
    body: bytes,
    *,
    method: str = "POST",
    timestamp: int | None = None,
    nonce: str | None = None,
    header: str = "X-Locker-Cabinet",
) -> dict[str, str]:
    """The headers a cabinet sends (as Django test client keyword arguments)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(12)
    signature = codes.sign(secret, method, path, ts, nonce, body)
    return {
        f"HTTP_{header.upper().replace('-', '_')}": cabinet_code,
        "HTTP_X_LOCKER_TIMESTAMP": ts,
        "HTTP_X_LOCKER_NONCE": nonce,
        "HTTP_X_LOCKER_SIGNATURE": signature,
    }


def cabinet_post(client, cabinet: Cabinet, secret: str, path: str, payload: dict, **kw):
    body = json.dumps(payload).encode()
    headers = signed_headers(cabinet.code, secret, path, body, **kw)
    return client.post(path, body, content_type="application/json", **headers)


def open_code(client, cabinet: Cabinet, secret: str, code: str, terminal: str = "keypad"):
    return cabinet_post(client, cabinet, secret, "/api/v1/lockers/cabinet/open", {"code": code, "terminal": terminal})
