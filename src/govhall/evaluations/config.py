"""The evaluation system's settings, declared in core/env.py and read into settings.py from
the environment; a test may override them in Django settings. The defaults below are the
same as core/env.py's, for code that runs without the project's settings."""

from __future__ import annotations

import os

from django.conf import settings

DEFAULTS: dict[str, str] = {
    # working days the department has to call a dissatisfied applicant back (回访)
    "GOVHALL_EVALUATION_CALLBACK_DAYS": "3",
    # working days from the callback to the rectification (整改), 国办发〔2019〕51号: 15
    "GOVHALL_EVALUATION_RECTIFICATION_DAYS": "15",
    # calendar days after the evaluation within which one follow-up (追评) may be added
    "GOVHALL_EVALUATION_FOLLOW_UP_DAYS": "15",
    # calendar days after a concluded case within which it may still be evaluated online
    "GOVHALL_EVALUATION_WINDOW_DAYS": "90",
    # minutes a clerk's "请申请人评价" stays on the window evaluator screen
    "GOVHALL_EVALUATION_SCREEN_MINUTES": "10",
    # unreachable callback attempts after which the task moves on to rectification
    "GOVHALL_EVALUATION_CALLBACK_ATTEMPTS": "3",
    # the reporting provider (registry kind ``evaluation_report``): jsonl | http | dotted path
    "GOVHALL_EVALUATION_REPORTER": "jsonl",
    # where the jsonl reporter appends (default: <GOVHALL_VAR_DIR>/evaluations/report.jsonl)
    "GOVHALL_EVALUATION_REPORT_FILE": "",
    # the national platform's HTTP/JSON endpoint and key (http reporter)
    "GOVHALL_EVALUATION_REPORT_URL": "",
    "GOVHALL_EVALUATION_REPORT_KEY": "",
}


def value(name: str) -> str:
    found = getattr(settings, name, None)
    if found is None:
        found = os.environ.get(name, DEFAULTS[name])
    return str(found)


def number(name: str) -> int:
    try:
        found = int(value(name))
    except ValueError:
        found = int(DEFAULTS[name])
    return max(found, 0)
