"""Demo evaluations (``manage.py load_demo``), after the cases (30): a window evaluator
screen paired with window 1 (the demo clerk's), two concluded cases of 李娜 (citizen2) with
their evaluations — one 非常满意 online, one 不满意 by the SMS link whose callback task is open
at 区市场监督管理局 — and an item-level evaluation. Made through the real services; idempotent
(nothing is added once 李娜 has evaluated; the screen is paired once).

The demo screen's pairing code is derived from the server's SECRET_KEY, so the summary can
print it at every start (a real screen's code is random and shown once)."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.db import transaction

from govhall.accounts.models import User, Window
from govhall.cases import selectors as case_selectors
from govhall.cases import services as case_services
from govhall.cases.demo import _pdf
from govhall.core.demo import demo_loader
from govhall.evaluations import services
from govhall.evaluations.models import INDICATORS, Evaluation, EvaluatorDevice

FOOD = "000101005000-610104000000-000-11610104LH0000001G-1-00"
DEMO_HALL = "莲湖区政务服务中心"


def demo_screen_code() -> str:
    return hmac.new(settings.SECRET_KEY.encode(), b"govhall demo evaluator screen", hashlib.sha256).hexdigest()


def _issued(username: str, form: dict):
    actor = User.objects.get(username=username)
    case = case_services.case_create(
        actor=actor, item_code=FOOD, applicant=case_services.applicant_for(actor), form=form
    )
    for requirement in case_selectors.required_materials(case):
        case_services.material_upload(
            case=case, actor=actor, requirement_id=requirement.id, upload=_pdf(requirement.name)
        )
    case = case_services.case_transition(case=case, actor=actor, action="submit")
    for who, action in (("clerk", "accept"), ("approver", "approve"), ("clerk", "issue")):
        case = case_services.case_transition(case=case, actor=User.objects.get(username=who), action=action)
    return case


def _rated(level: int, indicator_set: str = "online") -> dict[str, int]:
    return dict.fromkeys(INDICATORS[indicator_set], level)


@demo_loader(
    order=40,
    summary=lambda made: (
        f"好差评：评价器已配对1号窗口（在平板上打开 /evaluations/screen/pair/ ，配对码 {demo_screen_code()}）"
        + (f"；新增演示评价 {made} 条" if made else "")
    ),
)
@transaction.atomic
def load() -> int:
    window = Window.objects.get(hall__name=DEMO_HALL, code="1")
    code = demo_screen_code()
    if not EvaluatorDevice.objects.filter(secret_hash=services._hash(code)).exists():
        EvaluatorDevice.objects.filter(window=window, revoked_at__isnull=True).delete()
        EvaluatorDevice.objects.create(
            window=window,
            name="1号窗口评价器（演示）",
            secret_hash=services._hash(code),
            created_by=User.objects.get(username="manager"),
        )
    lina = User.objects.get(username="citizen2")
    if Evaluation.objects.filter(applicant__user=lina).exists():
        return 0
    good = _issued(
        "citizen2", {"经营者名称": "李娜烘焙坊", "经营场所": "西安市莲湖区劳动路66号", "主体业态": "食品销售经营者"}
    )
    services.evaluate_case(
        actor=lina, case=good, level=5, indicators=_rated(5), comment="网上提交材料很方便，三天就办好了。"
    )
    bad = _issued(
        "citizen2", {"经营者名称": "李娜茶饮店", "经营场所": "西安市莲湖区桃园路18号", "主体业态": "餐饮服务经营者"}
    )
    services.evaluate_case(
        actor=lina,
        case=bad,
        level=2,
        indicators={**_rated(3), "efficiency": 2, "guide_accuracy": 2},
        comment="办事指南写的材料和窗口要求的不一致，来回跑了两趟。",
        channel="SMS",
    )
    services.evaluate_item(
        actor=User.objects.get(username="citizen"), item=good.item, level=4, indicators=_rated(4), comment=""
    )
    return 3
