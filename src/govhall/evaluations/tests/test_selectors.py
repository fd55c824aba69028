"""satisfaction(): the figure the statistics dashboard shows."""

from __future__ import annotations

import pytest

from govhall.cases.models import Case
from govhall.cases.tests import factories as f
from govhall.evaluations import selectors
from govhall.evaluations.models import Channel, Evaluation, IndicatorSet, Level, Subject

pytestmark = pytest.mark.django_db


def _evaluate(case: Case, level: int) -> Evaluation:
    # rows written directly: this tests the count, not the submission rules (test_services)
    return Evaluation.objects.create(
        subject=Subject.CASE,
        case=case,
        item=case.item,
        department=case.department,
        applicant=case.applicant,
        channel=Channel.PC,
        level=level,
        indicator_set=IndicatorSet.ONLINE,
        indicators={},
    )


def test_satisfaction_counts_good_levels_over_case_evaluations(demo, media):
    cases = [f.draft() for _ in range(5)]
    levels = [Level.VERY_SATISFIED, Level.SATISFIED, Level.FAIRLY_SATISFIED, Level.DISSATISFIED]
    for case, level in zip(cases[:4], levels, strict=True):
        _evaluate(case, level)
    Evaluation.objects.create(  # an item-level evaluation is not a case's
        subject=Subject.ITEM,
        item=cases[0].item,
        department=cases[0].department,
        applicant=cases[0].applicant,
        channel=Channel.PC,
        level=Level.VERY_DISSATISFIED,
        indicator_set=IndicatorSet.ONLINE,
        indicators={},
    )
    assert selectors.satisfaction(Case.objects.filter(pk__in=[c.pk for c in cases])) == (3, 4)
    assert selectors.satisfaction(Case.objects.filter(pk=cases[3].pk)) == (0, 1)
    assert selectors.satisfaction(Case.objects.filter(pk=cases[4].pk)) == (0, 0)
    assert selectors.satisfaction(Case.objects.none()) == (0, 0)


def test_public_rates_by_department_and_item(demo, media):
    cases = [f.draft() for _ in range(3)]
    for case, level in zip(cases, [Level.VERY_SATISFIED, Level.DISSATISFIED, Level.FAIRLY_SATISFIED], strict=True):
        _evaluate(case, level)
    (department,) = selectors.public_department_rates()
    assert department.name == "西安市莲湖区市场监督管理局"
    assert (department.total, department.good, department.bad) == (3, 2, 1)
    assert department.percent == "66.7%"
    (item,) = selectors.public_item_rates()
    assert (item.code, item.total) == (cases[0].item.code, 3)
    assert selectors.public_totals().percent == "66.7%"
