"""Licences API: public verification (no login, throttled) and the holder's download."""

from __future__ import annotations

import datetime

from django.http import FileResponse
from ninja import Router, Schema
from ninja.throttling import AnonRateThrottle

from govhall.accounts.auth import API_AUTH
from govhall.core.errors import ErrorOut, NotFound
from govhall.licences import selectors

router = Router(tags=["licences"])


class VerifyThrottle(AnonRateThrottle):
    """Per client address, its own bucket (not shared with other anonymous endpoints)."""

    scope = "licence_verify"


VERIFY_RATE = "30/m"


class VerificationOut(Schema):
    number: str
    status: str
    status_label: str
    licence_type: str | None = None
    title: str | None = None
    holder_name: str | None = None
    department: str | None = None
    issued_on: datetime.date | None = None
    valid_until: datetime.date | None = None
    revoked_on: datetime.date | None = None
    content_hash: str | None = None


@router.get(
    "/{number}/verify",
    response={200: VerificationOut, 429: ErrorOut},
    throttle=[VerifyThrottle(VERIFY_RATE)],
    summary="Verify a licence (public): valid, expired, revoked, unknown, or mismatch when the hash differs",
)
def verify(request, number: str, hash: str | None = None):
    return selectors.licence_verify(number, hash)


@router.get(
    "/{number}/file",
    auth=API_AUTH,
    response={401: ErrorOut, 404: ErrorOut},
    summary="Download the licence PDF (the holder, its operators, or staff in scope)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The licence PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download(request, number: str):
    licence = selectors.licence_for_user(number, request.auth)
    if not licence.file:
        raise NotFound("证照文件不存在", code="licence_file_missing")
    return FileResponse(licence.file.open("rb"), content_type="application/pdf", filename=f"{licence.number}.pdf")
