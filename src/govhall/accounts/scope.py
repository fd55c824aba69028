"""Who may see and act on what: the one scope policy every app uses.

Two sides reach an object:

* the **applicant side**: the applicant's own account, the operators (经办人) of a
  legal-person applicant, and whoever filed it for them (a clerk at the window, a station
  assistant: 帮办代办) — "acts for";
* the **staff side**, through the staff member's role and profile: clerks and hall managers
  reach their hall (and, for things that belong to no hall, the region of their hall and
  below); reviewers and chief approvers their department; supervisors their region and the
  regions below it; administrators and superusers everything.

Each kind of object declares once, in a :class:`Policy`, which of its fields carry the
applicant, the filer, the hall, the department and the region. The rule itself is written
here once, in two forms: a queryset filter for lists (:func:`visible`) and a check on one
loaded object (:func:`can_see`, :func:`roles_on`); ``accounts/tests/test_scope.py`` and the
apps' cross-checks walk every demo role over every object and hold the two forms to each
other (``docs/decisions/0003-case-scope-two-forms.md``).
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from govhall.accounts.models import Applicant, Authorisation, Operator, StaffProfile, User
from govhall.accounts.roles import Role
from govhall.catalog.selectors import region_and_below
from govhall.core import rows

# The workflow role of the applicant side (beside the staff roles of ``Role``).
APPLICANT = "applicant"

# Which of an object's dimensions each staff role reaches, most specific first: the first
# one the object's policy declares decides (a clerk reaches a case by its hall, a licence,
# which has no hall, by its department's region).
_DIMENSIONS: dict[str, tuple[str, ...]] = {
    Role.CLERK: ("hall", "region"),
    Role.HALL_MANAGER: ("hall", "region"),
    Role.REVIEWER: ("department",),
    Role.CHIEF_APPROVER: ("department",),
    Role.SUPERVISOR: ("region",),
}


@dataclass(frozen=True)
class Policy:
    """How one kind of object is scoped: Django lookups from the object to the applicant,
    the filer, the hall, the department and the region (``None``: it has none)."""

    applicant: str
    filer: str | None = None
    hall: str | None = None
    department: str | None = None
    region: str | None = None
    # Objects staff do not see in this state, e.g. a case still a draft: (field, value).
    hidden_from_staff: tuple[str, str] | None = None

    def lookup(self, dimension: str) -> str | None:
        return getattr(self, dimension)


@dataclass(frozen=True)
class Reach:
    """What a staff member's role reaches (``everything`` for administrators). The regions
    are read only when a region decides (one query over the region tree)."""

    role: str
    everything: bool = False
    hall: int | None = None
    department: int | None = None
    profile: StaffProfile | None = None

    @functools.cached_property
    def region(self) -> frozenset[int]:
        # things that belong to no hall are reached through the region of the hall
        profile = self.profile
        root = (profile.hall.region_id if profile.hall_id else profile.region_id) if profile else None
        return frozenset(region_and_below(root)) if root else frozenset()


# --------------------------------------------------------------------------- who is who


def staff_profile(user: User) -> StaffProfile | None:
    """The user's staff profile or None, read once per user object: Django caches a found
    profile but asks again every time for users without one (every applicant)."""
    if not user.is_authenticated:
        return None
    if "_govhall_profile" not in user.__dict__:
        try:
            user.__dict__["_govhall_profile"] = user.staff_profile
        except StaffProfile.DoesNotExist:
            user.__dict__["_govhall_profile"] = None
    return user.__dict__["_govhall_profile"]


def staff_role(user: User) -> str | None:
    """The user's staff role (superusers count as administrators), or None."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.ADMINISTRATOR
    profile = staff_profile(user)
    return profile.role if profile is not None else None


def reach(user: User) -> Reach | None:
    """What ``user`` reaches as staff, or None (applicants, assistants); remembered on the
    user object like the profile."""
    if "_govhall_reach" not in user.__dict__:
        user.__dict__["_govhall_reach"] = _reach(user)
    return user.__dict__["_govhall_reach"]


def _reach(user: User) -> Reach | None:
    role = staff_role(user)
    if role is None:
        return None
    if role == Role.ADMINISTRATOR:
        return Reach(role=role, everything=True)
    profile = staff_profile(user)
    if role not in _DIMENSIONS or profile is None:
        return None
    return Reach(role=role, hall=profile.hall_id, department=profile.department_id, profile=profile)


