"""Login forms of the site and the admin: the password check counts failures and honours
the limits (accounts.services.credentials_check); the site's form also takes the SMS code an
account asks for after many failed logins from elsewhere (docs/security.md)."""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError

from govhall.accounts.services import CODE_MINUTES, credentials_check, password_change
from govhall.accounts.services.login import login_code_send
from govhall.core.errors import DomainError
from govhall.core.http import client_address


class _LockingLogin:
    # The site's form shows a code field and a button that sends the code; the admin's
    # (Django's template) does not, and sends the person to the site's form instead.
    offers_code = False
    code_elsewhere = "该账户近期登录失败次数较多，须使用短信验证码登录：请先在网站登录页登录，再进入管理后台。"

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.code_needed = False  # the page then shows the code field and the button
        self.code_notice = ""  # "code sent", shown instead of an error
        if self.offers_code:
            self.fields["code"] = forms.CharField(label="短信验证码", required=False, max_length=6)
            if self.data.get("action") == "code":  # only the name is needed to send a code
                self.fields["password"].required = False
                self.code_needed = True
            elif self.data.get("code"):
                self.code_needed = True

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        address = client_address(self.request)
        if self.offers_code and self.data.get("action") == "code":
            if username:
                self._send_code(username, address)
            return self.cleaned_data
        if username is not None and password:
            try:
                self.user_cache = credentials_check(
                    username=username,
                    password=password,
                    address=address,
                    request=self.request,
                    code=self.cleaned_data.get("code") or "",
                )
            except DomainError as exc:  # locked, a code needed, a wrong code
                if exc.code == "login_code_required" or exc.code.startswith("code_"):
                    self.code_needed = True
                    if not self.offers_code:
                        raise ValidationError(self.code_elsewhere, code=exc.code) from None
                raise ValidationError(exc.message, code=exc.code) from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

    def _send_code(self, username: str, address: str) -> None:
        try:
            login_code_send(username=username, address=address)
        except DomainError as exc:
            self.code_needed = exc.code != "code_not_needed"
            raise ValidationError(exc.message, code=exc.code) from None
        self.code_notice = f"验证码已发送至账户绑定的手机，{CODE_MINUTES}分钟内有效。请输入验证码和密码登录。"
        # Not signed in yet: the form stays unbound to a user and shows itself again.
        raise ValidationError(self.code_notice, code="code_sent")


class LoginForm(_LockingLogin, AuthenticationForm):
    offers_code = True
    error_messages = {**AuthenticationForm.error_messages, "invalid_login": "用户名或密码不正确，请重新输入。"}


class AdminLoginForm(_LockingLogin, AdminAuthenticationForm):
    pass


class ChangePasswordForm(PasswordChangeForm):
    """Django's form (old password, new twice, the password validators), saving through
    accounts.services.password_change."""

    error_messages = {**PasswordChangeForm.error_messages, "password_incorrect": "原密码不正确，请重新输入。"}

    def save(self, commit=True):
        password_change(user=self.user, new_password=self.cleaned_data["new_password1"])
        return self.user
