"""The ticket state table and the queue's rules, in one place (docs/queues.md prints them).

::

    issue ─► waiting ──call_next──► called ──start──► serving ──finish──► finished
               ▲  ▲                  │ ▲ recall (< MAX_CALLS)  │
               │  │                  │ └──────┘                │
               │  └──resume── parked ◄──park──┴────────────────┘
               │                     │
               └──requeue── missed ◄─┘ miss (after MAX_CALLS calls)
    transfer: waiting | called | serving | parked ─► waiting in another group (same number, same place)
    cancel:   waiting | called | parked ─► cancelled
    the daily close (not a clerk's action): waiting | called | serving | parked of a past day ─► expired

Learnt from Berlin's ZMS (a process goes queued → called → processing → finished and may be
parked or missed) and Service BC's queue management (a citizen put on hold goes back in
line): parking keeps the ticket's place, a missed ticket put back goes to the end.
"""

from __future__ import annotations

import datetime

from django.conf import settings

from govhall.queues.models import Priority, State

# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "call": (frozenset({State.WAITING}), State.CALLED),
    "recall": (frozenset({State.CALLED}), State.CALLED),
    "miss": (frozenset({State.CALLED}), State.MISSED),
    "start": (frozenset({State.CALLED}), State.SERVING),
    "park": (frozenset({State.CALLED, State.SERVING}), State.PARKED),
    "resume": (frozenset({State.PARKED}), State.WAITING),
    "requeue": (frozenset({State.MISSED}), State.WAITING),
    "transfer": (frozenset({State.WAITING, State.CALLED, State.SERVING, State.PARKED}), State.WAITING),
    "finish": (frozenset({State.SERVING}), State.FINISHED),
    "cancel": (frozenset({State.WAITING, State.CALLED, State.PARKED}), State.CANCELLED),
}

ACTION_LABELS = {
    "call": "叫号",
    "recall": "重呼",
    "miss": "过号",
    "start": "开始办理",
    "park": "挂起",
    "resume": "回到队列",
    "requeue": "过号重排",
    "transfer": "转窗",
    "finish": "办结",
    "cancel": "取消",
}

ACTIVE = frozenset({State.CALLED, State.SERVING})  # at a window
OPEN = frozenset({State.WAITING, State.CALLED, State.SERVING, State.PARKED})


def max_calls() -> int:
    """How many times a ticket is called before the clerk may mark it missed (过号)."""
    return int(getattr(settings, "GOVHALL_QUEUE_MAX_CALLS", 3))


def remind_ahead() -> int:
    """叫号提醒: the place from the front (1 = next) at which a waiting applicant is told by SMS
    to get ready; 0: no reminders."""
    return int(getattr(settings, "GOVHALL_QUEUE_REMIND_AHEAD", 3))


# The priority rule: a ticket's place is its issue time minus its class's credit. A priority
# ticket overtakes the ordinary tickets issued less than its credit earlier, never older ones,
# so an ordinary ticket is overtaken only by tickets issued within the credit after it: it
# cannot starve however many priority tickets come.
PRIORITY_CREDIT_MINUTES: dict[str, int] = {
    Priority.NONE: 0,
    Priority.APPOINTMENT: 20,
    Priority.KEY_PROJECT: 30,
    Priority.ELDERLY: 30,
    Priority.DISABLED: 30,
    Priority.GREEN_CHANNEL: 30,
}


def credit(priority: str) -> datetime.timedelta:
    minutes = getattr(settings, "GOVHALL_QUEUE_PRIORITY_CREDIT", {}).get(priority)
    return datetime.timedelta(minutes=PRIORITY_CREDIT_MINUTES[priority] if minutes is None else minutes)


def elderly_age() -> int:
    return int(getattr(settings, "GOVHALL_QUEUE_ELDERLY_AGE", 60))


# Wait estimate: the mean service time of the group's recent finished tickets (at most
# RECENT_SERVICES of the last RECENT_DAYS days), DEFAULT_SERVICE_MINUTES when there are fewer
# than MIN_SAMPLES; windows open = the group's windows that called a ticket in the last
# OPEN_WINDOW_MINUTES, at least one.
RECENT_SERVICES = 30
RECENT_DAYS = 7
MIN_SAMPLES = 3
DEFAULT_SERVICE_MINUTES = 8
OPEN_WINDOW_MINUTES = 30
# the two group figures of the estimate are read at most this often
ESTIMATE_CACHE_SECONDS = 10

# The hall screen polls its state this often (milliseconds); shows this many recent calls.
SCREEN_POLL_MS = 3000
SCREEN_CALLS = 6
# A phone at the door may take this many tickets an hour (per address).
DOOR_TICKETS_PER_HOUR = 5
