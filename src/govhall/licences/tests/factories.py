"""Issuing licences for tests through the real service."""

from __future__ import annotations

import io

from pypdf import PdfReader

from govhall.accounts.models import Applicant, User
from govhall.catalog.models import Department, ServiceItem
from govhall.licences.models import Licence
from govhall.licences.services import licence_issue

FOOD = "000101005000-610104000000-000-11610104LH0000001G-1-00"  # 食品经营许可 (区市场监督管理局)
COMPANY_USCC_NAME = "西安莲湖云帆科技有限公司"


def user(username: str) -> User:
    return User.objects.get(username=username)


def citizen() -> Applicant:
    return Applicant.objects.get(user__username="citizen")


def company() -> Applicant:
    return Applicant.objects.get(name=COMPANY_USCC_NAME)


def issue(holder: Applicant | None = None, *, licence_type: str = "食品经营许可证", **overrides) -> Licence:
    item = ServiceItem.objects.get(code=FOOD, status="published")
    holder = holder or company()
    kwargs = {
        "holder": holder,
        "department": Department.objects.get(code="lh-scjg"),
        "item": item,
        "case_number": "LH202611240001",
        "licence_type": licence_type,
        "title": licence_type,
        "data": {
            "经营者名称": holder.name,
            "经营场所": "西安市莲湖区北院门100号",
            "主体业态": "餐饮服务经营者（小型餐馆）",
            "经营项目": "热食类食品制售",
        },
        "actor": user("approver"),
    }
    kwargs.update(overrides)
    return licence_issue(**kwargs)


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def compact(text: str) -> str:
    """Text without whitespace, so phrases wrapped over lines still match."""
    return "".join(text.split())
