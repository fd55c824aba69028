"""Demo 工程建设项目并联审批 (``manage.py load_demo``), after the stations (45): two items of
区城管执法局 the construction stages need, the four stage bundles (一件事, published through
``catalog.services.bundle_import``), the stage configuration, a chief approver per
construction department, and one project of 西安莲湖云帆科技有限公司 (in stations' key project
when it is there) in its second stage: stage 1 passed (both cases decided, issued and
delivered together, joint site inspection recorded), stage 2 under parallel review
(自然资源 approved, 城管 still reviewing). Everything moves through the real services, so
timelines, deadlines and notices are real. Idempotent: the project is made once.

The stage members follow Xi'an's 工程建设项目审批 four-stage list: 立项用地规划许可
(临时用地审批, 环评报告表审批), 工程建设许可 (建设工程规划许可证, 占用挖掘城市道路审批),
施工许可 (建筑工程施工许可证, 城市建筑垃圾处置核准), 竣工验收 (竣工验收备案, 竣工环保验收备案,
排水许可)."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from govhall.accounts.models import Applicant, StaffProfile, User
from govhall.accounts.roles import Role
from govhall.catalog.demo import bundles as demo_bundles
from govhall.catalog.demo import data as d
from govhall.core.demo import demo_loader

PROJECT = "2026-610104-48-01-052601"
CG = "lh-cg"

ROAD = "占用、挖掘城市道路审批"
WASTE = "城市建筑垃圾处置核准"

ITEMS: list[dict[str, Any]] = [
    demo_bundles._item(
        department=CG,
        kind="licensing",
        seq=61,
        name=ROAD,
        aliases="占道施工、挖路、道路开挖、临时占道",
        applicant_type="legal",
        topics=["permits"],
        legal_basis="《城市道路管理条例》第二十九条、第三十条、第三十一条",
        conditions="因工程建设确需临时占用或挖掘城市道路，有经批准的施工图和交通疏导方案",
        statutory_days=20,
        promised_days=5,
        online_depth="online_prereview",
        channels=["online", "window"],
        result_type="approval",
        result_name="占用、挖掘城市道路许可决定书",
        delivery_modes=["window", "electronic"],
        flow=d.steps(("申请与受理", "网上或工程建设综合窗口提交"), ("审查与决定", "现场踏勘后作出决定")),
        form=[d.field("占挖位置"), d.field("占挖面积（平方米）", "number")],
        materials=[
            d.material("占用、挖掘城市道路申请表", originals=1),
            d.material("施工平面图及交通疏导方案", copies=1),
        ],
    ),
    demo_bundles._item(
        department=CG,
        kind="licensing",
        seq=62,
        name=WASTE,
        aliases="渣土处置、建筑垃圾、渣土证、渣土运输",
        applicant_type="legal",
        topics=["permits", "environment"],
        legal_basis="《城市建筑垃圾管理规定》第七条；《西安市建筑垃圾管理条例》",
        conditions="有建筑垃圾分类处置方案和消纳场所，运输单位具备相应资质",
        statutory_days=20,
        promised_days=3,
        online_depth="online_prereview",
        channels=["online", "window"],
        result_type="approval",
        result_name="城市建筑垃圾处置核准文件",
        delivery_modes=["window", "electronic"],
        flow=d.steps(("申请与受理", "网上或工程建设综合窗口提交"), ("审查与决定", "审查处置方案后作出决定")),
        form=[d.field("预计建筑垃圾量（立方米）", "number")],
        materials=[
            d.material("建筑垃圾处置申请表", originals=1),
            d.material("建筑垃圾分类处置方案及消纳场所证明", copies=1),
        ],
    ),
]

C = demo_bundles.C
TEMP_LAND = d.item_code("lh-zrzy", "licensing", 2)
EIA = d.item_code("lh-sthj", "licensing", 1)
PLANNING = d.item_code("lh-zrzy", "licensing", 1)
ROAD_CODE = demo_bundles.code_of(CG, "licensing", 61)
WASTE_CODE = demo_bundles.code_of(CG, "licensing", 62)
PERMIT = C["construction_permit"]
COMPLETION = d.item_code("lh-zj", "other_power", 3)
ENV_ACCEPTANCE = d.item_code("lh-sthj", "other_power", 2)
DRAINAGE = demo_bundles.code_of("lh-zj", "licensing", 51)

_GUIDE = "工程建设项目审批专区（三楼F区）一窗受理，各部门并联审批，统一出件。"


def _stage_bundle(code: str, name: str, description: str, guide: str, members: list[str]) -> dict[str, Any]:
    return demo_bundles.bundle(
        code,
        name,
        aliases="工程建设项目审批、工改、并联审批",
        description=description,
        applicant_type="legal",
        life_stage="permits",
        guide=guide + "\n" + _GUIDE,
        members=[demo_bundles.member(c) for c in members],
        window="工程建设综合窗口（F01-F06）",
    )


BUNDLES = [
    _stage_bundle(
        "gcjs-stage1",
        "工程建设项目立项用地规划许可阶段",
        "项目立项后，临时用地和环境影响评价一次申报、并联审批。",
        "办理流程：一次提交 → 自然资源、生态环境部门并联审查 → 联合踏勘 → 统一出具阶段成果。",
        [TEMP_LAND, EIA],
    ),
    _stage_bundle(
        "gcjs-stage2",
        "工程建设项目工程建设许可阶段",
        "建设工程规划许可和市政设施类审批一次申报、并联审批。",
        "办理流程：一次提交 → 自然资源、城管部门并联审查 → 统一出具阶段成果。",
        [PLANNING, ROAD_CODE],
    ),
    _stage_bundle(
        "gcjs-stage3",
        "工程建设项目施工许可阶段",
        "施工许可和建筑垃圾处置核准一次申报、并联审批。",
        "办理流程：一次提交 → 住建、城管部门并联审查 → 统一出具阶段成果。",
        [PERMIT, WASTE_CODE],
    ),
    _stage_bundle(
        "gcjs-stage4",
        "工程建设项目竣工验收阶段",
        "竣工验收备案、竣工环保验收备案和排水许可一次申报、联合验收。",
        "办理流程：一次提交 → 住建、生态环境部门联合验收（联合踏勘） → 统一出具阶段成果。",
        [COMPLETION, ENV_ACCEPTANCE, DRAINAGE],
    ),
]
# stage -> (bundle code, joint site inspection required)
STAGES = {1: ("gcjs-stage1", True), 2: ("gcjs-stage2", False), 3: ("gcjs-stage3", False), 4: ("gcjs-stage4", True)}

# chief approvers of the construction departments (the demo has the market bureau's only)
APPROVERS = [
    ("zrzy-approver", "韩冰", "首席审批员（区自然资源和规划局）", "lh-zrzy"),
    ("sthj-approver", "郭宁", "首席审批员（区生态环境分局）", "lh-sthj"),
    ("zj-approver", "马骏", "首席审批员（区住房和城乡建设局）", "lh-zj"),
    ("cg-approver", "宋琪", "首席审批员（区城市管理和综合执法局）", CG),
]


def catalogue() -> None:
    """The stage items and bundles and the stage configuration (idempotent)."""
    from govhall.catalog import services as catalog_services
    from govhall.catalog.models import Department
    from govhall.construction import services

    if not Department.objects.filter(code=CG).exists():  # the bundles' demo (order 12) brings it
        demo_bundles.load()
    catalog_services.catalog_import(ITEMS)
    catalog_services.bundle_import(BUNDLES)
    for stage, (code, inspection) in STAGES.items():
        services.definition_set(stage=stage, bundle_code=code, inspection_required=inspection)


def staff() -> dict[str, User]:
    from govhall.accounts.services import role_groups_ensure
    from govhall.catalog.models import Department

    groups = role_groups_ensure()
    made = {}
    for username, name, _, department in APPROVERS:
        user, created = User.objects.get_or_create(username=username, defaults={"display_name": name, "is_staff": True})
        if created:
            user.set_password(settings.GOVHALL_DEMO_PASSWORD)
            user.save()
        dep = Department.objects.get(code=department)
        StaffProfile.objects.get_or_create(
            user=user, defaults={"role": Role.CHIEF_APPROVER, "department": dep, "region": dep.region}
        )
        user.groups.set([groups[Role.CHIEF_APPROVER]])
        made[username] = user
    return made


def _pdf(name: str) -> SimpleUploadedFile:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "demo material")
    page.save()
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def form_for(bundle_code: str) -> dict[str, Any]:
    """Answers to a stage bundle's one form, by field type."""
    from govhall.bundles import services as bundle_services

    _, _, _, fields = bundle_services.plan(bundle_code, {})
    out: dict[str, Any] = {}
    for f in fields:
        spec = f.definition()
        kind = spec.get("type")
        if kind == "number":
            out[f.name] = "1200"
        elif kind == "date":
            out[f.name] = timezone.localdate().isoformat()
        elif kind == "choice" and spec.get("choices"):
            out[f.name] = spec["choices"][0]
        else:
            out[f.name] = "云帆科技智能终端生产基地（大兴新区科创路以北）"
    return out


