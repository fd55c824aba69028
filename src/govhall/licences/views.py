"""The public verification page (证照核验): what a QR code on a licence opens."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from govhall.licences import selectors
from govhall.licences.api import VERIFY_RATE, VerifyThrottle


@require_GET
@never_cache
def verify(request, number: str):
    """``?h=`` (as in the QR link) or ``?hash=``: the content hash printed on the copy."""
    if not VerifyThrottle(VERIFY_RATE).allow_request(request):
        return render(request, "licences/verify.html", {"throttled": True, "number": number}, status=429)
    given = (request.GET.get("h") or request.GET.get("hash") or "").strip()[:128]
    result = selectors.licence_verify(number, given or None)
    return render(
        request,
        "licences/verify.html",
        {"result": result, "given_hash": given, "number": number},
        status=200,
    )
