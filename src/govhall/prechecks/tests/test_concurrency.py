"""Two staff answering one precheck at once: exactly one notice is recorded (both databases)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from govhall.core.errors import DomainError
from govhall.prechecks import services
from govhall.prechecks.models import Finding, PrecheckRequest, Status
from govhall.prechecks.tests import helpers as h


@pytest.mark.django_db(transaction=True)
def test_two_answers_at_once_exactly_one_is_recorded(demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    request = h.asked()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def reply(username: str, findings: list[dict]):
        try:
            barrier.wait(timeout=10)
            services.precheck_reply(actor=h.user(username), request=request.number, outcome="fix", findings=findings)
            outcomes.append(username)
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=reply, args=("reviewer", h.FINDINGS)),
        threading.Thread(target=reply, args=("approver", h.FINDINGS[:1])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) in (["already_replied", "reviewer"], ["already_replied", "approver"])
    winner = next(o for o in outcomes if o != "already_replied")
    found = PrecheckRequest.objects.get(pk=request.pk)
    assert found.status == Status.REPLIED and found.reviewer.username == winner
    assert Finding.objects.filter(request=found).count() == (2 if winner == "reviewer" else 1)
