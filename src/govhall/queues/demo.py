"""Demo queue (``manage.py load_demo``), after the accounts (20) and appointments (55): in the
demo hall a paired kiosk, a hall screen and a door QR, with fixed demo pairing codes printed
at the end (a real hall manager makes random ones on 取号叫号设备), and, when today has no
tickets yet, people waiting in every group (some of them elderly or disabled). Idempotent."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import timezone

from govhall.accounts.models import Hall, User, WindowGroup
from govhall.core.demo import demo_loader
from govhall.queues import services
from govhall.queues.models import Device, Source, Ticket

DEMO_HALL = "莲湖区政务服务中心"
# Fixed pairing codes, for the demo only (the printed summary says where to type them).
DEMO_DEVICES = [
    (Device.Kind.KIOSK, "大厅一楼取号机", "demo-kiosk-lianhu-2026"),
    (Device.Kind.SCREEN, "大厅叫号屏", "demo-screen-lianhu-2026"),
    (Device.Kind.DOOR, "东门扫码取号", "demo-door-lianhu-2026"),
]
# (group letter, elderly, disabled) of the tickets waiting in the morning
WAITING = [("A", False, False), ("A", True, False), ("A", False, False), ("B", False, False), ("C", False, True)]
WAITING += [("D", False, False), ("D", True, False), ("D", False, False), ("A", False, False)]


def _summary(made: int | None) -> str | None:
    if made is None:
        return None
    codes = "，".join(f"{label}配对码 {secret}" for _, label, secret in DEMO_DEVICES[:2])
    return (
        f"取号叫号：今日新增 {made} 个排队号；在 /queue/pair/ 输入{codes}；"
        f"门口扫码取号 /queue/door/{DEMO_DEVICES[2][2]}/"
    )


@demo_loader(order=60, summary=_summary)
def load() -> int | None:
    hall = Hall.objects.filter(name=DEMO_HALL).first()
    manager = User.objects.filter(username="manager").first()
    if hall is None or manager is None or not WindowGroup.objects.filter(hall=hall).exists():
        return None
    with transaction.atomic():
        for kind, name, secret in DEMO_DEVICES:
            digest = hashlib.sha256(secret.encode()).hexdigest()
            Device.objects.update_or_create(
                secret_hash=digest,
                defaults={"hall": hall, "kind": kind, "name": name, "created_by": manager, "revoked_at": None},
            )
        if Ticket.objects.filter(hall=hall, day=timezone.localdate()).exists():
            return 0
        for letter, elderly, disabled in WAITING:
            services.issue(hall=hall, group=letter, source=Source.KIOSK, elderly=elderly, disabled=disabled)
    return len(WAITING)
