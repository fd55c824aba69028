"""Reads of the licence library: lookups, 免证办 reuse, public verification, download scope."""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from govhall.accounts import scope
from govhall.accounts.models import Applicant, User
from govhall.core import rows
from govhall.core.errors import NotFound
from govhall.core.masking import mask_name
from govhall.licences.models import Licence

_HASH_RE = re.compile(r"^[0-9a-f]{64}$")

STATUS_LABELS = {
    "valid": "有效",
    "expired": "已过期",
    "revoked": "已撤销（注销）",
    "unknown": "未查到",
    "mismatch": "内容不符",
}


def licence_get(number: str) -> Licence:
    """The licence with this number, or NotFound."""
    licence = Licence.objects.select_related("holder", "department", "item").filter(number=number).first()
    if licence is None:
        raise NotFound("未找到该电子证照", code="licence_not_found")
    return licence


def licences_of(holder: Applicant, licence_type: str | None = None) -> QuerySet[Licence]:
    """The holder's usable licences (valid and not expired), newest first.

    Used for 免证办: a later application's material whose source is the licence library
    is filled from the first of ``licences_of(applicant, requirement.licence_type)``.
    """
    today = timezone.localdate()
    qs = Licence.objects.filter(holder=holder, status=Licence.Status.VALID).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )
    if licence_type:
        qs = qs.filter(licence_type=licence_type)
    return qs.order_by("-issued_on", "-id")


def usable_licences(holder: Applicant, licence_types: Iterable[str]) -> dict[str, Licence]:
    """Licence type -> the first of ``licences_of(holder, type)``, for the types the holder
    has one of: what 免证办 fills materials from. Every application asks, so it is one
    plain statement (``core.rows``) for all the types; test_services checks it against
    ``licences_of``."""
    types = sorted(set(licence_types))
    if not types:
        return {}
    today = connection.ops.adapt_datefield_value(timezone.localdate())
    found: dict[str, Licence] = {}
    for licence, _ in _LICENCE.fetch(_usable_sql(len(types)), [holder.pk, Licence.Status.VALID, *types, today]):
        found.setdefault(licence.licence_type, licence)  # rows come newest first within a type
    return found


_LICENCE = rows.Shape(Licence)


@functools.cache
def _usable_sql(type_count: int) -> str:
    return (
        f"SELECT {_LICENCE.columns('l')} FROM {rows.quote(Licence._meta.db_table)} l"  # noqa: S608 (names from metadata)
        f" WHERE l.holder_id = %s AND l.status = %s AND l.licence_type IN ({', '.join(['%s'] * type_count)})"
        " AND (l.valid_until IS NULL OR l.valid_until >= %s)"
        " ORDER BY l.licence_type, l.issued_on DESC, l.id DESC"
    )


def mask_holder_name(name: str, kind: str) -> str:
    """A person: 张*, 张*明. A company: recognisable but shortened, 西安莲湖云帆…公司."""
    if kind == Applicant.Kind.NATURAL:
        return mask_name(name)
    if len(name) <= 8:
        return name
    return name[:6] + "…" + name[-2:]


@dataclass(frozen=True)
class Verification:
    """The public answer about a licence number: no personal data beyond a masked name."""

    number: str
    status: str  # valid, expired, revoked, unknown, mismatch
    status_label: str
    licence_type: str | None = None
    title: str | None = None
    holder_name: str | None = None  # masked
    department: str | None = None
    issued_on: datetime.date | None = None
    valid_until: datetime.date | None = None
    revoked_on: datetime.date | None = None
    content_hash: str | None = None  # the genuine licence's hash, to compare with the copy's


def licence_verify(number: str, content_hash: str | None = None) -> Verification:
    """Check a licence number (and the hash printed on a copy, if given).

    ``mismatch`` when a hash is given and differs from the licence's: the copy was
    altered (or the hash mistyped). Otherwise ``revoked``, ``expired`` or ``valid``;
    ``unknown`` when no licence has this number.
    """
    number = (number or "").strip()
    max_length = Licence._meta.get_field("number").max_length
    licence = (
        Licence.objects.select_related("holder").filter(number=number).first()
        if 0 < len(number) <= max_length
        else None
    )
    if licence is None:
        return Verification(number=number, status="unknown", status_label=STATUS_LABELS["unknown"])
    given = (content_hash or "").strip().lower()
    if given and (not _HASH_RE.match(given) or given != licence.content_hash):
        status = "mismatch"
    elif licence.status == Licence.Status.REVOKED:
        status = "revoked"
    elif licence.is_expired(timezone.localdate()):
        status = "expired"
    else:
        status = "valid"
    return Verification(
        number=licence.number,
        status=status,
        status_label=STATUS_LABELS[status],
        licence_type=licence.licence_type,
        title=licence.title,
        holder_name=mask_holder_name(licence.holder_name, licence.holder.kind),
        department=licence.department_name,
        issued_on=licence.issued_on,
        valid_until=licence.valid_until,
        revoked_on=timezone.localdate(licence.revoked_at) if licence.revoked_at else None,
        content_hash=licence.content_hash,
    )


# ------------------------------------------------------------------ who may download


# A licence is its holder's (and their operators'); staff reach it by the department that
# issued it: reviewers and chief approvers their own, clerks and hall managers (统一窗口出件)
# and supervisors those of departments in their region and below. accounts.scope decides.
LICENCE_SCOPE = scope.Policy(applicant="holder", department="department", region="department__region")


def licences_visible(user: User) -> QuerySet[Licence]:
    """The licences ``user`` may open: their own (or their company's, as an operator) and their staff scope."""
    return scope.visible(user, Licence.objects.all(), LICENCE_SCOPE)


def licence_for_user(number: str, user: User) -> Licence:
    """The licence if ``user`` may open it; NotFound otherwise (no hint that it exists)."""
    licence = licences_visible(user).filter(number=number).first()
    if licence is None:
        raise NotFound("未找到该电子证照", code="licence_not_found")
    return licence
