"""Keys, codes and signatures of the lockers, and the arithmetic of guessing.

* **Server key.** ``GOVHALL_LOCKER_KEY`` (or, when empty, a key derived from SECRET_KEY)
  never leaves the server. Two keys are derived from it: one hashes open codes, one derives
  each cabinet's secret. A database dump holds neither codes nor secrets: only HMACs and salts.
* **Open codes** (开箱码): ``GOVHALL_LOCKER_CODE_DIGITS`` digits from ``secrets``, stored as
  HMAC(code key, cabinet id ":" code): bound to their cabinet (the same digits at another
  cabinet are another hash), unique among the cabinet's live codes (a constraint), used once,
  valid ``GOVHALL_LOCKER_CODE_HOURS``.
* **Lockout.** Wrong codes are counted (``core.limits``, before the code is checked) per
  cabinet and per source (the terminal a code was typed on), each in escalating tiers
  ``failures/seconds``; past any tier the cabinet refuses every code, right or wrong, until
  that window ends. :func:`expected_break_ins` is the bound docs/lockers.md derives.
* **Cabinet requests** are signed: HMAC-SHA256 with the cabinet's secret over
  :func:`canonical` (method, path, timestamp, nonce, SHA-256 of the body).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac

YEAR_SECONDS = 365 * 24 * 3600
# The starting point: 6 digits, "5 wrong tries → 15 minutes locked".
NAIVE_DIGITS = 6
NAIVE_TIERS = "5/900"
# What the design must keep below, per cabinet and year, at LIVE_CODES live codes.
TARGET_BREAK_INS = 0.02
LIVE_CODES = 100


def _master() -> bytes:
    configured = settings.GOVHALL_LOCKER_KEY
    if configured:
        return configured.encode()
    return salted_hmac("govhall.lockers", "server-key").digest()


def _subkey(purpose: str) -> bytes:
    return hmac.new(_master(), f"govhall.lockers.{purpose}".encode(), hashlib.sha256).digest()


# --------------------------------------------------------------------------- open codes


def digits() -> int:
    return int(settings.GOVHALL_LOCKER_CODE_DIGITS)


def new_code() -> str:
    """A fresh code of the configured length, uniformly from ``secrets``."""
    n = digits()
    return f"{secrets.randbelow(10**n):0{n}d}"


def clean_code(typed: str) -> str:
    """What was typed, without the spaces and dashes a person may add (1234 5678)."""
    return re.sub(r"[\s\-]", "", typed or "")[:32]


def code_hash(cabinet_id: int, code: str) -> str:
    """The stored form of a code: keyed, and bound to its cabinet."""
    return hmac.new(_subkey("codes"), f"{cabinet_id}:{code}".encode(), hashlib.sha256).hexdigest()


def spaced(code: str) -> str:
    """For reading aloud and typing: 1234 5678."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


# --------------------------------------------------------------------------- cabinet secrets


def new_salt() -> str:
    return secrets.token_hex(16)


