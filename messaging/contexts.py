"""What a message may be about: a registry of context types.

The apps that own datasets, cohorts and analyses register how to tell whether a
user may see one of their objects and where its page is. Messaging asks the
registry when a message is sent (the sender must see the object) and whenever
it is shown (a reader who may not see the object gets no link, and no hint
that there is one).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse


@dataclass(frozen=True)
class ContextType:
    name: str
    can_see: object  # (user, id) -> bool
    url: object  # (id) -> str


_registry = {}


def register_context(name, *, can_see, url):
    """Make ``name`` a valid message context; a later registration replaces an earlier one."""
    _registry[name] = ContextType(name=name, can_see=can_see, url=url)


def registered(name):
    return name in _registry


def can_see(user, name, object_id):
    context_type = _registry.get(name)
    return context_type is not None and bool(context_type.can_see(user, object_id))


def link(user, name, object_id):
    """``{"type", "id", "url"}`` when ``user`` may see the object, else ``None``."""
    if not name or not can_see(user, name, object_id):
        return None
    return {"type": name, "id": object_id, "url": _registry[name].url(object_id)}


def _dataset_visible(user, pk):
    # Imported when first asked, so messaging loads whether or not datasets is ready.
    from datasets.selectors import dataset_get

    try:
        dataset_get(user, pk)
    except (Http404, PermissionDenied):
        return False
    return True


def register_builtin_contexts():
    """Datasets are registered here; cohorts and analyses register from their own apps
    (``register_context`` in their ``AppConfig.ready``)."""
    register_context(
        "dataset", can_see=_dataset_visible, url=lambda pk: reverse("datasets:detail", args=[pk])
    )
