"""Writing the audit log. Call ``record`` inside the transaction of the action it
describes, so the action and its entry commit (or roll back) together."""

import json
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_ipv46_address
from django.db import transaction
from django.utils import timezone

from .models import AuditLog, ChainHead

GENESIS_HASH = "0" * 64


def client_ip(request):
    """The caller's address: Django's REMOTE_ADDR (a trusted proxy sets it). Anything that
    is not an IP address is dropped rather than stored: the column would refuse it and
    take the audited action down with it."""
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR") or ""
    try:
        validate_ipv46_address(address)
    except ValidationError:
        return None
    return address


def _json_float(text):
    value = float(text)
    if value == 0:
        return 0.0  # a decimal column has no negative zero
    if "e" in text.lower() and value.is_integer():
        # 1e+16 comes back from PostgreSQL's jsonb (a decimal) as 10000000000000000.
        return int(Decimal(text))
    return value


def storable_payload(payload):
    """The payload as the database will give it back, so that the hash computed now is
    the one verification recomputes later: JSON types only (dates as ISO text), NaN and
    infinities as null (JSON has none), integral floats written with an exponent as
    the integers jsonb turns them into."""
    text = json.dumps(payload or {}, cls=DjangoJSONEncoder)
    return json.loads(text, parse_float=_json_float, parse_constant=lambda name: None)


def record(
    action, *, actor=None, entity=None, entity_type="", entity_id="", summary="", payload=None, request=None
):
    """Append one entry to the audit chain and return it.

    ``entity`` (a model instance) fills ``entity_type`` (its model name) and
    ``entity_id``; ``request`` supplies the IP address and, when ``actor`` is not
    given, the authenticated user.
    """
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    if entity is not None:
        entity_type = entity_type or entity._meta.model_name
        entity_id = entity_id or str(entity.pk)
    payload = storable_payload(payload)
    # No savepoint: a failed audit write must roll back the action it records anyway.
    with transaction.atomic(savepoint=False):
        head, _ = ChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_hash": GENESIS_HASH}
        )
        entry = AuditLog(
            created_at=timezone.now(),
            actor=actor,
            actor_username=actor.get_username() if actor is not None else "",
            action=action,
            entity_type=entity_type,
            entity_id=str(entity_id) if entity_id != "" else "",
            summary=str(summary)[:500],
            payload=payload,
            ip=client_ip(request),
            prev_hash=head.last_hash,
        )
        entry.hash = entry.compute_hash()
        entry.save()
        ChainHead.objects.filter(pk=1).update(last_hash=entry.hash)
    return entry
