"""Demo cases in several states, so the workbench and 我的办件 have something to show.

Made through the real services (the timeline, documents and licences are real). Idempotent:
nothing is added once the demo applicants have cases.
"""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from govhall.accounts.models import User
from govhall.cases import selectors, services
from govhall.cases.models import Case
from govhall.core.demo import demo_loader

FOOD = "000101005000-610104000000-000-11610104LH0000001G-1-00"
COMPANY = "000101001000-610104000000-000-11610104LH0000001G-1-00"
SELF_EMPLOYED = "000101004000-610104000000-000-11610104LH0000001G-1-00"


def _pdf(title: str) -> SimpleUploadedFile:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, f"govhall demo material: {title}")
    page.save()
    return SimpleUploadedFile(f"{title}.pdf", buffer.getvalue(), content_type="application/pdf")


def _file(username: str, item_code: str, form: dict, *, defer: bool = False) -> Case:
    actor = User.objects.get(username=username)
    case = services.case_create(actor=actor, item_code=item_code, applicant=services.applicant_for(actor), form=form)
    for requirement in selectors.required_materials(case):
        if case.materials.filter(requirement=requirement, current=True).exists():
            continue
        if defer and requirement.deferrable:
            continue
        services.material_upload(case=case, actor=actor, requirement_id=requirement.id, upload=_pdf(requirement.name))
    return services.case_transition(case=case, actor=actor, action="submit")


@demo_loader(order=30, summary=lambda created: f"演示办件：新增 {created} 件" if created else None)
@transaction.atomic
def load() -> int:
    if Case.objects.filter(filed_by__username__in=["citizen", "company"]).exists():
        return 0
    clerk = User.objects.get(username="clerk")
    approver = User.objects.get(username="approver")
    # 1. waiting for pre-review
    _file(
        "citizen",
        SELF_EMPLOYED,
        {
            "字号名称": "莲湖区张明便利店",
            "经营场所": "西安市莲湖区西大街88号",
            "经营范围": "日用百货零售",
            "组成形式": "个人经营",
        },
    )
    # 2. a company registration accepted with a deferred material (容缺受理)
    company = _file(
        "company",
        COMPANY,
        {
            "企业名称": "西安莲湖云帆餐饮管理有限公司",
            "注册资本（万元）": "100",
            "住所": "西安市莲湖区西大街88号",
            "经营范围": "餐饮管理；餐饮服务；食品销售",
        },
        defer=True,
    )
    deferrable = [m.id for m in selectors.required_materials(company) if m.deferrable and m.required]
    services.case_transition(
        case=company,
        actor=clerk,
        action="accept_with_deferral",
        params={
            "deferred": deferrable,
            "commitment": "本单位承诺在规定期限内补齐容缺材料，逾期未补齐的，同意审批部门依法撤销审批决定。",
            "signed_by": "李华",
        },
    )
    # ... and reviewed: it waits in the chief approver's 待决定 with the reviewer's opinion
    services.case_transition(
        case=company,
        actor=User.objects.get(username="reviewer"),
        action="review",
        params={"recommendation": "approve"},
        comment="主要材料齐全，符合设立登记条件；容缺材料补齐并核验后方可出件。",
    )
    # 3. a food business licence, accepted, decided and issued: a real e-licence
    food = _file(
        "citizen",
        FOOD,
        {"经营者名称": "张明小吃店", "经营场所": "西安市莲湖区北院门100号", "主体业态": "餐饮服务经营者"},
    )
    services.case_transition(case=food, actor=clerk, action="accept")
    services.case_transition(case=food, actor=approver, action="approve")
    services.case_transition(case=food, actor=clerk, action="issue")
    # 4. a second shop's food licence, accepted: it waits in the reviewer's 待审查 with the
    # item's 审查要点 to tick
    second = _file(
        "citizen",
        FOOD,
        {"经营者名称": "张明面馆", "经营场所": "西安市莲湖区大麦市街12号", "主体业态": "餐饮服务经营者"},
    )
    services.case_transition(case=second, actor=clerk, action="accept")
    return 4
