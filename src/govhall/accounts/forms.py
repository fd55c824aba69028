"""Login forms of the site and the admin: the password check counts failures and honours
the lock (accounts.services.credentials_check)."""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError

from govhall.accounts.services import credentials_check, password_change
from govhall.core.errors import DomainError
from govhall.core.http import client_address


class _LockingLogin:
    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = credentials_check(
                    username=username, password=password, address=client_address(self.request), request=self.request
                )
            except DomainError as exc:  # locked
                raise ValidationError(exc.message, code=exc.code) from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class LoginForm(_LockingLogin, AuthenticationForm):
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
