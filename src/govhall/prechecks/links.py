"""Where prechecks show on pages they do not own (core.links): a draft case's page offers
审前服务 to the applicant's side, or shows the one notice once it is answered; the menu leads
staff to their 审前服务 list and applicants to theirs."""

from __future__ import annotations

from django.urls import reverse

from govhall.accounts import scope
from govhall.cases.models import State
from govhall.core import links
from govhall.prechecks import selectors
from govhall.prechecks.models import Outcome, Status


@links.for_case
def case_precheck(case, user):
    from govhall.bundles.models import BundleCaseMember

    member = BundleCaseMember.objects.filter(case=case).select_related("bundle_case").first()
    if member is not None:  # a bundle is prechecked whole, from any of its members' pages
        yield from _bundle_precheck(member.bundle_case, case, user)
        return
    found = selectors.pending_for(case)
    if found is not None and selectors.can_see(user, found):
        if found.status == Status.REPLIED:
            note = "一次性告知：" + (_listed(found) if found.outcome == Outcome.FIX else "无需修改，可以提交")
        elif found.status == Status.PENDING:
            note = f"等待工作人员审前服务，{found.due_date:%m月%d日}前答复"
        else:
            note = "审前服务申请已撤回"
        yield links.Link("审前服务", reverse("prechecks:detail", args=[found.number]), note, order=4)
        if found.status == Status.PENDING or case.state != State.DRAFT:
            return
    if case.state == State.DRAFT and scope.APPLICANT in _roles(user, case):
        yield links.Link(
            "申请审前服务",
            reverse("prechecks:new") + f"?case={case.number}",
            "提交前请工作人员预先审看草稿，一次性告知需要修改的全部内容",
            order=4,
        )


def _bundle_precheck(bundle_case, case, user):
    found = selectors.latest_for_bundle(bundle_case)
    if found is not None and selectors.can_see(user, found):
        note = {
            Status.PENDING: f"一件事审前服务待答复，{found.due_date:%m月%d日}前答复",
            Status.REPLIED: "一次性告知：" + (_listed(found) if found.outcome == Outcome.FIX else "无需修改，可以提交"),
        }.get(found.status, "审前服务申请已撤回")
        yield links.Link("审前服务（一件事）", reverse("prechecks:detail", args=[found.number]), note, order=4)
        if found.status == Status.PENDING:
            return
    if case.state == State.DRAFT and scope.APPLICANT in _roles(user, case):
        yield links.Link(
            "申请审前服务（一件事）",
            reverse("prechecks:new") + f"?bundle={bundle_case.number}",
            "提交前请工作人员预先审看整个一件事的草稿，一次性告知需要修改的全部内容",
            order=4,
        )


def _listed(found, limit: int = 160) -> str:
    """The one notice in one line: how many, then each material or field and its problem."""
    items = [f"{f.target}（{f.problem}）" for f in found.findings.all()]
    text = f"需修改{len(items)}项：" + "；".join(items)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _roles(user, case) -> set[str]:
    from govhall.cases import selectors as case_selectors

    return case_selectors.actor_roles(user, case)


@links.for_nav
def prechecks_nav(user):
    if user is None or not user.is_authenticated:
        return
    if scope.staff_role(user) in selectors.STAFF or selectors.mine(user).exists():
        yield links.Link("审前服务", reverse("prechecks:index"), order=23)