def upload_all(actor: User, bundle_case) -> None:
    """Every material the bundle's members still miss, each uploaded once on the bundle."""
    from govhall.bundles import selectors as bundle_selectors
    from govhall.bundles import services as bundle_services
    from govhall.cases import selectors as case_selectors

    members = {m.item_code: m for m in bundle_selectors.members(bundle_case)}
    for material in bundle_services.unified_materials(bundle_case):
        if any(
            rid in {r.id for r in case_selectors.missing_materials(members[code].case)}
            for code, rid in material.targets.items()
            if code in members
        ):
            bundle_services.bundle_material_add(
                actor=actor, bundle_case=bundle_case, name=material.name, upload=_pdf(f"{material.name[:40]}.pdf")
            )


def file_and_submit(actor: User, project, stage: int):
    from govhall.construction import services

    row = services.stage_file(actor=actor, project=project, stage=stage, form=form_for(STAGES[stage][0]))
    upload_all(actor, row.bundle_case)
    return services.stage_submit(actor=actor, project=project, stage=stage)


def _project(users: dict[str, User], approvers: dict[str, User]) -> bool:
    from govhall.bundles import selectors as bundle_selectors
    from govhall.bundles import services as bundle_services
    from govhall.cases import services as case_services
    from govhall.construction import services
    from govhall.construction.models import ConstructionProject
    from govhall.stations.models import KeyProject

    if ConstructionProject.objects.filter(code=PROJECT).exists():
        return False
    company = Applicant.objects.filter(kind=Applicant.Kind.LEGAL, operators__user=users["company"]).first()
    if company is None:
        return False
    key = KeyProject.objects.filter(company=company).order_by("id").first()
    project = services.project_create(
        actor=users["company"],
        code=PROJECT,
        name="云帆科技智能终端生产基地一期工程",
        builder=company,
        key_project=key,
        hall=key.hall if key else None,
        location="西安市莲湖区大兴新区科创路以北、团结路以西",
        investment="18600",
        description="新建生产厂房2栋、研发楼1栋，总建筑面积约2.6万平方米。",
    )
    clerk = users["clerk"]
    by_department = {a[3]: approvers[a[0]] for a in APPROVERS}

    def decide(row, only: set[str] | None = None) -> None:
        for m in bundle_selectors.members(row.bundle_case):
            code = m.case.department.code
            if only is not None and code not in only:
                continue
            case_services.case_transition(case=m.case, actor=by_department[code], action="approve")

    # stage 1: filed once, taken in at the window, inspected together, decided, delivered together
    row = file_and_submit(users["company"], project, 1)
    bundle_services.bundle_prereview(actor=clerk, bundle_case=row.bundle_case)
    services.inspection_record(
        actor=clerk,
        project=project,
        stage=1,
        inspected_on=timezone.localdate(),
        department_codes=["lh-zrzy", "lh-sthj"],
        findings="用地红线与规划条件一致，现场无违法建设；周边无环境敏感目标，施工期需设置围挡和降尘措施。",
    )
    decide(row)
    for m in bundle_selectors.members(row.bundle_case):
        case = case_services.case_transition(case=m.case, actor=by_department[m.case.department.code], action="issue")
        # what the bundle does on the event (hold the result for unified delivery), now:
        # idempotent, and the demo does not depend on when events are delivered
        bundle_services.member_moved(case_id=case.pk, action="issue", event_id=case.last_transition.event.pk)
    bundle_services.bundle_deliver(actor=clerk, bundle_case=row.bundle_case)
    services.stage_evaluate(stage_id=row.pk)  # idempotent: the receiver has done it already
    # stage 2: filed, taken in, 自然资源 decided, 城管 still reviewing
    row = file_and_submit(users["company"], project, 2)
    bundle_services.bundle_prereview(actor=clerk, bundle_case=row.bundle_case)
    decide(row, only={"lh-zrzy"})
    return True


def _summary(made: bool) -> str | None:
    return "工程建设项目：新增演示项目 1 个（第二阶段并联审批中）" if made else None


@demo_loader(order=50, summary=_summary, accounts=lambda made: [(a[0], a[2]) for a in APPROVERS])
def load() -> bool:
    """Stage catalogue and configuration, department approvers, the demo project (once)."""
    with transaction.atomic():
        catalogue()
        approvers = staff()
    users = {u.username: u for u in User.objects.filter(username__in=["company", "clerk", "manager"])}
    if len(users) < 3:
        return False
    # no outer transaction: each step commits, so the member cases' events reach their
    # subscribers (bundles hold the issued results, the stage writes its result)
    return _project(users, approvers)
