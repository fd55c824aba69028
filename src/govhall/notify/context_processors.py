"""The unread count shown next to 消息 in the page header."""

from django.utils.functional import SimpleLazyObject

from govhall.notify.selectors import unread_count


def unread(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: pages that do not show the header (fragments) do not pay for the query.
    return {"unread_count": SimpleLazyObject(lambda: unread_count(user))}