# --------------------------------------------------------------------------- acting for applicants


def represented(user: User) -> list[Applicant]:
    """The applicants ``user`` acts for: their own identity and the legal persons they
    operate for, by id (one plain statement: every application asks; test_scope checks it
    against the ORM)."""
    if not user.is_authenticated:
        return []
    return [found for found, _ in _APPLICANT.fetch(_represented_sql(), [user.pk, user.pk])]


_APPLICANT = rows.Shape(Applicant)


@functools.cache
def _represented_sql() -> str:
    q = rows.quote
    return (
        f"SELECT {_APPLICANT.columns('a')} FROM {q(Applicant._meta.db_table)} a"  # noqa: S608 (names from metadata)
        f" WHERE a.user_id = %s OR a.id IN (SELECT o.applicant_id FROM {q(Operator._meta.db_table)} o"
        " WHERE o.user_id = %s) ORDER BY a.id"
    )


def _represented_ids(user: User) -> list[int]:
    """Read first, not a subquery: ``applicant_id IN (1, 2)`` lets the planner use the
    (applicant, created) index, where ``IN (SELECT …) OR filed_by_id = …`` read the whole
    cases table at a million cases (bench/load, test_query_plans)."""
    found = Applicant.objects.filter(Q(user=user) | Q(operators__user=user)).values_list("id", flat=True)
    return sorted(set(found))


def operator_user_ids(applicant: Applicant) -> set[int]:
    """Users acting for ``applicant`` as operators (remembered on the instance)."""
    ids = getattr(applicant, "_operator_user_ids", None)
    if ids is None:
        table = rows.quote(Operator._meta.db_table)  # asked on every action on a case: a plain statement
        sql = f"SELECT user_id FROM {table} WHERE applicant_id = %s"  # noqa: S608 (names from metadata)
        ids = applicant._operator_user_ids = set(rows.column(sql, [applicant.pk]))
    return ids


def acts_for(user: User, applicant: Applicant) -> bool:
    """Whether ``user`` is ``applicant`` or one of its operators."""
    return user.is_authenticated and (applicant.user_id == user.id or user.id in operator_user_ids(applicant))


# --------------------------------------------------------------------------- 帮办代办: authorisations


def live_authorisations(today: datetime.date | None = None) -> QuerySet[Authorisation]:
    """Authorisations (委托书) in force today: confirmed by the applicant (online or signed at
    a station), not revoked, and today within their dates."""
    today = today or timezone.localdate()
    return Authorisation.objects.filter(
        confirmed_at__isnull=False, revoked_at__isnull=True, valid_from__lte=today, valid_until__gte=today
    )


def mandates(user: User) -> list[Applicant]:
    """The applicants who authorised ``user`` (an assistant) and whose authorisation is live."""
    if not user.is_authenticated:
        return []
    ids = live_authorisations().filter(assistant=user).values("applicant_id")
    return list(Applicant.objects.filter(pk__in=ids).order_by("id"))


def mandate_for(user: User, applicant: Applicant, item_code: str | None = None) -> Authorisation | None:
    """The live authorisation that lets ``user`` act for ``applicant`` (for ``item_code``,
    when given), or None."""
    if not user.is_authenticated:
        return None
    found = live_authorisations().filter(assistant=user, applicant=applicant).order_by("-valid_until")
    return next((a for a in found if item_code is None or a.covers(item_code)), None)


def _assistant(user: User) -> bool:
    return staff_role(user) == Role.ASSISTANT


# --------------------------------------------------------------------------- the two forms


def _value(obj: Model, lookup: str):
    """The id a lookup such as ``department__region`` reaches from a loaded object."""
    *path, last = lookup.split("__")
    for name in path:
        obj = getattr(obj, name)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id")


def _staff_dimension(found: Reach, policy: Policy) -> tuple[str, object] | None:
    """(lookup, the reach's value) of the dimension that decides, or None for no reach."""
    for dimension in _DIMENSIONS.get(found.role, ()):
        lookup = policy.lookup(dimension)
        if lookup is not None:
            value = getattr(found, dimension)
            return (lookup, value) if value else None
    return None


