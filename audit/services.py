"""Writing the audit log. Call ``record`` inside the transaction of the action it
describes, so the action and its entry commit (or roll back) together."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .models import AuditLog, ChainHead

GENESIS_HASH = "0" * 64


def client_ip(request):
    """The caller's address: Django's REMOTE_ADDR (a trusted proxy sets it)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


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
    # Round-trip through JSON so the stored payload is exactly what the hash covered.
    payload = json.loads(json.dumps(payload or {}, cls=DjangoJSONEncoder))
    with transaction.atomic():
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
            summary=summary[:500],
            payload=payload,
            ip=client_ip(request),
            prev_hash=head.last_hash,
        )
        entry.hash = entry.compute_hash()
        entry.save()
        ChainHead.objects.filter(pk=1).update(last_hash=entry.hash)
    return entry
