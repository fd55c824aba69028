"""Bundle-case API (``/api/v1/bundle-cases``): file a bundle (一件事) once, attach its one
set of materials, submit, withdraw, and (a general window) deliver the held results
together. Thin: parse, call a service or selector, shape the answer (``presenters``)."""

import datetime

from ninja import Body, Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from govhall.accounts.auth import API_AUTH
from govhall.bundles import presenters, selectors, services
from govhall.bundles.models import Delivery
from govhall.cases import services as case_services
from govhall.cases.idempotency import idempotent
from govhall.cases.params import CorrectionItem
from govhall.core.errors import ErrorOut

router = Router(tags=["bundle-cases"], auth=API_AUTH)

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class BundleCaseIn(Schema):
    bundle_code: str = Field(max_length=40, description="一件事编码")
    answers: dict[str, int] = Field(default_factory=dict, description="情形编号 → 所选答案编号")
    form: dict[str, str | int | float | bool | None] = Field(
        default_factory=dict, description="一表申请：按一件事表单的字段名填写（共享字段只填一次）"
    )
    delivery: Delivery = Field(Delivery.TOGETHER, description="together：全部办结后统一送达；each：办结一件送达一件")
    delivery_mode: str = Field("", max_length=12, description="送达方式（各事项都提供的方式之一）；为空：窗口领取")
    applicant_id: int | None = Field(None, description="代表的申请人（经办人代表企业、帮办代办时）")


class MemberOut(Schema):
    case_number: str
    item_code: str
    item_name: str
    department: str
    state: str
    state_label: str
    accepted_on: datetime.date | None
    due_date: datetime.date | None
    held: bool = Field(description="结果已出件，暂存待统一送达")


class BundleCaseMaterialOut(Schema):
    name: str
    required: bool
    asked: bool = Field(description="false：由证照库或共享数据提供（免提交），证照库中没有时仍可上传")
    source: str = Field(
        description="applicant 申请人自备；licence 电子证照库获取（supplied 为 false 时证照库中没有，需上传）；"
        "shared_data 部门共享获取"
    )
    shared: bool = Field(description="多个事项共用，提交一次")
    members: int
    supplied: bool


class BundleCorrectionOut(Schema):
    case_number: str
    item_name: str
    name: str
    problem: str
    requirement_id: int | None


class NoticeOut(Schema):
    kind: str
    text: str
    created_at: datetime.datetime


class BundleProgressOut(Schema):
    members: int
    decided: int


class BundleCaseOut(Schema):
    number: str
    bundle_code: str
    bundle_name: str
    status: str
    status_label: str
    delivery: str
    delivery_label: str
    delivery_mode: str
    form: dict[str, str] = Field(description="一表申请的答案（仅申请人一方可见）")
    created_at: datetime.datetime
    submitted_at: datetime.datetime | None
    decided_at: datetime.datetime | None
    progress: BundleProgressOut
    deadline: datetime.date | None = Field(description="一件事办结期限：最后受理的事项的受理日 + 最长承诺时限")
    limit_workdays: int
    members: list[MemberOut] = Field(description="调用者可见的成员办件（部门只见本部门的）")
    materials: list[BundleCaseMaterialOut] = Field(description="一套材料（仅申请人一方）")
    corrections: list[BundleCorrectionOut] = Field(description="当前需补正的全部内容（仅申请人一方）")
    notices: list[NoticeOut] = Field(description="在一件事上告知申请人的消息（仅申请人一方）")


class BundleCaseSummaryOut(Schema):
    number: str
    bundle_code: str
    bundle_name: str
    status: str
    status_label: str
    created_at: datetime.datetime


class BundleCasePageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[BundleCaseSummaryOut]


class AttachedOut(Schema):
    material: str
    attached: list[str] = Field(description="附上该材料的成员办件编号")
    sha256: str


class BundleWithdrawIn(Schema):
    comment: str = Field("", max_length=500)


class BundleDeliverIn(Schema):
    delivery_mode: str = Field("", max_length=12, description="为空：申请时选择的方式")
    tracking_number: str = Field("", max_length=40)
    address: str = Field("", max_length=300)