def cabinet_secret(code: str, salt: str) -> str:
    """The secret a cabinet signs with: derived, never stored (64 hex characters, used as the
    HMAC key's ASCII bytes)."""
    return hmac.new(_subkey("cabinets"), f"{code}|{salt}".encode(), hashlib.sha256).hexdigest()


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def canonical(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    """What is signed: five lines, joined by a newline (no newline at the end)."""
    return "\n".join([method.upper(), path, timestamp, nonce, body_hash(body)])


def sign(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    return hmac.new(
        secret.encode(), canonical(method, path, timestamp, nonce, body).encode(), hashlib.sha256
    ).hexdigest()


def signature_matches(
    secret: str, signature: str, method: str, path: str, timestamp: str, nonce: str, body: bytes
) -> bool:
    return hmac.compare_digest(sign(secret, method, path, timestamp, nonce, body), (signature or "").lower())


# --------------------------------------------------------------------------- lockout and its arithmetic


@dataclass(frozen=True)
class Tier:
    """At most ``failures`` wrong codes per window of ``seconds`` (the window opens at the
    first failure and does not move)."""

    failures: int
    seconds: int

    @property
    def label(self) -> str:
        return f"{self.failures}次/{_duration(self.seconds)}"


def _duration(seconds: int) -> str:
    for unit, name in ((86400, "天"), (3600, "小时"), (60, "分钟")):
        if seconds % unit == 0:
            return f"{seconds // unit}{name}"
    return f"{seconds}秒"


def parse_tiers(text: str, setting: str = "lockout") -> tuple[Tier, ...]:
    """``"5/900,20/86400"`` → two tiers; ImproperlyConfigured for anything else."""
    tiers = []
    for part in (text or "").split(","):
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", part)
        if not match or int(match[1]) < 1 or int(match[2]) < 1:
            raise ImproperlyConfigured(f"{setting}: expected failures/seconds[,failures/seconds…], not {text!r}")
        tiers.append(Tier(int(match[1]), int(match[2])))
    return tuple(sorted(tiers, key=lambda t: t.seconds))


def cabinet_tiers() -> tuple[Tier, ...]:
    return parse_tiers(settings.GOVHALL_LOCKER_CABINET_LOCKOUT, "GOVHALL_LOCKER_CABINET_LOCKOUT")


def source_tiers() -> tuple[Tier, ...]:
    return parse_tiers(settings.GOVHALL_LOCKER_SOURCE_LOCKOUT, "GOVHALL_LOCKER_SOURCE_LOCKOUT")


def guesses_per_year(tiers: tuple[Tier, ...]) -> int:
    """The most wrong codes the tiers let through in a year. Windows open at a failure and
    last their length, so a year holds at most ⌊year / length⌋ + 1 of them (one may straddle
    its start); each lets ``failures`` through. Every tier must let a guess through: the
    tightest one bounds."""
    return min(t.failures * (YEAR_SECONDS // t.seconds + 1) for t in tiers)


def expected_break_ins(*, digits: int, live_codes: int, tiers: tuple[Tier, ...]) -> float:
    """Expected successful guesses per cabinet per year, for an attacker who spends every
    guess the cabinet's tiers allow (from any number of sources) against ``live_codes`` codes
    of ``digits`` digits. A guess is uniform over 10^digits and opens a door when it equals
    one of the cabinet's live codes (codes are bound to their cabinet: others' do not count),
    so each succeeds with probability live_codes / 10^digits; summed over the year's guesses
    (a union bound: an upper bound on the expectation)."""
    return guesses_per_year(tiers) * live_codes / 10**digits


@dataclass(frozen=True)
class Figure:
    digits: int
    tiers: tuple[Tier, ...]
    guesses_per_year: int
    live_codes: int
    break_ins_per_year: float

    @property
    def per_day(self) -> float:
        return self.break_ins_per_year / 365

    @property
    def tiers_label(self) -> str:
        return "，".join(t.label for t in self.tiers)


def figure(
    *, digits_: int | None = None, tiers: tuple[Tier, ...] | None = None, live_codes: int = LIVE_CODES
) -> Figure:
    """The configured parameters' figure (or the given ones')."""
    n = digits() if digits_ is None else digits_
    chosen = cabinet_tiers() if tiers is None else tiers
    guesses = guesses_per_year(chosen)
    return Figure(n, chosen, guesses, live_codes, expected_break_ins(digits=n, live_codes=live_codes, tiers=chosen))


def naive_figure() -> Figure:
    """The issue's starting point, for comparison: about 4.8% a day at one busy cabinet."""
    return figure(digits_=NAIVE_DIGITS, tiers=parse_tiers(NAIVE_TIERS))


def break_in_report() -> str:
    """What bench/lockers.py and docs print: the configured figure beside the naive one."""
    lines = []
    for name, f in (("configured", figure()), ("naive (issue 14)", naive_figure())):
        lines.append(
            f"{name}: {f.digits} digits, cabinet lockout {', '.join(f'{t.failures}/{t.seconds}s' for t in f.tiers)}: "
            f"at most {f.guesses_per_year:,} wrong codes a year per cabinet; at {f.live_codes} live codes "
            f"{f.break_ins_per_year:.4g} expected break-ins per cabinet per year ({100 * f.per_day:.4g}% a day)"
        )
    ok = figure().break_ins_per_year <= TARGET_BREAK_INS
    lines.append(f"target <= {TARGET_BREAK_INS} per cabinet per year: {'met' if ok else 'NOT MET'}")
    return "\n".join(lines)


def check_parameters() -> list[str]:
    """Problems with the configured code parameters, for ``manage.py check``."""
    problems = []
    n = int(settings.GOVHALL_LOCKER_CODE_DIGITS)
    if not 6 <= n <= 12:
        problems.append(f"GOVHALL_LOCKER_CODE_DIGITS must be 6 to 12, not {n}")
    for name in ("GOVHALL_LOCKER_CABINET_LOCKOUT", "GOVHALL_LOCKER_SOURCE_LOCKOUT"):
        try:
            parse_tiers(getattr(settings, name), name)
        except ImproperlyConfigured as exc:
            problems.append(str(exc))
    if int(settings.GOVHALL_LOCKER_CODE_HOURS) < 1:
        problems.append("GOVHALL_LOCKER_CODE_HOURS must be at least 1")
    return problems


def within_target() -> bool:
    return math.isfinite(figure().break_ins_per_year) and figure().break_ins_per_year <= TARGET_BREAK_INS
