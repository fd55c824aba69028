from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from govhall.accounts.models import Applicant, Hall, Operator, StaffProfile, User, Window, WindowGroup
from govhall.accounts.services import locked_usernames, login_unlock


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("联系方式", {"fields": ("display_name", "phone")}))
    list_display = ("username", "display_name", "is_staff", "is_active", "locked")
    inlines = [StaffProfileInline]
    actions = ["unlock_selected"]

    def get_changelist_instance(self, request):
        # The login limits of every user on the page in one read, not one per row.
        changelist = super().get_changelist_instance(request)
        locked = locked_usernames([user.username for user in changelist.result_list])
        for user in changelist.result_list:
            user.login_locked = user.username in locked
        return changelist

    # 登录受限: past its failed logins from anywhere, the account signs in from new addresses
    # only with an SMS code (accounts/services/login.py); unlocking also lifts its lock at
    # every address.
    @admin.display(description="登录受限", boolean=True)
    def locked(self, obj):
        return obj.login_locked

    @admin.action(description="解除所选账户的登录锁定和限制", permissions=["change"])
    def unlock_selected(self, request, queryset):
        for user in queryset:
            login_unlock(username=user.username, actor=request.user)
        self.message_user(request, f"已解除 {queryset.count()} 个账户的登录锁定。", messages.SUCCESS)


class OperatorInline(admin.TabularInline):
    model = Operator
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Applicant)
class ApplicantAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "masked_code", "masked_phone", "green_channel")
    list_filter = ("kind", "green_channel")
    search_fields = ("name", "uscc")
    inlines = [OperatorInline]

    @admin.display(description="证件号码")
    def masked_code(self, obj):
        return obj.masked_code

    @admin.display(description="联系电话")
    def masked_phone(self, obj):
        return obj.masked_phone


class WindowGroupInline(admin.TabularInline):
    model = WindowGroup
    extra = 0
    filter_horizontal = ("departments",)


class WindowInline(admin.TabularInline):
    model = Window
    extra = 0
    filter_horizontal = ("also_serves",)


@admin.register(Hall)
class HallAdmin(admin.ModelAdmin):
    list_display = ("name", "region", "department", "address", "phone")
    list_filter = ("region",)
    inlines = [WindowGroupInline, WindowInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # a window joins a group of its own hall
        if db_field.name == "group" and request.resolver_match and request.resolver_match.kwargs.get("object_id"):
            kwargs["queryset"] = WindowGroup.objects.filter(hall_id=request.resolver_match.kwargs["object_id"])
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        # and also serves groups of its own hall only
        if db_field.name == "also_serves" and request.resolver_match and request.resolver_match.kwargs.get("object_id"):
            kwargs["queryset"] = WindowGroup.objects.filter(hall_id=request.resolver_match.kwargs["object_id"])
        return super().formfield_for_manytomany(db_field, request, **kwargs)


# ----- Staff two-factor sign-in (accounts/twofactor.py): the administrator's reset. -----
# (Imports inside: this block stays apart from the rest of the module.)


def _otp_device_admins_off() -> None:
    """django-otp's own admin pages for devices go: they show each authenticator's secret
    (its QR code) to whoever may change devices, a copy of someone's second factor.
    Resetting, then the owner enrolling again, is the only way to change one."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for model in (TOTPDevice, StaticDevice):
        if admin.site.is_registered(model):
            admin.site.unregister(model)


_otp_device_admins_off()


@admin.action(description="重置所选账户的双因素认证（须重新绑定身份验证器）", permissions=["change"])
def reset_two_factor(modeladmin, request, queryset):
    from govhall.accounts import twofactor
    from govhall.core.http import client_address

    address = client_address(request)
    for user in queryset:
        twofactor.otp_reset(user=user, actor=request.user, address=address)
    modeladmin.message_user(
        request,
        f"已重置 {queryset.count()} 个账户的双因素认证：其身份验证器和恢复码已作废，下次登录时须重新绑定。",
        messages.SUCCESS,
    )


UserAdmin.actions = [*UserAdmin.actions, reset_two_factor]
