"""办件进度查询: the public progress query, without login: a case number and the last four
digits of the applicant's phone."""

from __future__ import annotations

from govhall.cases import selectors
from govhall.cases.models import Case
from govhall.core import limits
from govhall.core.errors import DomainError, NotFound

# 办件进度查询 needs no login: a case number and the last four digits of the applicant's
# phone. Four digits are quickly guessed, so wrong answers are limited three ways (numbers
# that do not exist count and answer alike; right answers give their count back):
# - per case number and address: PROGRESS_MISSES_PER_SOURCE an hour, then that address
#   is refused for that number for the rest of the hour: one guesser locks only themself;
# - per address over all numbers: PROGRESS_MISSES_PER_ADDRESS an hour (one address
#   trying the last digits of many cases);
# - per case number from anywhere: PROGRESS_MISSES_PER_NUMBER a day, far above what one
#   address can reach in a day before its own lock (PROGRESS_MISSES_PER_SOURCE × 24 would
#   need 10 hours of retrying), then the number's public query closes for everybody for
#   the rest of the day. At most that many guesses a day: a 1 in 100 chance a day.
# The applicant still sees the case under 我的办件 and by SMS. Arithmetic: docs/security.md.
PROGRESS_MISSES_PER_SOURCE = 10
PROGRESS_MISSES_PER_ADDRESS = 30
PROGRESS_LOCK_MINUTES = 60
PROGRESS_MISSES_PER_NUMBER = 100
PROGRESS_NUMBER_HOURS = 24


def progress_query(*, number: str, phone_last4: str, address: str = "") -> Case:
    """The case for the public progress query, or NotFound (no match), or 429
    ``progress_locked`` past a limit of wrong answers (checked before the look-up).

    ``address`` is the client's (``core.http.client_address``): without it every caller
    shares one, and one guesser locks the number for all of them."""
    source = limits.source_of(address)
    hour = PROGRESS_LOCK_MINUTES * 60
    by_pair = limits.Limit(limits.key_for("progress-pair", number, source), PROGRESS_MISSES_PER_SOURCE, hour)
    by_address = limits.Limit(limits.key_for("progress-address", source), PROGRESS_MISSES_PER_ADDRESS, hour)
    by_number = limits.Limit(
        limits.key_for("progress-number", number), PROGRESS_MISSES_PER_NUMBER, PROGRESS_NUMBER_HOURS * 3600
    )
    refused = limits.take(by_pair, by_address, by_number)
    if refused is by_number:
        raise DomainError(
            "该办件编号今日查询错误次数过多，已暂停公开查询，请明天再试，或登录后在“我的办件”中查看",
            code="progress_locked",
            status=429,
        )
    if refused is not None:
        raise DomainError(
            f"查询错误次数过多，请{PROGRESS_LOCK_MINUTES // 60}小时后再试，或登录后在“我的办件”中查看",
            code="progress_locked",
            status=429,
        )
    case = selectors.progress_lookup(number, phone_last4)
    if case is None:
        raise NotFound("未查到办件：请核对办件编号和手机号后四位", code="case_not_found")
    limits.give_back(by_pair.key, by_address.key, by_number.key)
    return case
