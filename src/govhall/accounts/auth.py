"""API authentication: bearer tokens for other systems, the session for our own pages."""

from __future__ import annotations

from ninja.security import HttpBearer, SessionAuth

from govhall.accounts.services import token_user


class BearerAuth(HttpBearer):
    def authenticate(self, request, token: str):
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


class SessionUser(SessionAuth):
    """Session auth (with CSRF on unsafe methods, as ninja's SessionAuth does)."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user or None


API_AUTH = [BearerAuth(), SessionUser()]
