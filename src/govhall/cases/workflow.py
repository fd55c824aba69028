"""The case workflow's vocabulary: its roles and its groups of states, defined once.

The table of actions itself is ``actions.py``: one declared row per action, saying from
which states, by whom, with which parameters, under which guard, with which effect and
labels. ``services.case_transition`` is the only code that moves a case; docs/workflow.md
prints the table.

Roles are the staff roles of ``accounts.roles.Role`` plus ``APPLICANT``: the applicant's
own account, an operator of a legal-person applicant, or whoever filed the case on the
applicant's behalf (帮办代办) — ``accounts.scope`` decides who holds which.
"""

from __future__ import annotations

from govhall.accounts.roles import Role
from govhall.accounts.scope import APPLICANT
from govhall.cases.models import State

__all__ = ["APPLICANT", "CHIEF", "CLERK", "REVIEWER", "SYSTEM"]

CLERK = Role.CLERK.value
REVIEWER = Role.REVIEWER.value
CHIEF = Role.CHIEF_APPROVER.value
# Another app's service acting without a person (a locker's door opened with a pick-up
# code delivers the case): ``case_transition(actor=None, by="…")``. Never an API caller.
SYSTEM = "system"
# Every staff role that may hold a case in its scope (the applicant side excluded).
STAFF = tuple(Role.values)

# States in which the applicant may still withdraw: before any decision.
BEFORE_DECISION = (State.DRAFT, State.SUBMITTED, State.CORRECTION_REQUESTED, State.ACCEPTED, State.SUSPENDED)
# States in which the review clock is running or stopped (after acceptance, before decision).
UNDER_REVIEW = (State.ACCEPTED, State.SUSPENDED)
# States whose clock may be running: under review, or back with the applicant for a
# correction after acceptance (the correction pauses it; accepted_on tells).
CLOCKED = (State.ACCEPTED, State.SUSPENDED, State.CORRECTION_REQUESTED)
# A decision was made in the applicant's favour (a result exists or is being made).
DECIDED_FOR = (State.APPROVED, State.ISSUED, State.DELIVERED)
TERMINAL = (State.REJECTED, State.DENIED, State.DELIVERED, State.WITHDRAWN, State.REVOKED)

# Who may attach a material in which state (``rules.upload_refusal`` applies it for the
# service and the case page alike). A deferred material (容缺) is supplied while pending,
# from acceptance on, by the applicant side or at the window.
UPLOADS: dict[str, tuple[str, ...]] = {
    State.DRAFT: (APPLICANT,),
    State.CORRECTION_REQUESTED: (APPLICANT,),
    State.SUBMITTED: (CLERK,),
}
DEFERRED_UPLOADS = (APPLICANT, CLERK)
# Who may open the applicant's full identity (recorded in the timeline): staff in scope.
PERSONAL_DATA = STAFF
