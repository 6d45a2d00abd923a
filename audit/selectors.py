"""Reading the audit log: who may see which entries, and the filtered list."""

from django.contrib.auth import get_user_model
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from .models import AuditLog

_owner_lookups = {}


def register_owner_lookup(entity_type, lookup):
    """Let the owners of ``entity_type`` objects see the audit entries about them.

    ``entity_type`` is the name entries carry (``record(entity=obj)`` uses the model
    name: "dataset", "cohort", "analysis"). ``lookup(user)`` returns what ``user``
    owns of that type, either as a queryset of the objects (kept in the database as
    a subquery; preferred) or as any iterable of their ids. Register from your app's
    ``AppConfig.ready()``, e.g.::

        register_owner_lookup("dataset", lambda user: Dataset.objects.filter(creator=user))

    Several lookups for one type add up. Stewards and admins see every entry anyway;
    everyone also sees the entries they performed.
    """
    lookups = _owner_lookups.setdefault(entity_type, [])
    if lookup not in lookups:
        lookups.append(lookup)


def _owned_ids(owned):
    if isinstance(owned, QuerySet):
        # entity_id is text; compare it with the objects' keys as text on every database.
        return owned.values_list(Cast("pk", output_field=CharField()), flat=True)
    return [str(pk) for pk in owned]


def _own_account(user):
    return get_user_model().objects.filter(pk=user.pk)


register_owner_lookup("user", _own_account)


def audit_log_visible_to(user):
    """Every entry for stewards and admins; for anyone else the entries they performed
    and those about objects they own (see ``register_owner_lookup``)."""
    entries = AuditLog.objects.all()
    if user.is_steward:
        return entries
    visible = Q(actor=user)
    for entity_type, lookups in _owner_lookups.items():
        for lookup in lookups:
            visible |= Q(entity_type=entity_type, entity_id__in=_owned_ids(lookup(user)))
    return entries.filter(visible)


def audit_log_list(*, user, entity_type="", entity_id="", actor="", action=""):
    """The entries ``user`` may see, newest first, narrowed by the non-empty filters
    (``actor`` is a username; every filter is an exact match)."""
    entries = audit_log_visible_to(user)
    exact = {"entity_type": entity_type, "entity_id": entity_id, "actor_username": actor, "action": action}
    entries = entries.filter(**{field: value for field, value in exact.items() if value})
    return entries.order_by("-id")
