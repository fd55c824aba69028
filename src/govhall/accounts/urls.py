from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from govhall.accounts import twofactor_views, views
from govhall.accounts.forms import ChangePasswordForm, LoginForm

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="accounts/login.html", authentication_form=LoginForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("register/", views.register, name="register"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("operators/", views.operators, name="operators"),
    path("legal/register/", views.legal_register, name="legal_register"),
    path("legal/operators/", views.legal_operators, name="legal_operators"),
    path("me/", views.me, name="me"),
    # staff two-factor sign-in (accounts/twofactor.py)
    path("2fa/verify/", twofactor_views.verify, name="otp_verify"),
    path("2fa/enrol/", twofactor_views.enrol, name="otp_enrol"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html",
            form_class=ChangePasswordForm,
            success_url=reverse_lazy("accounts:password_changed"),
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_changed.html"),
        name="password_changed",
    ),
]
