"""实名注册: a natural person opens an account online."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from govhall.accounts import services
from govhall.core.errors import DomainError
from govhall.core.http import client_address
from govhall.core.masking import mask_phone

FIELDS = ("name", "id_number", "phone")  # shown again after an error; never the password or code


@require_http_methods(["GET", "POST"])
def register(request):
    if request.user.is_authenticated:
        return redirect("cases:mine")
    values = {f: request.POST.get(f, "").strip() for f in FIELDS}
    context = {"values": values, "error": "", "notice": "", "dev_code": ""}
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "code":
                code = services.phone_code_send(
                    phone=values["phone"], purpose="register", address=client_address(request)
                )
                context["notice"] = f"验证码已发送至 {mask_phone(values['phone'])}，{services.CODE_MINUTES}分钟内有效。"
                if settings.DEBUG:  # no SMS gateway in development: the code is in the outbox
                    context["dev_code"] = code
            else:
                if request.POST.get("password1", "") != request.POST.get("password2", ""):
                    raise DomainError("两次输入的密码不一致", code="password_mismatch")
                user = services.applicant_self_register(
                    name=values["name"],
                    id_number=values["id_number"],
                    phone=values["phone"],
                    code=request.POST.get("code", ""),
                    password=request.POST.get("password1", ""),
                    address=client_address(request),
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, "注册成功，欢迎使用。您的登录名是您的手机号。")
                return redirect("cases:mine")
        except DomainError as exc:
            context["error"], status = exc.message, exc.status if exc.status == 429 else 400
    return render(request, "accounts/register.html", context, status=status)
