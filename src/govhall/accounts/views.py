"""Account pages: 实名注册 and 找回密码 (two steps: a code to a mobile number, then the
form), 我的信息, 经办人授权 at the window, and online 法人注册 and 经办人管理 by a
company's legal representative."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from govhall.accounts import selectors, services
from govhall.core.errors import DomainError, Forbidden
from govhall.core.http import client_address
from govhall.core.masking import mask_phone

FIELDS = ("name", "id_number", "phone")  # shown again after an error; never a password or code


def _two_steps(
    request,
    template: str,
    send_code: Callable[[dict, str], str],
    complete: Callable[[dict], object],
    *,
    show_code_in_development: bool,
):
    """POST action=code sends the code (``send_code(values, address)``); any other POST
    completes the form (``complete(values)``, whose answer is a response)."""
    values = {f: request.POST.get(f, "").strip() for f in FIELDS}
    context = {"values": values, "error": "", "notice": "", "dev_code": ""}
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "code":
                code = send_code(values, client_address(request))
                context["notice"] = f"验证码已发送至 {mask_phone(values['phone'])}，{services.CODE_MINUTES}分钟内有效。"
                if settings.DEBUG and show_code_in_development:  # no SMS gateway in development
                    context["dev_code"] = code
            else:
                if request.POST.get("password1", "") != request.POST.get("password2", ""):
                    raise DomainError("两次输入的密码不一致", code="password_mismatch")
                return complete(values)
        except DomainError as exc:
            context["error"], status = exc.message, exc.status if exc.status in (429, 503) else 400
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
def register(request):
    if request.user.is_authenticated:
        return redirect("cases:mine")

    def complete(values):
        user = services.applicant_self_register(
            **values,
            code=request.POST.get("code", ""),
            password=request.POST.get("password1", ""),
            address=client_address(request),
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "注册成功，欢迎使用。您的登录名是您的手机号。")
        return redirect("cases:mine")

    def send_code(values, address):
        services.registration_fields(values["name"], values["id_number"])
        return services.phone_code_send(phone=values["phone"], purpose="register", address=address)

    return _two_steps(request, "accounts/register.html", send_code, complete, show_code_in_development=True)


@require_http_methods(["GET", "POST"])
def password_reset(request):
    def complete(values):
        services.password_reset(
            phone=values["phone"], code=request.POST.get("code", ""), new_password=request.POST.get("password1", "")
        )
        messages.success(request, "密码已重设，请用新密码登录。")
        return redirect("accounts:login")

    def send_code(values, address):
        return services.password_reset_code_send(phone=values["phone"], address=address)

    # Never on the page, even in development: it would hand any account to whoever knows its
    # number on a demo server. Development reads it in the SMS outbox (admin: 通知).
    return _two_steps(request, "accounts/password_reset.html", send_code, complete, show_code_in_development=False)


@login_required
@require_http_methods(["GET", "POST"])
def operators(request):
    """经办人授权 at the window: look a company up by its credit code, link a registered
    person's account to it by mobile number, or withdraw a link."""
    uscc = (request.POST.get("uscc") or request.GET.get("uscc") or "").strip().upper()
    context = {"uscc": uscc, "company": None, "error": ""}
    status = 200
    try:
        services.require_registering(request.user)
        if request.method == "POST":
            if request.POST.get("action") == "unlink":
                operator_id = request.POST.get("operator", "")
                services.operator_unlink(
                    actor=request.user, operator_id=int(operator_id) if operator_id.isdigit() else 0
                )
                messages.success(request, "已撤销该经办人的授权。")
            else:
                operator = services.operator_link(actor=request.user, uscc=uscc, phone=request.POST.get("phone", ""))
                messages.success(request, f"已授权 {operator.user} 为本企业经办人。")
            return redirect(f"{request.path}?uscc={uscc}")
        if uscc:
            context["company"] = services.company_find(uscc)
    except Forbidden:
        raise PermissionDenied("仅窗口工作人员可以办理经办人授权") from None
    except DomainError as exc:
        context["error"], status = exc.message, exc.status
    if context["company"] is not None:
        company = context["company"]
        context["operators"] = _operator_rows(selectors.operators_of([company])[company.pk])
    return render(request, "accounts/operators.html", context, status=status)


def _operator_rows(operators) -> list[dict]:
    """Operators as the operator pages list them (numbers masked)."""
    return [
        {
            "pk": o.pk,
            "user_id": o.user_id,
            "name": str(o.user),
            "phone": mask_phone(o.user.phone),
            "since": o.created_at,
            "legal": o.is_legal_representative,
        }
        for o in operators
    ]


@login_required
@require_http_methods(["GET", "POST"])
def legal_register(request):
    """法人注册: a company's legal representative registers it online from their own real-name
    account (their name and ID come from it), then manages its operators."""
    identity = selectors.identity_of(request.user)
    values = {f: request.POST.get(f, "").strip() for f in ("name", "uscc")}
    eligible = identity.own is not None and identity.own.kind == "natural" and identity.staff is None
    context = {"values": values, "error": "", "own": identity.own, "eligible": eligible}
    status = 200
    if request.method == "POST":
        try:
            company, linked = services.legal_person_register(
                actor=request.user, **values, address=client_address(request)
            )
        except DomainError as exc:
            context["error"], status = exc.message, exc.status
        else:
            if linked:
                messages.success(request, f"{company.name} 法人注册成功。您可以为企业授权经办人。")
            else:
                messages.info(request, f"{company.name} 已由您注册，无需重复办理。")
            return redirect("accounts:legal_operators")
    return render(request, "accounts/legal_register.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def legal_operators(request):
    """经办人管理: the legal representative authorises operators (a registered person, by
    mobile number and name) and withdraws them, for each company they registered online."""
    companies = selectors.represented_by(request.user)
    failed = {"company": None, "error": "", "values": {}}
    status = 200
    if request.method == "POST":
        company = next((c for c in companies if str(c.pk) == request.POST.get("company", "")), None)
        if company is None:
            raise PermissionDenied("只有在网上办理法人注册的法定代表人可以授权经办人")
        values = {f: request.POST.get(f, "").strip() for f in ("name", "phone")}
        try:
            if request.POST.get("action") == "withdraw":
                user_id = request.POST.get("user", "")
                services.operator_withdraw(
                    actor=request.user, applicant=company, user_id=int(user_id) if user_id.isdigit() else 0
                )
                messages.success(request, "已撤销该经办人的授权。")
            else:
                operator = services.operator_authorise(actor=request.user, applicant=company, **values)
                messages.success(request, f"已授权 {operator.user} 为 {company.name} 的经办人。")
            return redirect("accounts:legal_operators")
        except DomainError as exc:
            failed, status = {"company": company.pk, "error": exc.message, "values": values}, exc.status
    operators = selectors.operators_of(companies)
    context = {
        "companies": [{"company": c, "operators": _operator_rows(operators[c.pk])} for c in companies],
        "failed": failed,
    }
    return render(request, "accounts/legal_operators.html", context, status=status)


@login_required
def me(request):
    """我的信息: who the account is (numbers masked), the companies it acts for, and for staff
    their post."""
    identity = selectors.identity_of(request.user)
    return render(
        request,
        "accounts/me.html",
        {
            "identity": identity,
            "phone": mask_phone(request.user.phone),
            "username": request.user.get_username(),
            "represented": {c.pk for c in selectors.represented_by(request.user)},
        },
    )
