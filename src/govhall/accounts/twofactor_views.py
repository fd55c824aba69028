"""The staff two-factor pages: enrol an authenticator (绑定身份验证器) and verify a sign-in
with its code or a recovery code (身份验证). The rules are in ``twofactor.py``."""

from __future__ import annotations

import django_otp
import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from govhall.accounts import twofactor
from govhall.core.errors import DomainError
from govhall.core.http import client_address

LOW_RECOVERY_CODES = 3


def _next(request) -> str:
    """Where to go afterwards: the page first asked for, if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _signed_in_with(request, device) -> None:
    """The session is verified from now on; a new session key, as after any rise in what
    the session may do."""
    django_otp.login(request, device)
    request.session.cycle_key()


def _verified(request) -> bool:
    return bool(getattr(request.user, "is_verified", None) and request.user.is_verified())


@never_cache
@sensitive_post_parameters("code")
@login_required
def verify(request):
    user = request.user
    if not twofactor.is_staff_member(user):
        raise Http404
    if _verified(request):
        return redirect(_next(request))
    if twofactor.confirmed_device(user) is None:
        return redirect(f"{resolve_url('accounts:otp_enrol')}?{request.GET.urlencode()}")
    error = None
    if request.method == "POST":
        try:
            device = twofactor.otp_verify(
                user=user, code=request.POST.get("code"), address=client_address(request), channel="web"
            )
        except DomainError as exc:
            error = exc.message
        else:
            _signed_in_with(request, device)
            if device.persistent_id.startswith("otp_static."):
                # Signed in with a recovery code: say how many are left and offer to enrol
                # the new phone now, before going on.
                left = twofactor.recovery_codes_left(user)
                return render(
                    request,
                    "accounts/twofactor/recovery_used.html",
                    {"left": left, "low": left <= LOW_RECOVERY_CODES, "next": _next(request)},
                )
            return redirect(_next(request))
    return render(request, "accounts/twofactor/verify.html", {"error": error, "next": _next(request)})


@never_cache
@sensitive_post_parameters("code")
@login_required
def enrol(request):
    user = request.user
    verified = _verified(request)
    if not twofactor.is_staff_member(user):
        raise Http404
    if not twofactor.may_enrol(user, verified=verified):
        # a device exists: only a session verified with it may replace it
        return redirect(f"{resolve_url('accounts:otp_verify')}?{request.GET.urlencode()}")
    error = None
    if request.method == "POST":
        try:
            device, codes = twofactor.enrol_confirm(
                user=user, code=request.POST.get("code"), address=client_address(request)
            )
        except DomainError as exc:
            error = exc.message
        else:
            _signed_in_with(request, device)
            # Shown on this answer only (never stored for a later page), not cached.
            return render(request, "accounts/twofactor/recovery_codes.html", {"codes": codes, "next": _next(request)})
    device = twofactor.enrolment_device(user=user)
    qr = segno.make(device.config_url, error="m").svg_inline(scale=4, title="绑定身份验证器的二维码")
    return render(
        request,
        "accounts/twofactor/enrol.html",
        {
            "qr_svg": qr,
            "secret": twofactor.secret_text(device),
            "replacing": twofactor.confirmed_device(user) is not None,
            "error": error,
            "next": _next(request),
        },
    )
