"""办件进度查询: the public progress query, without login."""

from __future__ import annotations

from typing import Any

from django.shortcuts import render
from django.views.decorators.http import require_GET

from govhall.cases import progress as progress_service
from govhall.cases import selectors
from govhall.cases.presenters import applicant_name
from govhall.core import limits
from govhall.core.errors import DomainError
from govhall.core.http import client_address

PROGRESS_LIMIT = 30  # look-ups per address and minute, as the API's throttle


@require_GET
def progress(request):
    """办件进度查询 without login: case number + the last four digits of the applicant's
    phone. Failures answer alike (no hint whether the number exists); rate-limited per
    address, and wrong answers limited as ``cases.progress`` says."""
    number = request.GET.get("number", "").strip()[:32]
    last4 = request.GET.get("phone_last4", "").strip()[:4]
    context: dict[str, Any] = {"number": number, "phone_last4": last4, "case": None, "error": ""}
    status = 200
    if number or last4:
        address = client_address(request)
        per_minute = limits.Limit(limits.key_for("progress-page", limits.source_of(address)), PROGRESS_LIMIT, 60)
        if limits.take(per_minute) is not None:
            context["error"], status = "查询过于频繁，请一分钟后再试", 429
        else:
            try:
                case = progress_service.progress_query(number=number, phone_last4=last4, address=address)
            except DomainError as exc:  # no match (404) or this number locked (429)
                context["error"], status = exc.message, exc.status
            else:
                context.update(case=case, applicant_name=applicant_name(case), deadline=selectors.case_deadline(case))
    return render(request, "cases/progress.html", context, status=status)
