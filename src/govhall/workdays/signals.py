"""Signals of the working-day calendar. Both are sent from ``transaction.on_commit``, so a
rolled-back change sends nothing and a receiver sees the committed calendar through
``selectors.get_calendar()``.

Contract for receivers (the cases app recomputes open cases' due dates):

* ``arrangement_entered(sender=YearArrangement, year=int)``: an administrator entered (or
  re-entered) the State Council's arrangement for ``year``; every due date whose counting
  window touches that year may move, and provisional ones become final.
* ``calendar_changed(sender=CalendarOverride, dates=list[date])``: single days were set or
  cleared by hand; due dates whose window contains one of ``dates`` may move.

Each change sends exactly one of the two. Receivers run after the commit in the writer's
request, and an exception propagates to it (the calendar is already saved): keep them short
and enqueue the recomputation as a background task.
"""

from django.dispatch import Signal

arrangement_entered = Signal()
calendar_changed = Signal()
