"""Writers for accounts: tokens, role groups, staff, applicants registered at a window or
online, legal persons registered online by their legal representative, and operators."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import logging
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from govhall.accounts.models import ApiToken, Applicant, Operator, StaffProfile, User
from govhall.accounts.roles import ROLE_PERMISSIONS, Role
from govhall.core import limits, rows
from govhall.core.errors import Conflict, DomainError, Forbidden, NotFound

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- password guessing

# Failed logins are counted per username (whoever tries it, from wherever) and per client
# address. Past either limit the login is refused for the rest of the window, before the
# password is even hashed: guessing stops, and so does burning a CPU second per attempt.
# Unknown usernames count alike, so the lock does not tell which accounts exist. The
# counters live in the cache (shared by all workers when the cache is).
LOGIN_FAILURES_PER_USER = 5
LOGIN_FAILURES_PER_ADDRESS = 30
LOGIN_LOCK_MINUTES = 15


def _login_keys(username: str, address: str) -> tuple[str, str]:
    return limits.key_for("login-failures:user", username.strip().lower()), f"login-failures:address:{address}"


def login_check(*, username: str, address: str) -> None:
    """Refuse (429) a login for a username or from an address past its failure limit."""
    by_user, by_address = limits.counts(*_login_keys(username, address))
    if by_user >= LOGIN_FAILURES_PER_USER or by_address >= LOGIN_FAILURES_PER_ADDRESS:
        raise DomainError(
            f"登录失败次数过多，已暂时锁定，请{LOGIN_LOCK_MINUTES}分钟后再试", code="login_locked", status=429
        )


def login_failed(*, username: str, address: str) -> None:
    for key in _login_keys(username, address):
        limits.hit(key, LOGIN_LOCK_MINUTES * 60)
    logger.warning("login failed for a username from %s", address)


def login_succeeded(*, username: str) -> None:
    _forget_failures(username)


def _forget_failures(username: str) -> None:
    cache.delete(_login_keys(username, "")[0])


def locked_usernames(usernames: list[str]) -> set[str]:
    """Which of ``usernames`` are refused logins now (the per-address lock aside); one read
    of the cache for them all."""
    keys = [_login_keys(name, "")[0] for name in usernames]
    return {
        name
        for name, failures in zip(usernames, limits.counts(*keys), strict=True)
        if failures >= LOGIN_FAILURES_PER_USER
    }


def login_unlock(*, username: str, actor: User) -> None:
    """解除锁定: an administrator lifts a username's lock (the account's owner has proved who
    they are, say, on the 12345 hotline); its failures count from zero again."""
    _forget_failures(username)
    logger.info("a login lock was lifted by %s", actor.pk)  # usernames may be phone numbers


def credentials_check(*, username: str, password: str, address: str, request=None) -> User | None:
    """The active user with these credentials, or None, counting failures; refused
    outright while the username or address is locked (:func:`login_check`)."""
    login_check(username=username, address=address)
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        login_failed(username=username, address=address)
        return None
    login_succeeded(username=username)
    return user


def password_change(*, user: User, new_password: str) -> None:
    """Set a new password (already validated) and revoke the user's bearer tokens: whoever
    holds one of them, perhaps the reason for the change, is locked out with the old password.
    The sessions of other browsers end too (Django ties each to the password's hash)."""
    from django.contrib.auth.password_validation import password_changed

    hashed = make_password(new_password)  # a second of CPU: not inside the write transaction
    with transaction.atomic():
        user.password = hashed
        user.save(update_fields=["password"])
        revoked, _ = ApiToken.objects.filter(user=user).delete()
    password_changed(new_password, user)  # as set_password would tell the validators
    logger.info("user %s changed their password; %s API tokens revoked", user.pk, revoked)


def token_create(*, username: str, password: str, address: str = "") -> str:
    """Check the credentials and return a new bearer key (shown once, stored hashed)."""
    user = credentials_check(username=username, password=password, address=address)
    if user is None:
        raise DomainError("用户名或密码不正确", code="invalid_credentials", status=401)
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        key_hash=ApiToken.hash_key(key),
        expires_at=timezone.now() + dt.timedelta(hours=settings.GOVHALL_TOKEN_TTL_HOURS),
    )
    return key


def token_user(key: str) -> User | None:
    """The active user a bearer key belongs to, or None if unknown or expired; the user's
    staff profile (or its absence, for applicants) comes along, as every API request asks
    for it to work out the caller's scope.

    Every API request runs this, so it is one plain statement (``core.rows``): the ORM
    spent longer compiling the equivalent join than the database spent running it
    (``tests/test_tokens.py`` holds the ORM form and checks both agree)."""
    now = timezone.now()
    ops = connection.ops
    minute_ago = ops.adapt_datetimefield_value(now - dt.timedelta(minutes=1))
    found = _TOKEN.fetch(_token_sql(), [minute_ago, ApiToken.hash_key(key), ops.adapt_datetimefield_value(now)])
    if not found:
        return None
    user, profile, token = found[0]
    if profile is not None:
        StaffProfile.user.field.set_cached_value(profile, user)
    User.staff_profile.related.set_cached_value(user, profile)  # None: DoesNotExist without a query
    # Record use at most once a minute: a token used per request must not write per request.
    if token["stale"]:
        ApiToken.objects.filter(pk=token["id"]).update(last_used_at=now)
    return user


_TOKEN = rows.Shape(User, StaffProfile, extra=[("id", None), ("stale", None)])


@functools.cache
def _token_sql() -> str:
    q = rows.quote
    # Only names from the models' metadata are put in; every value is a parameter.
    return (
        f"SELECT {_TOKEN.columns('u', 'p')}, t.id, (t.last_used_at IS NULL OR t.last_used_at < %s)"  # noqa: S608
        f" FROM {q(ApiToken._meta.db_table)} t"
        f" JOIN {q(User._meta.db_table)} u ON u.id = t.user_id"
        f" LEFT JOIN {q(StaffProfile._meta.db_table)} p ON p.user_id = u.id"
        " WHERE t.key_hash = %s AND t.expires_at > %s AND u.is_active"
    )


def token_revoke(*, key: str) -> None:
    ApiToken.objects.filter(key_hash=ApiToken.hash_key(key)).delete()


@transaction.atomic
def role_groups_ensure() -> dict[str, Group]:
    """Create one group per role with its permissions (idempotent)."""
    groups = {}
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.label)
        wanted = ROLE_PERMISSIONS.get(role, [])
        perms = [
            Permission.objects.get(content_type__app_label=p.split(".")[0], codename=p.split(".")[1]) for p in wanted
        ]
        group.permissions.set(perms)
        groups[role.value] = group
    return groups


# --------------------------------------------------------------------------- checked input
# Every service that takes an identity code, a mobile number or a new password checks it
# here, so the rule and its message are the same at the window and online.


def clean_id_number(value: str) -> str:
    """A resident ID, upper-cased, with its GB 11643 check digit verified."""
    from govhall.accounts.validators import is_valid_id_number

    return _clean_code(value, "id_number", "居民身份证号码", "GB 11643", is_valid_id_number)


def clean_uscc(value: str) -> str:
    """A unified social credit code, upper-cased, with its GB 32100 check digit verified."""
    from govhall.accounts.validators import is_valid_uscc

    return _clean_code(value, "uscc", "统一社会信用代码", "GB 32100", is_valid_uscc)


def _clean_code(value: str, field: str, label: str, standard: str, is_valid) -> str:
    code = value.strip().upper()
    if not code:
        raise DomainError(f"请填写{label}", code="missing_field", detail={"field": field})
    if not is_valid(code):
        raise DomainError(f"{label}不正确（应为18位，且校验位符合{standard}），请核对", code=f"invalid_{field}")
    return code


def clean_mobile(value: str) -> str:
    from govhall.accounts.validators import validate_mobile

    phone = value.strip()
    try:
        validate_mobile(phone)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], code="invalid_phone") from None
    return phone


def check_new_password(password: str, user: User) -> None:
    """Django's password validators, their messages as one DomainError."""
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages), code="invalid_password") from None


# Staff who may register an applicant on the applicant's behalf (window intake, 帮办代办).
REGISTERING_ROLES = (Role.CLERK, Role.HALL_MANAGER, Role.ASSISTANT, Role.ADMINISTRATOR)


def require_registering(actor: User) -> None:
    """Forbidden unless ``actor`` registers applicants at a window or station."""
    profile = getattr(actor, "staff_profile", None) if actor.is_authenticated else None
    if not actor.is_superuser and (profile is None or profile.role not in REGISTERING_ROLES):
        raise Forbidden("只有窗口或帮办代办工作人员可以登记申请人", code="role_not_allowed")


@transaction.atomic
def applicant_find_or_register(
    *,
    kind: str,
    actor: User,
    name: str = "",
    id_number: str = "",
    uscc: str = "",
    phone: str = "",
    legal_representative: str = "",
) -> tuple[Applicant, bool]:
    """The applicant with this resident ID (natural person) or USCC (legal person), registered
    now if unknown. Returns ``(applicant, created)``.

    A known applicant is returned as registered (nothing is changed; a different name is an
    error, so a typo in the number cannot silently pick someone else). Registering needs the
    name and a mobile number, and for a legal person its legal representative. Codes are
    checked against GB 11643 / GB 32100 before anything is looked up."""
    require_registering(actor)
    name, phone, legal_representative = name.strip(), phone.strip(), legal_representative.strip()
    if kind == Applicant.Kind.NATURAL:
        lookup = {"kind": kind, "id_number": clean_id_number(id_number)}
    elif kind == Applicant.Kind.LEGAL:
        lookup = {"kind": kind, "uscc": clean_uscc(uscc)}
    else:
        raise DomainError("申请人类型应为自然人或法人", code="invalid_applicant_kind")

    found = Applicant.objects.filter(**lookup).first()
    if found is not None:
        if name and name != found.name:
            raise DomainError("该证件号码已登记，但登记的名称与所填不一致，请核对证件", code="applicant_name_mismatch")
        return found, False

    label = "姓名" if kind == Applicant.Kind.NATURAL else "单位名称"
    if not name:
        raise DomainError(
            f"未找到该申请人，请填写{label}和手机号码进行登记", code="missing_field", detail={"field": "name"}
        )
    if not phone:
        raise DomainError("请填写申请人的手机号码", code="missing_field", detail={"field": "phone"})
    if kind == Applicant.Kind.LEGAL and not legal_representative:
        raise DomainError("请填写法定代表人", code="missing_field", detail={"field": "legal_representative"})
    applicant = Applicant(
        **lookup,
        name=name,
        phone=phone,
        legal_representative=legal_representative if kind == Applicant.Kind.LEGAL else "",
    )
    try:
        applicant.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages), code="invalid_applicant", detail=exc.message_dict) from None
    try:
        with transaction.atomic():
            applicant.save()
    except IntegrityError:
        # Registered a moment ago by someone else: use that one.
        existing = Applicant.objects.filter(**lookup).first()
        if existing is None:
            raise
        return existing, False
    logger.info("applicant %s registered by %s", applicant.pk, actor.pk)
    return applicant, True


# --------------------------------------------------------------------------- online registration

# 实名注册 of a natural person online: name, resident ID and a mobile number proved by a
# one-time SMS code. The code lives in the cache for CODE_MINUTES as an HMAC (keyed by
# SECRET_KEY, so a copy of the cache does not give it away), allows CODE_TRIES wrong
# guesses and is void once used. The SMS row keeps its text with the code masked; the code
# itself goes to notify as a secret, held only until it is sent or CODE_MINUTES pass.
# Sending is limited per number and per address, so the SMS gateway cannot be turned
# against someone's phone.
CODE_MINUTES = 5
CODE_TRIES = 5
CODES_PER_PHONE_HOUR = 5
CODES_PER_ADDRESS_HOUR = 20


def _code_key(phone: str, purpose: str) -> str:
    return limits.key_for(f"phone-code:{purpose}", phone)


def _code_digest(phone: str, purpose: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def phone_code_send(*, phone: str, purpose: str, address: str, deliver: bool = True) -> str:
    """Send a 6-digit code to ``phone`` for ``purpose``; returns the code (the caller shows
    it only in development). A new code replaces an earlier one. With ``deliver`` False
    everything happens but the SMS (a reset for a number no account has: the answer and
    the limits stay the same, so they do not tell which numbers have accounts)."""
    from govhall.notify.services import notification_send

    phone = clean_mobile(phone)
    if limits.hit(limits.key_for(f"phone-code-minute:{purpose}", phone), 60) > 1:
        raise DomainError("验证码已发送，请1分钟后再获取", code="code_too_soon", status=429)
    if limits.hit(limits.key_for("phone-code-hour", phone), 3600) > CODES_PER_PHONE_HOUR or (
        limits.hit(f"phone-code-address:{address}", 3600) > CODES_PER_ADDRESS_HOUR
    ):
        raise DomainError("获取验证码过于频繁，请1小时后再试", code="code_rate_limited", status=429)
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(_code_key(phone, purpose), {"digest": _code_digest(phone, purpose, code), "tries": 0}, CODE_MINUTES * 60)
    if not deliver:
        return code
    notification_send(
        event=f"account.code.{purpose}",
        text=f"您的验证码为{{secret}}，{CODE_MINUTES}分钟内有效，请勿告诉他人。如非本人操作，请忽略本短信。",
        phone=phone,
        secret=code,
        secret_valid_for=dt.timedelta(minutes=CODE_MINUTES),
    )
    return code


def phone_code_check(*, phone: str, purpose: str, code: str) -> None:
    """Use up the code sent to ``phone`` for ``purpose``, or raise: none sent or expired,
    wrong (counted), or too many wrong guesses (the code is then void)."""
    key = _code_key(phone.strip(), purpose)
    sent = cache.get(key)
    if sent is None:
        raise DomainError("验证码已失效，请重新获取", code="code_expired")
    if not hmac.compare_digest(sent["digest"], _code_digest(phone.strip(), purpose, code.strip())):
        sent["tries"] += 1
        if sent["tries"] >= CODE_TRIES:
            cache.delete(key)
            raise DomainError("验证码错误次数过多，已失效，请重新获取", code="code_expired")
        cache.set(key, sent, CODE_MINUTES * 60)
        raise DomainError("验证码不正确", code="code_wrong")
    cache.delete(key)


def registration_fields(name: str, id_number: str) -> tuple[str, str]:
    """The name and resident ID of a registration, checked by form alone (length, check
    digit): before a code is sent too, so a typing mistake costs no SMS and no wait."""
    name = name.strip()
    if not name or len(name) > 50:
        raise DomainError("请填写与身份证一致的姓名", code="missing_field", detail={"field": "name"})
    return name, clean_id_number(id_number)


def applicant_self_register(
    *, name: str, id_number: str, phone: str, code: str, password: str, address: str = ""
) -> User:
    """A natural person's account, registered online (the mobile number is the login name).
    A person the window registered earlier (same resident ID, no account yet) gets their
    account linked when the mobile number is the one the window recorded; otherwise they
    are sent to a window to have it checked."""
    name, id_number = registration_fields(name, id_number)
    phone = clean_mobile(phone)
    check_new_password(password, User(username=phone, display_name=name, phone=phone))
    phone_code_check(phone=phone, purpose="register", code=code)
    # After the code: each look-up costs an SMS, so the service is no oracle for strangers.
    _identity_check(name, id_number)
    hashed = make_password(password)  # a second of CPU: not inside the write transaction
    try:
        user, applicant = _self_register(name, id_number, phone, hashed)
    except IntegrityError:  # the same person or number registering at the same moment
        raise DomainError("该手机号或身份证号已注册，请直接登录", code="applicant_registered") from None
    logger.info("applicant %s registered online from %s", applicant.pk, address)
    return user


def _identity_check(name: str, id_number: str) -> None:
    from govhall.accounts.identity import IdentityUnavailable, get_verifier

    try:
        matched = get_verifier().verify(name=name, id_number=id_number)
    except IdentityUnavailable as exc:
        logger.warning("identity service unavailable: %s", exc)
        raise DomainError("实名核验服务暂时不可用，请稍后再试", code="identity_unavailable", status=503) from None
    if not matched:
        raise DomainError("姓名与居民身份证号码不一致，实名核验未通过", code="identity_mismatch")


def _self_register(name: str, id_number: str, phone: str, hashed_password: str) -> tuple[User, Applicant]:
    with transaction.atomic():
        if User.objects.filter(username=phone).exists():
            raise DomainError("该手机号已注册，请直接登录", code="phone_registered")
        found = Applicant.objects.select_for_update().filter(kind=Applicant.Kind.NATURAL, id_number=id_number).first()
        if found is not None and found.user_id is not None:
            raise DomainError("该身份证号已注册账户，请直接登录；忘记密码可凭手机号找回", code="applicant_registered")
        if found is not None and (found.name != name or found.phone != phone):
            raise DomainError(
                "该身份证号已在窗口登记，登记的姓名或手机号与本次不一致，请携带身份证到窗口核实",
                code="applicant_mismatch",
            )
        user = User(username=phone, display_name=name, phone=phone, password=hashed_password)
        user.save()
        if found is None:
            found = Applicant(kind=Applicant.Kind.NATURAL, name=name, id_number=id_number, phone=phone)
        found.user = user
        found.save()
    return user, found


def _account_for_phone(phone: str) -> User | None:
    """The one active account a mobile number opens: the account registered under it, else
    the one account that gives it as its number (None when there is none, or several)."""
    found = list(User.objects.filter(is_active=True, username=phone)) or list(
        User.objects.filter(is_active=True, phone=phone)[:2]
    )
    return found[0] if len(found) == 1 else None


def password_reset_code_send(*, phone: str, address: str) -> str:
    """找回密码, step one: a code to the number, when an account has it (the caller answers
    the same either way)."""
    return phone_code_send(
        phone=phone, purpose="reset", address=address, deliver=_account_for_phone(phone.strip()) is not None
    )


def password_reset(*, phone: str, code: str, new_password: str) -> User:
    """找回密码, step two: the code proves the number; the account gets the new password,
    its tokens and other sessions end (:func:`password_change`) and its login lock lifts."""
    phone = phone.strip()
    user = _account_for_phone(phone)
    # before the code is used up; against a stand-in where no account has the number, alike
    check_new_password(new_password, user or User(username=phone, phone=phone))
    phone_code_check(phone=phone, purpose="reset", code=code)
    if user is None:
        raise DomainError("该手机号没有可找回的账户，请到窗口办理", code="no_account")
    password_change(user=user, new_password=new_password)
    login_unlock(username=user.username, actor=user)
    return user


# --------------------------------------------------------------------------- operators


def company_find(uscc: str) -> Applicant:
    """A legal person registered at a window, by its unified social credit code."""
    company = Applicant.objects.filter(kind=Applicant.Kind.LEGAL, uscc=clean_uscc(uscc)).first()
    if company is None:
        raise NotFound("未找到该企业，请先在窗口收件时登记企业信息", code="applicant_not_found")
    return company


def operator_link(*, actor: User, uscc: str, phone: str) -> Operator:
    """经办人授权: a window links a registered person's account (by its mobile number) to a
    company, on the company's letter of authorisation; the person may then file for it."""
    require_registering(actor)
    company = company_find(uscc)
    user = _account_for_phone(phone.strip())
    if user is None:
        raise DomainError("该手机号尚无个人账户，请经办人先完成实名注册", code="no_account")
    return _operator_add(company=company, user=user, actor=actor)


def _operator_add(*, company: Applicant, user: User, actor: User) -> Operator:
    """Link ``user`` as an ordinary operator of ``company``: the one way in, whether a window
    or the company's legal representative authorises them."""
    if hasattr(user, "staff_profile"):
        raise DomainError("工作人员账户不能作为企业经办人", code="staff_account")
    operator, created = Operator.objects.get_or_create(applicant=company, user=user)
    if not created:
        raise Conflict("该账户已是本企业的经办人", code="operator_exists")
    logger.info("operator %s linked to applicant %s by %s", user.pk, company.pk, actor.pk)
    return operator


def operator_unlink(*, actor: User, operator_id: int) -> None:
    """Withdraw an operator's authorisation (the company asks, or the person left it). A
    window may withdraw the online legal representative too: that is how a change of
    legal representative is made."""
    require_registering(actor)
    _operator_remove(Operator.objects.filter(pk=operator_id), actor=actor)


def _operator_remove(operators, *, actor: User) -> None:
    deleted, _ = operators.delete()
    if not deleted:
        raise NotFound("未找到该经办人", code="operator_not_found")
    logger.info("%s operator link(s) removed by %s", deleted, actor.pk)


# --------------------------------------------------------------------------- legal persons online

# 法人注册: a company's legal representative registers it online from their own real-name
# account, so their name and resident ID come from that record (nobody types someone
# else's ID), and the market-regulation registry is asked whether the company is theirs
# (accounts/enterprise.py). They then authorise operators online (法人授权经办人). Each
# question to the registry, and each failed look-up of a person, is counted per account,
# so a signed-in account cannot trawl the registry or guess who owns a number.
LEGAL_CHECKS_PER_HOUR = 10
PERSON_MISSES_PER_HOUR = 10


def _own_natural_person(actor: User) -> Applicant:
    """The actor's own natural-person record: only such a person can be a legal representative."""
    own = None
    if actor.is_authenticated and not hasattr(actor, "staff_profile"):
        own = Applicant.objects.filter(user=actor, kind=Applicant.Kind.NATURAL).first()
    if own is None:
        raise Forbidden("请先以本人身份完成个人实名注册并登录，再由法定代表人办理法人注册", code="not_natural_person")
    return own


def _same_name(a: str, b: str) -> bool:
    """Equal but for spaces and the width of brackets: 有限公司（分公司） is typed both ways."""

    def plain(value: str) -> str:
        return "".join(value.split()).replace("(", "（").replace(")", "）")

    return plain(a) == plain(b)


def _hourly(kind: str, actor: User) -> str:
    return limits.key_for(kind, str(actor.pk))


def _too_often() -> DomainError:
    return DomainError("操作过于频繁，请1小时后再试", code="rate_limited", status=429)


def legal_person_register(*, actor: User, name: str, uscc: str, address: str = "") -> tuple[Applicant, bool]:
    """法人注册 by the legal representative (the actor, a signed-in natural person). Returns
    ``(company, linked)``: ``linked`` is False when the actor already held it (a repeat
    changes nothing).

    A company the window registered earlier is taken over when its name and legal
    representative are the ones given; one with other details, or already held online by
    someone else, is referred to a window."""
    own = _own_natural_person(actor)
    name = name.strip()
    if not name or len(name) > 200:
        raise DomainError("请填写与营业执照一致的单位名称", code="missing_field", detail={"field": "name"})
    uscc = clean_uscc(uscc)
    held = Applicant.objects.filter(
        kind=Applicant.Kind.LEGAL, uscc=uscc, operators__user=actor, operators__is_legal_representative=True
    ).first()
    if held is not None and _same_name(held.name, name):
        return held, False  # registered before: the registry need not be asked again
    if limits.hit(_hourly("legal-check", actor), 3600) > LEGAL_CHECKS_PER_HOUR:
        raise _too_often()
    _enterprise_check(uscc=uscc, name=name, representative=own)
    try:
        company, linked = _legal_person_link(actor, own, name, uscc)
    except IntegrityError:  # registered by someone else at the same moment: decide on theirs
        company, linked = _legal_person_link(actor, own, name, uscc)
    if linked:
        logger.info(
            "legal person %s registered online by its legal representative %s from %s", company.pk, actor.pk, address
        )
    return company, linked


def _enterprise_check(*, uscc: str, name: str, representative: Applicant) -> None:
    from govhall.accounts.enterprise import EnterpriseUnavailable, get_verifier

    try:
        matched = get_verifier().verify(
            uscc=uscc,
            name=name,
            legal_representative=representative.name,
            legal_representative_id_number=representative.id_number,
        )
    except EnterpriseUnavailable as exc:
        logger.warning("enterprise service unavailable: %s", exc)
        raise DomainError("企业核验服务暂时不可用，请稍后再试", code="enterprise_unavailable", status=503) from None
    if not matched:
        raise DomainError(
            "统一社会信用代码、单位名称与法定代表人不一致，企业核验未通过。法人注册须由法定代表人本人办理，"
            "经办人请由法定代表人授权",
            code="enterprise_mismatch",
        )


def _legal_person_link(actor: User, own: Applicant, name: str, uscc: str) -> tuple[Applicant, bool]:
    with transaction.atomic():
        company = Applicant.objects.select_for_update().filter(kind=Applicant.Kind.LEGAL, uscc=uscc).first()
        if company is None:
            company = Applicant.objects.create(
                kind=Applicant.Kind.LEGAL,
                uscc=uscc,
                name=name,
                legal_representative=own.name,
                phone=actor.phone or own.phone,
            )
        elif not (_same_name(company.name, name) and _same_name(company.legal_representative, own.name)):
            raise DomainError(
                "该统一社会信用代码已在窗口登记，登记的单位名称或法定代表人与本次不一致，请携带营业执照到政务服务大厅核实",
                code="applicant_mismatch",
            )
        holder = company.operators.filter(is_legal_representative=True).first()
        if holder is not None:
            if holder.user_id == actor.pk:
                return company, False
            raise DomainError(
                "该企业已由法定代表人在网上注册；如法定代表人已变更，请携带营业执照到政务服务大厅办理",
                code="legal_representative_registered",
            )
        # An operator the window linked earlier who is the legal representative becomes it.
        Operator.objects.update_or_create(applicant=company, user=actor, defaults={"is_legal_representative": True})
    return company, True


def require_legal_representative(actor: User, company: Applicant) -> None:
    """Forbidden unless ``actor`` registered ``company`` online as its legal representative."""
    if not (
        actor.is_authenticated
        and Operator.objects.filter(applicant=company, user=actor, is_legal_representative=True).exists()
    ):
        raise Forbidden("只有在网上办理法人注册的法定代表人可以授权经办人", code="not_legal_representative")


def operator_authorise(*, actor: User, applicant: Applicant, phone: str, name: str) -> Operator:
    """法人授权经办人: the legal representative links a real-name registered person, found by
    mobile number and name together, as an operator of the company."""
    require_legal_representative(actor, applicant)
    phone, name = clean_mobile(phone), name.strip()
    if not name:
        raise DomainError("请填写经办人姓名", code="missing_field", detail={"field": "name"})
    misses = _hourly("person-miss", actor)
    if limits.counts(misses)[0] >= PERSON_MISSES_PER_HOUR:
        raise _too_often()
    user = _account_for_phone(phone)
    person = Applicant.objects.filter(user=user, kind=Applicant.Kind.NATURAL).first() if user else None
    if person is None or not _same_name(person.name, name):
        # One answer for an unknown number and for another name, so a number alone does
        # not tell whose it is.
        limits.hit(misses, 3600)
        raise DomainError(
            "未找到手机号与姓名相符的实名注册用户，请核对，或请经办人先完成个人实名注册", code="person_not_found"
        )
    with transaction.atomic():
        return _operator_add(company=applicant, user=user, actor=actor)


def operator_withdraw(*, actor: User, applicant: Applicant, user_id: int) -> None:
    """The legal representative withdraws an operator's authorisation (not their own: a
    change of legal representative is made at a window)."""
    require_legal_representative(actor, applicant)
    if user_id == actor.pk:
        raise DomainError(
            "法定代表人不能撤销本人的授权；法定代表人变更请到政务服务大厅办理", code="legal_representative_self"
        )
    _operator_remove(Operator.objects.filter(applicant=applicant, user_id=user_id), actor=actor)
