"""Where the evaluation system shows on pages it does not own (core.links): on a case's page
评价 for its applicant once concluded (or their evaluation), 请申请人评价 for the clerk whose
window has an evaluator screen, the evaluation for staff who see the case; in the menu 我的
评价, 回访整改 for staff with tasks in scope, 评价器 for hall managers, and the public 好差评公示."""

from __future__ import annotations

from django.urls import reverse

from govhall.accounts import scope
from govhall.accounts.roles import Role
from govhall.core import links
from govhall.evaluations import selectors, services


@links.for_case
def case_evaluation(case, user):
    if user is None or not user.is_authenticated:
        return
    evaluation = selectors.evaluation_for_case(case)
    applicant_side = scope.acts_for(user, case.applicant)
    if evaluation is not None:
        if scope.can_see(user, evaluation, selectors.EVALUATION_SCOPE):
            yield links.Link(
                f"评价：{evaluation.get_level_display()}",
                reverse("evaluations:case", args=[case.number]),
                f"{evaluation.get_channel_display()} · {evaluation.created_at:%Y-%m-%d}",
                order=60,
            )
        return
    if applicant_side and services.evaluation_refusal(user, case) is None:
        yield links.Link(
            "评价", reverse("evaluations:case", args=[case.number]), "办件已办结，请对本次服务作出评价", order=60
        )
    if scope.staff_role(user) == Role.CLERK and case.state in services.WINDOW_STATES:
        if services.window_device(user) is not None:
            yield links.Link(
                "请申请人评价",
                reverse("evaluations:window_request", args=[case.number]),
                "在窗口评价器上请申请人评价本次服务",
                order=61,
                method="post",  # one button: the screen shows the form at once
            )


@links.for_nav
def evaluation_menu(user):
    yield links.Link("好差评公示", reverse("evaluations:public"), order=80)
    if user is None or not user.is_authenticated:
        return
    role = scope.staff_role(user)
    if role is None:
        if scope.represented(user):
            yield links.Link("我的评价", reverse("evaluations:mine"), order=70)
        return
    if role in (Role.REVIEWER, Role.CHIEF_APPROVER, Role.SUPERVISOR, Role.HALL_MANAGER, Role.ADMINISTRATOR):
        yield links.Link("回访整改", reverse("evaluations:tasks"), order=70)
    if role != Role.ASSISTANT:
        yield links.Link("评价记录", reverse("evaluations:list"), order=72)
    profile = scope.staff_profile(user)
    # evaluable when someone answers: their department, or the body running their hall
    if role in selectors.EVALUATED_STAFF_ROLES and (
        profile.department_id or (profile.hall_id and profile.hall.department_id)
    ):
        yield links.Link("评价二维码", reverse("evaluations:staff_card"), order=73)
    if role in (Role.HALL_MANAGER, Role.ADMINISTRATOR):
        yield links.Link("评价器", reverse("evaluations:devices"), order=71)
