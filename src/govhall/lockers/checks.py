"""``manage.py check``: the lockers' code and lockout parameters must parse, and should keep
the expected break-ins at or below the target (docs/lockers.md)."""

from __future__ import annotations

from django.core import checks

from govhall.lockers import codes


@checks.register(checks.Tags.security)
def code_parameters(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    problems = codes.check_parameters()
    if problems:
        return [checks.Error(p, id="govhall.lockers.E001") for p in problems]
    f = codes.figure()
    if f.break_ins_per_year > codes.TARGET_BREAK_INS:
        return [
            checks.Warning(
                f"Locker codes: {f.break_ins_per_year:.3g} expected break-ins per cabinet per year at "
                f"{f.live_codes} live codes, above the target of {codes.TARGET_BREAK_INS}.",
                hint="Use more digits (GOVHALL_LOCKER_CODE_DIGITS) or fewer wrong tries a day "
                "(GOVHALL_LOCKER_CABINET_LOCKOUT); docs/lockers.md shows the arithmetic.",
                id="govhall.lockers.W001",
            )
        ]
    return []
