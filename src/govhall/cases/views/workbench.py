"""The staff workbench: queues by role, oversight lists and 查找办件."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_http_methods

from govhall.accounts import scope
from govhall.accounts.roles import Role
from govhall.cases import selectors
from govhall.cases.models import State
from govhall.cases.views.common import PAGE_SIZE, ROLE_LABELS, row, rows
from govhall.workdays.selectors import get_calendar

# Workbench tabs by role (selectors.QUEUES names); oversight roles also see overdue lists.
ALL_QUEUES = tuple(selectors.QUEUES)
ROLE_QUEUES: dict[str, tuple[str, ...]] = {
    Role.CLERK: ("prereview", "issue", "delivery"),
    Role.REVIEWER: ("review",),
    Role.CHIEF_APPROVER: ("decision", "review", "revocation"),
    Role.SUPERVISOR: ALL_QUEUES,
    Role.HALL_MANAGER: ALL_QUEUES,
    Role.ADMINISTRATOR: ALL_QUEUES,
}
OVERSIGHT_ROLES = (Role.SUPERVISOR, Role.HALL_MANAGER, Role.ADMINISTRATOR)


def _shown(count: int) -> str:
    return f"{selectors.QUEUE_CAP}+" if count > selectors.QUEUE_CAP else str(count)


class QueuePaginator(Paginator):
    """Pages of a queue as far as ``selectors.QUEUE_CAP``: counting it all would cost as
    much as the queue holds; what lies beyond is found with 查找办件."""

    @cached_property
    def found(self) -> int:
        return self.object_list.order_by()[: selectors.QUEUE_CAP + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.found, selectors.QUEUE_CAP)


@login_required
@require_http_methods(["GET", "POST"])
def workbench(request):
    role = scope.staff_role(request.user)
    if role not in ROLE_QUEUES:
        raise PermissionDenied("工作台仅供工作人员使用")
    names = ROLE_QUEUES[role]
    tabs = [
        {"name": n, "title": selectors.QUEUES[n][0], "count": _shown(selectors.queue_count(request.user, n))}
        for n in names
    ]
    current = request.GET.get("queue") if request.GET.get("queue") in names else names[0]
    calendar = get_calendar()
    page = QueuePaginator(selectors.queue(request.user, current), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "role": role,
        "role_label": ROLE_LABELS.get(role, ""),
        "tabs": tabs,
        "current": current,
        "current_title": selectors.QUEUES[current][0],
        "page": page,
        "queue_total": _shown(page.paginator.found),
        "rows": rows(page.object_list, calendar),
        "oversight": role in OVERSIGHT_ROLES,
        "is_clerk": role == Role.CLERK,
    }
    if role in OVERSIGHT_ROLES:
        context["overdue_rows"] = rows(selectors.overdue_cases(request.user)[:200], calendar)
        context["late_deferral_rows"] = rows(selectors.cases_with_overdue_deferrals(request.user)[:200], calendar)
    if role in (Role.REVIEWER, Role.CHIEF_APPROVER, *OVERSIGHT_ROLES):
        today = timezone.localdate()
        context["verification_rows"] = [
            {**row(c, calendar), "verification_due": due, "verification_late": due is not None and due < today}
            for c in selectors.verifications_pending(request.user)[:200]
            for due in [next((m.verification_due for m in c.commitments.all() if m.verification == "pending"), None)]
        ]
    if role == Role.CLERK:
        drafts = selectors.list_queryset(request.user, state=State.DRAFT, mine=True).filter(filed_by=request.user)
        context["draft_rows"] = rows(drafts[:50], calendar)
    if request.method == "POST":
        # 查找办件 is a POST: what the clerk types may be a resident ID or a phone number,
        # which must not sit in URLs, browser history or access logs.
        q = request.POST.get("q", "").strip()[:50]
        found = selectors.case_search(request.user, q)
        context.update(q=q, search_rows=rows(found, calendar), search_capped=len(found) == selectors.SEARCH_LIMIT)
    return render(request, "cases/workbench.html", context)
