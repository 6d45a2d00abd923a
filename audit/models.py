import hashlib
import ipaddress
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


def canonical_ip(value):
    """One spelling per address. PostgreSQL's ``inet`` and Python may print the same
    IPv6 address differently; the exploded form is the same everywhere (and IPv4
    addresses are unchanged)."""
    if not value:
        return None
    try:
        return ipaddress.ip_address(value).exploded
    except ValueError:  # not an address record() would store: leave it for the hash to catch
        return value


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit entry."""


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit entries cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit entries cannot be deleted.")


class AuditLog(models.Model):
    """One sensitive event. Entries form a SHA-256 hash chain and are append-only:
    the model refuses updates and deletes, and database triggers refuse them too."""

    created_at = models.DateTimeField(db_index=True)
    # The actor's id is part of the hashed content, so it must outlive the user: no
    # database constraint and no SET_NULL (which would rewrite the row). A deleted
    # user's entries keep the id and ``actor_username``.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    entity_type = models.CharField(max_length=64, blank=True, db_index=True)
    entity_id = models.CharField(max_length=64, blank=True, db_index=True)
    summary = models.CharField(max_length=500, blank=True)
    payload = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["entity_type", "entity_id"])]

    def __str__(self):
        return f"#{self.pk} {self.action} by {self.actor_username or 'system'}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries cannot be deleted.")

    def canonical(self):
        """The entry's content as canonical JSON: the bytes its hash covers."""
        content = {
            "created_at": self.created_at.isoformat(),
            "actor_id": self.actor_id,
            "actor_username": self.actor_username,
            "action": self.action,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "summary": self.summary,
            "payload": self.payload,
            "ip": canonical_ip(self.ip),
        }
        return json.dumps(content, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)

    def compute_hash(self):
        return hashlib.sha256((self.prev_hash + self.canonical()).encode()).hexdigest()


class ChainHead(models.Model):
    """A single row holding the newest hash. Writers lock it (SELECT ... FOR UPDATE
    on PostgreSQL; SQLite serialises writers itself) so that concurrent entries
    always link to the true predecessor."""

    last_hash = models.CharField(max_length=64)

    def __str__(self):
        return self.last_hash
