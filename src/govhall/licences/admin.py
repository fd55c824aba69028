"""Licences in the admin (Chinese): read-only. Licences are issued by the case
workflow; the only change offered is revocation, through the service."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from govhall.core.errors import DomainError
from govhall.licences.models import Licence
from govhall.licences.services import licence_revoke


class RevokeForm(forms.Form):
    reason = forms.CharField(label="撤销理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Licence)
class LicenceAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "holder_name", "department_name", "issued_on", "valid_until", "status")
    list_filter = ("status", "licence_type", "department")
    search_fields = ("number", "case_number", "holder_name")
    date_hierarchy = "issued_on"
    list_select_related = ("department",)
    actions = ["revoke_selected"]

    exclude = ("file",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Licence._meta.fields if f.name != "file"] + ["download"]

    @admin.display(description="证照文件")
    def download(self, obj):
        # Through the API's download, which checks who asks: stored files have no public URL.
        if not obj.file:
            return "-"
        return format_html('<a href="{}">{}.pdf</a>', reverse("api-v1:download", args=[obj.number]), obj.number)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="撤销（注销）所选证照", permissions=["change"])
    def revoke_selected(self, request, queryset):
        form = RevokeForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done = 0
            for licence in queryset:
                try:
                    if licence.status != Licence.Status.REVOKED:
                        licence_revoke(licence=licence, actor=request.user, reason=form.cleaned_data["reason"])
                        done += 1
                except DomainError as exc:
                    self.message_user(request, f"{licence.number}：{exc.message}", messages.ERROR)
            self.message_user(request, f"已撤销 {done} 个电子证照。", messages.SUCCESS)
            return None
        return TemplateResponse(
            request,
            "admin/licences/licence/revoke.html",
            {
                **self.admin_site.each_context(request),
                "title": "撤销（注销）电子证照",
                "opts": self.model._meta,
                "licences": queryset,
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )
