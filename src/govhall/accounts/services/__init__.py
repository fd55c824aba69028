"""Writers for accounts: tokens, role groups, staff, applicants registered at a window or
online, legal persons registered online by their legal representative, and operators.

One module per sub-domain, from the ground up: ``input`` (checked identity codes, mobile
numbers, new passwords), ``login`` (the guessing lock, credentials, password change),
``tokens`` (API bearer tokens), ``staff`` (role groups, who registers applicants),
``applicants`` (registered at a window), ``registration`` (实名注册 and password reset by
SMS code), ``operators`` (linked by a window) and ``legal_persons`` (法人注册 and the
operators a legal representative authorises).

Callers import from here (``from govhall.accounts.services import token_user``). A test
that replaces a name a service reads (``authenticate``, a limit) patches it in the module
that reads it (``govhall.accounts.services.login``), not here.
"""

from govhall.accounts.services.applicants import applicant_find_or_register
from govhall.accounts.services.input import check_new_password, clean_id_number, clean_mobile, clean_uscc
from govhall.accounts.services.legal_persons import (
    LEGAL_CHECKS_PER_HOUR,
    PERSON_MISSES_PER_HOUR,
    legal_person_register,
    operator_authorise,
    operator_withdraw,
    require_legal_representative,
)
from govhall.accounts.services.login import (
    LOGIN_FAILURES_PER_ADDRESS,
    LOGIN_FAILURES_PER_USER,
    LOGIN_LOCK_MINUTES,
    credentials_check,
    locked_usernames,
    login_check,
    login_failed,
    login_succeeded,
    login_unlock,
    password_change,
)
from govhall.accounts.services.operators import company_find, operator_link, operator_unlink
from govhall.accounts.services.registration import (
    CODE_MINUTES,
    CODE_TRIES,
    CODES_PER_ADDRESS_HOUR,
    CODES_PER_PHONE_HOUR,
    applicant_self_register,
    password_reset,
    password_reset_code_send,
    phone_code_check,
    phone_code_send,
    registration_fields,
)
from govhall.accounts.services.staff import REGISTERING_ROLES, require_registering, role_groups_ensure
from govhall.accounts.services.tokens import token_create, token_revoke, token_user

# The errors these services raise, as callers have caught them (``services.DomainError``).
from govhall.core.errors import Conflict, DomainError, Forbidden, NotFound

__all__ = [
    "CODES_PER_ADDRESS_HOUR",
    "CODES_PER_PHONE_HOUR",
    "CODE_MINUTES",
    "CODE_TRIES",
    "LEGAL_CHECKS_PER_HOUR",
    "LOGIN_FAILURES_PER_ADDRESS",
    "LOGIN_FAILURES_PER_USER",
    "LOGIN_LOCK_MINUTES",
    "PERSON_MISSES_PER_HOUR",
    "REGISTERING_ROLES",
    "Conflict",
    "DomainError",
    "Forbidden",
    "NotFound",
    "applicant_find_or_register",
    "applicant_self_register",
    "check_new_password",
    "clean_id_number",
    "clean_mobile",
    "clean_uscc",
    "company_find",
    "credentials_check",
    "legal_person_register",
    "locked_usernames",
    "login_check",
    "login_failed",
    "login_succeeded",
    "login_unlock",
    "operator_authorise",
    "operator_link",
    "operator_unlink",
    "operator_withdraw",
    "password_change",
    "password_reset",
    "password_reset_code_send",
    "phone_code_check",
    "phone_code_send",
    "registration_fields",
    "require_legal_representative",
    "require_registering",
    "role_groups_ensure",
    "token_create",
    "token_revoke",
    "token_user",
]
