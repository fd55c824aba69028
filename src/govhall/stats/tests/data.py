"""A small known data set for the statistics tests.

Every case is built through the cases app's real services (``cases/tests/factories``); only
its dates are then moved to known days of 2025 (a statistic over "today" would change every
day), with the due dates the calendar gives those days. The period is 2025-03-01..05-31.

=====  ========  ======  ==============================  ===========================  =====
case   item      by      path                            dates (submitted/accepted →   used
                                                         decided; due)                 wd
=====  ========  ======  ==============================  ===========================  =====
c1     FOOD      online  accept, suspend 03-05, resume,  03-03 → 03-07; due 03-07       3
                         approve, issue (electronic)
c2     FOOD      window  accept, approve, issue (window) 04-30 → 05-06; due 04-30 late  1
c3     INSTANT   online  accept, approve (即办), issue    03-04 → 03-04; due 03-04       0
                         (electronic)
c4     FOOD      online  accept with deferral, open      03-05; due 03-10 (overdue)     —
c5     EIA       online  submitted only (company)        03-06                          —
c6     FOOD      online  draft                           (never counted)                —
c7     FOOD      online  submitted                       02-01 (before the period)      —
=====  ========  ======  ==============================  ===========================  =====

FOOD: 法定10/承诺3 working days, 网上预审; INSTANT: 1/0, 全程网办, 即办件; EIA: 30/10, another
department. 2025-05-01..05 is the Labour Day holiday, so c2 used one working day (05-06).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from govhall.cases import services
from govhall.cases.models import Case, Channel, Deferral, Pause
from govhall.cases.tests import factories as f

D = datetime.date
START, END = D(2025, 3, 1), D(2025, 5, 31)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=timezone.get_current_timezone())


def _move(case: Case, *, submitted: D, accepted: D | None = None, decided: D | None = None, due: D | None = None):
    Case.objects.filter(pk=case.pk).update(
        submitted_at=at(submitted),
        accepted_on=accepted,
        accepted_at=at(accepted) if accepted else None,
        decided_at=at(decided, 15) if decided else None,
        due_date=due,
    )
    case.refresh_from_db()
    return case


def window_case(item_code: str = f.FOOD) -> Case:
    clerk = f.user("clerk")
    case = services.case_create(
        actor=clerk,
        item_code=item_code,
        applicant=services.applicant_for(f.user("citizen")),
        form=f.FORMS.get(item_code, {}),
        channel=Channel.WINDOW,
        hall=clerk.staff_profile.hall,
    )
    f.upload_all(case, "clerk")
    return f.act(case, "clerk", "submit")


def build() -> dict[str, Case]:
    cases: dict[str, Case] = {}

    c1 = f.accepted()
    c1 = f.act(c1, "reviewer", "suspend", reason="现场核查")
    c1 = f.act(c1, "reviewer", "resume")
    c1 = f.act(c1, "approver", "approve")
    c1 = f.act(c1, "clerk", "issue", delivery_mode="electronic")
    Pause.objects.filter(case=c1).update(from_date=D(2025, 3, 5), to_date=D(2025, 3, 5))
    cases["c1"] = _move(c1, submitted=D(2025, 3, 3), accepted=D(2025, 3, 3), decided=D(2025, 3, 7), due=D(2025, 3, 7))

    c2 = f.act(window_case(), "clerk", "accept")
    c2 = f.act(c2, "approver", "approve")
    c2 = f.act(c2, "clerk", "issue", delivery_mode="window")
    cases["c2"] = _move(
        c2, submitted=D(2025, 4, 30), accepted=D(2025, 4, 30), decided=D(2025, 5, 6), due=D(2025, 4, 30)
    )

    c3 = f.approved(f.INSTANT)
    c3 = f.act(c3, "clerk", "issue", delivery_mode="electronic")
    cases["c3"] = _move(c3, submitted=D(2025, 3, 4), accepted=D(2025, 3, 4), decided=D(2025, 3, 4), due=D(2025, 3, 4))

    c4 = f.accepted_with_deferral()
    Deferral.objects.filter(case=c4).update(due_date=D(2025, 3, 7))
    cases["c4"] = _move(c4, submitted=D(2025, 3, 5), accepted=D(2025, 3, 5), due=D(2025, 3, 10))

    cases["c5"] = _move(f.submitted(f.EIA, "company"), submitted=D(2025, 3, 6))
    cases["c6"] = f.draft()
    cases["c7"] = _move(f.submitted(), submitted=D(2025, 2, 1))
    return cases
