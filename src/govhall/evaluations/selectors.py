"""Reads of evaluations, callback tasks and evaluator screens (no writes here)."""

from __future__ import annotations

from django.db.models import Count, Q

from govhall.evaluations.models import GOOD_LEVELS, Evaluation


def satisfaction(cases) -> tuple[int, int]:
    """(satisfied, total) over the case-bound evaluations of ``cases`` (a QuerySet of
    ``cases.Case``); satisfied = 非常满意 / 满意 / 基本满意. One query; the cases stay a
    subquery, so it works on any number of them."""
    row = Evaluation.objects.filter(case__in=cases.values("pk")).aggregate(
        satisfied=Count("pk", filter=Q(level__in=GOOD_LEVELS)), total=Count("pk")
    )
    return row["satisfied"] or 0, row["total"] or 0
