"""Writing the security audit log: :func:`record` (what other apps call) and :func:`purge`.

Recording an event
------------------
::

    from govhall.audit.models import Kind
    from govhall.audit.services import record

    record(kind=Kind.PERSONAL_DATA_VIEWED, actor=request.user, subject=case,
           request=request, data={"fields": ["id_number", "phone"]})

``record(*, kind, actor=None, subject=None, address=None, data=None, request=None)``
appends one :class:`~govhall.audit.models.SecurityEvent` and returns it.

* ``kind``: a :class:`~govhall.audit.models.Kind` (登录, 登录失败, 锁定, 解除锁定, 修改密码,
  绑定身份验证器, 双因素验证失败, 使用恢复码, 重置双因素认证, 角色变更, 权限变更, 查看个人信息,
  数据导出 …).
* ``actor``: who did it, a user (an anonymous user or None: nobody signed in). Left out, it
  is the signed-in user of the request being served (:func:`current_actor`).
* ``subject``: what it was done to: a user (stored as ``subject_user``), any other model
  instance (stored as ``"app_label.model:pk"``), or a short text (``"cases.case:2025…"``).
* ``address``: the client's address; left out, the request's (``request=`` or the one
  being served, through ``core.http.client_address``).
* ``data``: a small JSON object of details. It is masked before it is stored: every
  resident ID and mobile number in its texts (``core.masking.mask_text``) and every value
  under a name key (``name``, ``display_name``, ``holder``, ``legal_representative``:
  ``mask_name``). Do not put secrets (passwords, codes, tokens) in it.

Which app records what
----------------------
Sign-ins and their failures (Django's ``user_logged_in`` / ``user_login_failed``), sign-outs
and changes of groups, permissions and ``is_staff``/``is_superuser``/``is_active`` are
recorded by this app's receivers (``receivers.py``); staff profiles (roles and scope) by
``accounts/security.py``; API token sign-ins and the second factor by accounts
(``services/tokens.py``, ``twofactor.py``). Locks and unlocks (``LOCKED``/``UNLOCKED``),
password changes, personal-data views (``PERSONAL_DATA_VIEWED``) and exports (``EXPORTED``)
are recorded by the code that does them, with this function.

Transactions
------------
The event is written in the caller's transaction, if there is one: it exists exactly when
what it records was committed. Appending locks the chain's head until that transaction
ends, so call :func:`record` at the end of a long transaction (or after it), never before
slow work. A failure that the caller answers by raising must be recorded outside the
transaction that the raise rolls back.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone

from govhall.audit.models import ChainHead, Kind, SecurityEvent
from govhall.core.http import client_address
from govhall.core.masking import mask_name, mask_text

logger = logging.getLogger(__name__)

# Retention: 《网络安全法》 art. 21 and 等保 2.0 ask for network logs kept at least six months;
# 184 days cover any six calendar months. GOVHALL_AUDIT_RETENTION_DAYS may be longer only.
MIN_RETENTION_DAYS = 184

_NAME_KEYS = frozenset({"name", "display_name", "holder", "legal_representative"})
_UNSET: Any = object()


# --------------------------------------------------------------------------- the request


@dataclass
class _Context:
    request: Any = None
    address: str | None = None
    channel: str | None = None


_context: contextvars.ContextVar[_Context | None] = contextvars.ContextVar("govhall_audit_context", default=None)


@contextlib.contextmanager
def context(*, request=None, address: str | None = None, channel: str | None = None) -> Iterator[None]:
    """Within this block, events recorded without an actor or an address take them from
    ``request`` (or ``address``); ``channel`` ("api") says how a sign-in came in. The
    middleware opens one per request; the token endpoint one around its password check,
    whose ``user_login_failed`` signal carries no request."""
    token = _context.set(_Context(request=request, address=address, channel=channel))
    try:
        yield
    finally:
        _context.reset(token)


def current_actor():
    """The signed-in user of the request being served, or None."""
    ctx = _context.get()
    user = getattr(ctx.request, "user", None) if ctx else None
    return user if user is not None and user.is_authenticated else None


def current_address() -> str:
    ctx = _context.get()
    if ctx is None:
        return ""
    if ctx.address is not None:
        return ctx.address
    return client_address(ctx.request) if ctx.request is not None else ""


def current_channel() -> str | None:
    ctx = _context.get()
    return ctx.channel if ctx else None


# --------------------------------------------------------------------------- recording


def record(
    *,
    kind: Kind | str,
    actor=_UNSET,
    subject: models.Model | str | None = None,
    address: str | None = None,
    data: dict[str, Any] | None = None,
    request=None,
) -> SecurityEvent:
    """Append one security event (see the module's docstring)."""
    kind = Kind(kind)
    if actor is _UNSET:
        actor = (
            request.user
            if request is not None and getattr(request, "user", None) and request.user.is_authenticated
            else current_actor()
        )
    if actor is not None and not actor.is_authenticated:
        actor = None
    if address is None:
        address = client_address(request) if request is not None else current_address()
    subject_user, subject_text = _subject(subject)
    return _append(
        SecurityEvent(
            kind=kind,
            actor_id=actor.pk if actor is not None else None,
            subject_user_id=subject_user,
            subject=_clean(subject_text)[:200],
            address=_clean(address)[:64],
            data=_masked(data or {}),
        )
    )


def _append(event: SecurityEvent) -> SecurityEvent:
    """Link ``event`` to the head of the chain and write both."""
    with transaction.atomic():
        head = _lock_head()
        event.seq = head.seq + 1
        event.prev_hash = head.hash
        event.created_at = timezone.now()  # under the lock: times follow the sequence
        event.hash = event.compute_hash()
        event.save(force_insert=True)
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event


def _lock_head() -> ChainHead:
    """The chain's head, locked until the transaction ends (``SELECT … FOR UPDATE`` on
    PostgreSQL; on SQLite the write transaction itself is the lock). Made on first use;
    parallel first appends both insert, one insert does nothing."""
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        last = SecurityEvent.objects.order_by("-seq").first()
        ChainHead.objects.bulk_create(
            [ChainHead(pk=1, seq=last.seq if last else 0, hash=last.hash if last else "")], ignore_conflicts=True
        )
        head = ChainHead.objects.select_for_update().get(pk=1)
    return head


def _subject(subject) -> tuple[int | None, str]:
    if subject is None:
        return None, ""
    if isinstance(subject, get_user_model()):
        return subject.pk, ""
    if isinstance(subject, models.Model):
        return None, f"{subject._meta.label_lower}:{subject.pk}"
    return None, str(subject)


def _clean(text: str) -> str:
    """Text any database stores and any reader prints: no NUL, no lone surrogates."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _masked(value: Any, key: str = "") -> Any:
    """``data`` as it is stored: masked, and as JSON gives it back (so the hash computed
    now is the hash computed from the row later)."""
    if isinstance(value, dict):
        return {_clean(str(k)): _masked(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_masked(v, key) for v in value]
    if isinstance(value, str):
        text = _clean(value)
        return mask_name(text) if key in _NAME_KEYS else mask_text(text)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return mask_text(_clean(str(value)))  # dates, decimals, enums: as text


# --------------------------------------------------------------------------- retention


def retention_days() -> int:
    return max(int(settings.GOVHALL_AUDIT_RETENTION_DAYS), MIN_RETENTION_DAYS)


PURGE_BATCH = 5000


@dataclass(frozen=True)
class Purged:
    rows: int  # deleted (or, in a dry run, to be deleted)
    through_seq: int | None  # every event up to this one is gone
    event: SecurityEvent | None  # the purge event appended, if any


def purged_through(*, up_to: int | None = None) -> tuple[int, SecurityEvent | None]:
    """The newest purge event (of those up to ``up_to``) and the ``seq`` it covers: every
    event up to that one is deleted or about to be. (0, None) before the first purge."""
    found = SecurityEvent.objects.filter(kind=Kind.PURGED)
    if up_to is not None:
        found = found.filter(seq__lte=up_to)
    event = found.order_by("-seq").first()
    return (int(event.data.get("through_seq", 0)), event) if event else (0, None)


def purge(*, days: int | None = None, dry_run: bool = False, actor=None) -> Purged:
    """Delete the oldest events, those older than ``days`` (the setting when None; never
    fewer than :data:`MIN_RETENTION_DAYS`). Only a prefix of the chain goes (up to the
    first event younger than the limit). First a ``PURGED`` event is appended that holds the
    ``seq``, ``hash`` and time of the last event to go, from which the verifier starts the
    chain; then the rows are deleted in batches of :data:`PURGE_BATCH`, each its own short
    transaction, so appends (sign-ins) never wait for a long delete. An interrupted purge is
    finished by the next one."""
    days = retention_days() if days is None else days
    if days < MIN_RETENTION_DAYS:
        raise ValueError(f"security events are kept at least {MIN_RETENTION_DAYS} days")
    cutoff = timezone.now() - dt.timedelta(days=days)
    with transaction.atomic():
        _lock_head()  # no append in between: the purge event follows the chain's newest
        done, _ = purged_through()
        newer = SecurityEvent.objects.filter(seq__gt=done)
        first_young = newer.filter(created_at__gte=cutoff).order_by("seq").values_list("seq", flat=True).first()
        old = newer if first_young is None else newer.filter(seq__lt=first_young)
        last = old.order_by("-seq").first()
        through = last.seq if last else done
        if dry_run:
            return Purged(SecurityEvent.objects.filter(seq__lte=through).count(), through or None, None)
        event = None
        if last is not None:
            count = old.count()  # before the purge event, which ``old`` may match
            # not masked: a hash is no personal data, and masking could cut it
            event = _append(
                SecurityEvent(
                    kind=Kind.PURGED,
                    actor_id=actor.pk if actor is not None else None,
                    data={
                        "through_seq": last.seq,
                        "through_hash": last.hash,
                        "through_created_at": last.created_at.isoformat(),
                        "rows": count,
                        "retention_days": days,
                    },
                )
            )
    deleted = 0
    while through:
        with transaction.atomic():
            batch = list(
                models.QuerySet(SecurityEvent)
                .filter(seq__lte=through)
                .order_by("seq")
                .values_list("pk", flat=True)[:PURGE_BATCH]
            )
            if not batch:
                break
            deleted += models.QuerySet(SecurityEvent).filter(pk__in=batch).delete()[0]  # the one deleting path
    if deleted:
        logger.info("security audit: %s events through #%s purged", deleted, through)
    return Purged(deleted, through or None, event)
