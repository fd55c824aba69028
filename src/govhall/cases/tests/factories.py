"""Building cases for tests through the real services (no state is ever set by hand)."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile

from govhall.accounts.models import Applicant, User
from govhall.cases import selectors, services
from govhall.cases.models import Case

# 食品经营许可: natural or legal applicants, 容缺受理 and 告知承诺 allowed, a licence as result.
FOOD = "000101005000-610104000000-000-11610104LH0000001G-1-00"
# 有限责任公司设立登记: legal persons only.
COMPANY = "000101001000-610104000000-000-11610104LH0000001G-1-00"
# 股权出质登记: an instant item (即办件) of the same department.
INSTANT = "000110002000-610104000000-000-11610104LH0000001G-1-00"
# 建设项目环境影响报告表审批: result is an approval document, another department.
EIA = "000901001000-610104000000-000-11610104LH00000099-1-00"


# Answers to the application forms of the items that define one.
FORMS = {
    FOOD: {"经营者名称": "张明小吃店", "经营场所": "西安市莲湖区北院门100号", "主体业态": "餐饮服务经营者"},
    COMPANY: {
        "企业名称": "西安莲湖云帆餐饮管理有限公司",
        "注册资本（万元）": "100",
        "住所": "西安市莲湖区西大街88号",
        "经营范围": "餐饮管理；餐饮服务",
    },
}


def pdf_bytes(text: str = "material") -> bytes:
    """A small real PDF (reportlab), so content sniffing sees a PDF."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def pdf_upload(name: str = "材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(name), content_type="application/pdf")


def user(username: str) -> User:
    return User.objects.get(username=username)


def draft(item_code: str = FOOD, username: str = "citizen", answers: dict | None = None) -> Case:
    actor = user(username)
    return services.case_create(
        actor=actor,
        item_code=item_code,
        applicant=services.applicant_for(actor),
        situation_answers=answers or {},
        form=FORMS.get(item_code, {}),
    )


def upload_all(case: Case, username: str = "citizen", *, skip: set[int] = frozenset()) -> Case:
    for requirement in selectors.required_materials(case):
        if requirement.id in skip or case.materials.filter(requirement=requirement, current=True).exists():
            continue
        services.material_upload(case=case, actor=user(username), requirement_id=requirement.id, upload=pdf_upload())
    return case


def deferrable_ids(case: Case) -> list[int]:
    return [m.id for m in selectors.required_materials(case) if m.deferrable and m.required]


def act(case: Case, username: str, action: str, comment: str = "", **params) -> Case:
    return services.case_transition(case=case, actor=user(username), action=action, params=params, comment=comment)


def submitted(item_code: str = FOOD, username: str = "citizen") -> Case:
    return act(upload_all(draft(item_code, username), username), username, "submit")


def accepted(item_code: str = FOOD, username: str = "citizen") -> Case:
    return act(submitted(item_code, username), "clerk", "accept")


def accepted_with_deferral(item_code: str = FOOD, username: str = "citizen") -> Case:
    case = draft(item_code, username)
    deferred = deferrable_ids(case)
    upload_all(case, username, skip=set(deferred))
    act(case, username, "submit")
    return act(
        case,
        "clerk",
        "accept_with_deferral",
        deferred=deferred,
        commitment="本人承诺在规定期限内补齐容缺材料，逾期未补齐的愿意承担相应法律责任。",
    )


def approved(item_code: str = FOOD, username: str = "citizen") -> Case:
    return act(accepted(item_code, username), "approver", "approve")


def other_applicant() -> Applicant:
    return Applicant.objects.get(user__username="citizen2")


STATE_BUILDERS = {
    "draft": lambda: draft(),
    "submitted": lambda: submitted(),
    "correction_requested": lambda: act(
        submitted(), "clerk", "request_correction", items=[{"problem": "申请书未签字"}]
    ),
    "accepted": lambda: accepted(),
    "suspended": lambda: act(accepted(), "reviewer", "suspend", reason="现场核查"),
    "approved": lambda: approved(),
    "issued": lambda: act(approved(), "clerk", "issue"),
}


def all_points(case: Case) -> list[int]:
    """Every review point of the case's item, ticked (审查要点全部核对通过)."""
    return list(range(len(case.item.review_points)))


# Well-formed parameters of each workflow action that takes some (a deferral's materials and
# the review points depend on the case: callers add them).
ACTION_PARAMS: dict[str, dict] = {
    "request_correction": {"items": [{"problem": "材料不清晰"}]},
    "reject": {"reason": "不符合受理条件", "legal_basis": "《行政许可法》第三十二条"},
    "deny": {"reason": "不符合许可条件", "legal_basis": "《行政许可法》第三十八条"},
    "suspend": {"reason": "现场核查"},
    "extend": {"days": 3, "reason": "专家论证"},
    "review": {"recommendation": "approve"},
    "revoke": {"reason": "逾期未补齐"},
    "deliver": {"delivery_mode": "window"},
    "accept_with_deferral": {"deferred": [1], "commitment": "承诺按期补齐"},
    "verify_commitment": {"passed": False},
}
