from functools import partial

from .selectors import unread_count as count_unread


def unread_count(request):
    """``unread_count`` for the navigation badge; a callable, so pages that do not show it
    (or anonymous visitors) cost no query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_count": 0}
    return {"unread_count": partial(count_unread, user)}
