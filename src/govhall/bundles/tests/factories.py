"""A bundle built in the test from demo catalogue items of two departments, and bundle
cases made and moved through the real services."""

from __future__ import annotations

from django.utils import timezone

from govhall.accounts.models import StaffProfile, User
from govhall.accounts.roles import Role
from govhall.bundles import selectors, services
from govhall.bundles.models import BundleCase
from govhall.cases.tests import factories as f
from govhall.catalog.models import (
    Bundle,
    BundleField,
    BundleMaterial,
    BundleMember,
    BundleOption,
    BundleSituation,
    Department,
)

CODE = "test-restaurant"
FOOD = f.FOOD  # 食品经营许可, 区市场监督管理局, 3 working days
SHOP = "000101004000-610104000000-000-11610104LH0000001G-1-00"  # 个体工商户设立登记, same bureau, 1 day
HEALTH = "000601004000-610104000000-000-11610104LH00000060-1-00"  # 公共场所卫生许可, 区卫生健康局, 5 days

FORM = {"店名": "张明小吃店", "经营场所": "西安市莲湖区北院门100号", "主体业态": "餐饮服务经营者"}
SHOP_FORM = {**FORM, "经营范围": "餐饮服务", "组成形式": "个人经营"}


def bundle() -> Bundle:
    """我要开餐馆 (test): 食品经营许可 and 公共场所卫生许可 always; 个体工商户设立登记 only
    when the applicant has no business licence yet."""
    b = Bundle.objects.create(
        code=CODE,
        name="我要开餐馆（测试）",
        description="开办餐饮店一件事",
        applicant_type="both",
        life_stage=Bundle._meta.get_field("life_stage").choices[0][0],
        status=Bundle.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    food = BundleMember.objects.create(bundle=b, order=1, item_code=FOOD)
    BundleMember.objects.create(bundle=b, order=2, item_code=HEALTH)
    shop = BundleMember.objects.create(bundle=b, order=0, item_code=SHOP, required=False)
    situation = BundleSituation.objects.create(bundle=b, question="是否已有营业执照？")
    BundleOption.objects.create(situation=situation, order=0, label="已有")
    BundleOption.objects.create(situation=situation, order=1, label="尚未办理").includes.add(shop)
    BundleField.objects.create(bundle=b, name="店名", targets={FOOD: "经营者名称", SHOP: "字号名称"})
    BundleMaterial.objects.create(
        bundle=b,
        name="卫生管理制度",
        targets={FOOD: "食品安全自查、从业人员健康管理等食品安全规章制度", HEALTH: "公共场所卫生管理制度"},
    )
    assert food  # members in the bundle's order: 个体工商户 first when it applies
    return b


def no_licence_yet(b: Bundle) -> dict:
    situation = b.situations.get()
    return {f"b{situation.id}": situation.options.get(label="尚未办理").id}


def health_staff() -> tuple[str, str]:
    """A reviewer and a chief approver of the health bureau (the demo has the market bureau's only)."""
    department = Department.objects.get(code="lh-wj")
    for username, role in (("wj-reviewer", Role.REVIEWER), ("wj-approver", Role.CHIEF_APPROVER)):
        user, _ = User.objects.get_or_create(username=username, defaults={"display_name": username})
        StaffProfile.objects.get_or_create(
            user=user, defaults={"role": role, "department": department, "region": department.region}
        )
    return "wj-reviewer", "wj-approver"


def create(username: str = "citizen", answers: dict | None = None, form: dict | None = None, **kw) -> BundleCase:
    actor = f.user(username)
    return services.bundle_case_create(
        actor=actor,
        bundle_code=CODE,
        applicant=services_applicant(actor),
        answers=answers or {},
        form=form if form is not None else FORM,
        **kw,
    )


def services_applicant(actor):
    from govhall.cases import services as case_services

    return case_services.applicant_for(actor)


def upload_all(bundle_case: BundleCase, username: str = "citizen") -> BundleCase:
    """Every material the bundle still misses, each uploaded once on the bundle."""
    for material in services.unified_materials(bundle_case):
        members = {m.item_code: m for m in selectors.members(bundle_case)}
        if any(
            requirement_id not in f.selectors.supplied_requirement_ids(members[code].case)
            for code, requirement_id in material.targets.items()
        ) and any(
            requirement_id in {r.id for r in f.selectors.missing_materials(members[code].case)}
            for code, requirement_id in material.targets.items()
        ):
            services.bundle_material_add(
                actor=f.user(username), bundle_case=bundle_case, name=material.name, upload=f.pdf_upload()
            )
    return bundle_case


def submitted(username: str = "citizen", **kw) -> BundleCase:
    bundle_case = upload_all(create(username, **kw), username)
    return services.bundle_case_submit(actor=f.user(username), bundle_case=bundle_case)


def member_case(bundle_case: BundleCase, code: str):
    return next(m.case for m in selectors.members(bundle_case) if m.item_code == code)


def refresh(bundle_case: BundleCase) -> BundleCase:
    bundle_case.refresh_from_db()
    return bundle_case