def staff_filter(user: User, policy: Policy) -> Q | None:
    """What ``user`` sees as staff, as a filter, or None for no staff scope. Everything is
    ``Q(pk__isnull=False)``, not an empty Q, which ``|`` and ``&`` would silently drop."""
    found = reach(user)
    if found is None:
        return None
    if found.everything:
        condition = Q(pk__isnull=False)
    else:
        decides = _staff_dimension(found, policy)
        if decides is None:
            return None
        lookup, value = decides
        condition = Q(**{f"{lookup}_id__in" if isinstance(value, frozenset) else f"{lookup}_id": value})
    if policy.hidden_from_staff:
        name, hidden = policy.hidden_from_staff
        condition &= ~Q(**{name: hidden})
    return condition


def in_staff_scope(user: User, obj: Model, policy: Policy) -> bool:
    """``staff_filter`` evaluated on one loaded object."""
    if policy.hidden_from_staff:
        name, hidden = policy.hidden_from_staff
        if getattr(obj, name) == hidden:
            return False
    found = reach(user)
    if found is None:
        return False
    if found.everything:
        return True
    decides = _staff_dimension(found, policy)
    if decides is None:
        return False
    lookup, value = decides
    actual = _value(obj, lookup)
    return actual in value if isinstance(value, frozenset) else actual == value


def applicant_filter(user: User, policy: Policy) -> Q:
    """What ``user`` sees on the applicant side, as a filter: what belongs to the applicants
    they are or operate for, and what they filed (whatever became of their authorisation:
    an assistant keeps sight of the cases they filed, not the power to act on them)."""
    condition = Q(**{f"{policy.applicant}_id__in": _represented_ids(user)})
    if policy.filer:
        condition |= Q(**{f"{policy.filer}_id": user.pk})
    return condition


def is_applicant_side(user: User, obj: Model, policy: Policy) -> bool:
    """``applicant_filter`` evaluated on one loaded object."""
    if not user.is_authenticated:
        return False
    if policy.filer and _value(obj, policy.filer) == user.id:
        return True
    return acts_for(user, getattr(obj, policy.applicant))


def acts_on_applicant_side(user: User, obj: Model, policy: Policy) -> bool:
    """Whether ``user`` may act for the applicant on ``obj``: as the applicant or an
    operator, as its filer at a window, or as its filer-assistant under a live authorisation
    (委托书; remembered per object for the request)."""
    if not is_applicant_side(user, obj, policy):
        return False
    applicant = getattr(obj, policy.applicant)
    if acts_for(user, applicant) or not _assistant(user):
        return True
    cache = obj.__dict__.setdefault("_govhall_mandates", {})
    if user.pk not in cache:
        cache[user.pk] = mandate_for(user, applicant) is not None
    return cache[user.pk]


def visible(user: User, queryset: QuerySet, policy: Policy) -> QuerySet:
    """The objects of ``queryset`` that ``user`` may see."""
    if not user.is_authenticated:
        return queryset.none()
    condition = applicant_filter(user, policy)
    staff = staff_filter(user, policy)
    if staff is not None:
        condition |= staff
    return queryset.filter(condition)


def listed(user: User, queryset: QuerySet, policy: Policy, *, applicant_side: bool = False) -> QuerySet:
    """What ``user``'s lists show: staff their staff scope (the office's work); everyone
    else, and staff asking for their own (``applicant_side``), the applicant side. One side,
    not both OR-ed: a list is then one condition the database walks on an index in the
    list's order, where the OR made it sort every open case of a hall (bench/load, decision
    0011). Whether one object may be seen is still ``visible``/``can_see`` (both sides)."""
    if not user.is_authenticated:
        return queryset.none()
    staff = None if applicant_side else staff_filter(user, policy)
    return queryset.filter(staff if staff is not None else applicant_filter(user, policy))


def can_see(user: User, obj: Model, policy: Policy) -> bool:
    """Whether ``user`` may see ``obj``: ``visible`` on one loaded object."""
    return user.is_authenticated and (is_applicant_side(user, obj, policy) or in_staff_scope(user, obj, policy))


def roles_on(user: User, obj: Model, policy: Policy) -> set[str]:
    """The roles ``user`` holds on ``obj``: ``APPLICANT`` on the applicant side (an assistant
    only under a live authorisation), and their staff role within its scope. Empty for an
    outsider, and for an assistant whose authorisation lapsed (who still sees what they filed)."""
    roles: set[str] = set()
    if acts_on_applicant_side(user, obj, policy):
        roles.add(APPLICANT)
    if in_staff_scope(user, obj, policy):
        roles.add(staff_role(user))
    return roles
