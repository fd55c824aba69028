"""The request being served, for events recorded without an actor or address (signals)."""

from __future__ import annotations

from govhall.audit.services import context


def audit_context(get_response):
    """Events recorded while this request is served (Django's sign-in signals, group and
    permission changes in the admin) take their actor and address from it. Nothing is read
    unless an event is recorded."""

    def middleware(request):
        with context(request=request):
            return get_response(request)

    return middleware
