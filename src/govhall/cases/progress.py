"""办件进度查询: the public progress query, without login: a case number and the last four
digits of the applicant's phone."""

from __future__ import annotations

from govhall.cases import selectors
from govhall.cases.models import Case
from govhall.core import limits
from govhall.core.errors import DomainError, NotFound

# 办件进度查询 needs no login: a case number and the last four digits of the applicant's
# phone. Four digits are quickly guessed, so each number allows this many wrong answers per
# lock period, whoever asks and from wherever (numbers that do not exist count alike and
# answer alike). The applicant still sees the case under 我的办件 and by SMS.
PROGRESS_MISSES_PER_NUMBER = 10
PROGRESS_LOCK_MINUTES = 60


def progress_query(*, number: str, phone_last4: str) -> Case:
    """The case for the public progress query, or NotFound (no match), or 429 once the
    number has had too many wrong answers."""
    key = limits.key_for("progress-misses", number)
    (misses,) = limits.counts(key)
    if misses >= PROGRESS_MISSES_PER_NUMBER:
        raise DomainError(
            f"该办件编号的查询错误次数过多，请{PROGRESS_LOCK_MINUTES // 60}小时后再试，或登录后在“我的办件”中查看",
            code="progress_locked",
            status=429,
        )
    case = selectors.progress_lookup(number, phone_last4)
    if case is None:
        limits.hit(key, PROGRESS_LOCK_MINUTES * 60)
        raise NotFound("未查到办件：请核对办件编号和手机号后四位", code="case_not_found")
    return case
