"""The signed-in user's messages (我的消息)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from govhall.core.errors import NotFound
from govhall.notify import selectors, services

PER_PAGE = 20


@login_required
@require_GET
def inbox(request):
    page = Paginator(selectors.inbox(request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "notify/inbox.html",
        {"page": page, "unread": selectors.unread_count(request.user)},
    )


@login_required
@require_POST
def mark_read(request, notification_id: int):
    try:
        notification = services.notification_mark_read(user=request.user, notification_id=notification_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    if request.htmx:
        return render(request, "notify/_message.html", {"n": notification})
    return redirect("notify:inbox")


@login_required
@require_POST
def mark_all_read(request):
    services.notification_mark_all_read(user=request.user)
    return redirect("notify:inbox")