class BundlePrereviewIn(Schema):
    corrections: dict[str, list[CorrectionItem]] = Field(
        default_factory=dict,
        max_length=30,
        description="办件编号 -> 补正项（同单件办件的 request_correction items）；为空：全部受理",
    )
    comment: str = Field("", max_length=2000)


# An optional JSON body (ninja reads a bare ``Schema | None`` as query parameters).
NO_BODY = Body(None)


def _out(bundle_case, user) -> dict:
    return presenters.bundle_case_data(bundle_case, user)


@router.post(
    "", response={201: BundleCaseOut, **ERRORS}, summary="File a bundle (一件事): one form, one member case each"
)
@idempotent
def create_bundle_case(request, payload: BundleCaseIn):
    user = request.auth
    applicant = case_services.applicant_for(user, payload.applicant_id)
    bundle_case = services.bundle_case_create(
        actor=user,
        bundle_code=payload.bundle_code,
        applicant=applicant,
        answers=payload.answers,
        form=payload.form,
        delivery=payload.delivery,
        delivery_mode=payload.delivery_mode,
    )
    return 201, _out(bundle_case, user)


@router.get("", response={200: BundleCasePageOut, **ERRORS}, summary="Bundle cases the caller may see")
def list_bundle_cases(request, page: int = Query(1, ge=1, le=10_000), page_size: int = Query(20, ge=1, le=100)):
    qs = selectors.list_for(request.auth)
    total = qs.count()
    results = [
        {
            "number": b.number,
            "bundle_code": b.bundle.code,
            "bundle_name": b.bundle.name,
            "status": b.status,
            "status_label": b.get_status_display(),
            "created_at": b.created_at,
        }
        for b in qs[(page - 1) * page_size : page * page_size]
    ]
    return {"count": total, "page": page, "page_size": page_size, "results": results}


@router.get("/{number}", response={200: BundleCaseOut, **ERRORS}, summary="A bundle case: progress, members, deadline")
def get_bundle_case(request, number: str):
    return _out(selectors.bundle_case_for_actor(number, request.auth), request.auth)


@router.post(
    "/{number}/materials",
    response={201: AttachedOut, **ERRORS},
    summary="Upload one material of the bundle's one set; attached to every member that needs it",
)
@idempotent
def add_material(request, number: str, name: Form[str], file: File[UploadedFile]):
    return 201, services.bundle_material_add(actor=request.auth, bundle_case=number, name=name, upload=file)


@router.post(
    "/{number}/submit", response={200: BundleCaseOut, **ERRORS}, summary="Submit every member (all or nothing)"
)
@idempotent
def submit_bundle_case(request, number: str):
    return 200, _out(services.bundle_case_submit(actor=request.auth, bundle_case=number), request.auth)


@router.post("/{number}/withdraw", response={200: BundleCaseOut, **ERRORS}, summary="Withdraw every open member")
@idempotent
def withdraw_bundle_case(request, number: str, payload: BundleWithdrawIn | None = NO_BODY):
    comment = payload.comment if payload else ""
    return 200, _out(
        services.bundle_case_withdraw(actor=request.auth, bundle_case=number, comment=comment), request.auth
    )


@router.post(
    "/{number}/prereview",
    response={200: BundleCaseOut, **ERRORS},
    summary="一窗受理: the window accepts every submitted member at once, or sends some back for correction",
)
@idempotent
def prereview_bundle_case(request, number: str, payload: BundlePrereviewIn | None = NO_BODY):
    payload = payload or BundlePrereviewIn()
    bundle_case = services.bundle_prereview(
        actor=request.auth,
        bundle_case=number,
        corrections={n: [i.model_dump() for i in items] for n, items in payload.corrections.items()},
        comment=payload.comment,
    )
    return 200, _out(bundle_case, request.auth)


@router.post(
    "/{number}/deliver",
    response={200: BundleCaseOut, **ERRORS},
    summary="统一送达: a general window hands over every held result at once",
)
@idempotent
def deliver_bundle_case(request, number: str, payload: BundleDeliverIn | None = NO_BODY):
    payload = payload or BundleDeliverIn()
    bundle_case = services.bundle_deliver(
        actor=request.auth,
        bundle_case=number,
        delivery_mode=payload.delivery_mode,
        tracking_number=payload.tracking_number,
        address=payload.address,
    )
    return 200, _out(bundle_case, request.auth)
