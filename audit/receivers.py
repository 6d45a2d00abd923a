"""Audit entries for changes made in the Django admin.

The admin writes a ``LogEntry`` for each object it adds, changes or deletes; each one
becomes an ``admin.add`` / ``admin.change`` / ``admin.delete`` entry about that object,
in the transaction the admin opened for the change.
"""

import functools
import json

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry, LogEntryManager
from django.db.models.signals import post_save
from django.dispatch import receiver

from .services import record

ACTIONS = {ADDITION: "admin.add", CHANGE: "admin.change", DELETION: "admin.delete"}
# What the admin's history page says when a log entry carries no message.
DEFAULT_MESSAGES = {ADDITION: "Added.", CHANGE: "No fields changed.", DELETION: "Deleted."}


def record_admin_log_entry(log_entry):
    content_type = log_entry.content_type
    message = log_entry.get_change_message() or DEFAULT_MESSAGES[log_entry.action_flag]
    try:
        changes = json.loads(log_entry.change_message or "[]")
    except ValueError:  # a plain-text message from older code
        changes = log_entry.change_message
    record(
        ACTIONS[log_entry.action_flag],
        actor=log_entry.user,
        entity_type=content_type.model if content_type else "",
        entity_id=log_entry.object_id or "",
        summary=f"{log_entry.object_repr}: {message}",
        payload={
            "model": f"{content_type.app_label}.{content_type.model}" if content_type else "",
            "object": log_entry.object_repr,
            "changes": changes,
            "log_entry": log_entry.pk,
        },
    )
    log_entry.audited = True


@receiver(post_save, sender=LogEntry, dispatch_uid="audit.record_admin_change")
def record_admin_change(sender, instance, created, raw=False, **kwargs):
    if created and not raw:  # raw: loaddata restoring old log entries, not a change
        record_admin_log_entry(instance)


def audit_bulk_admin_log_entries():
    """Deleting several objects at once ("Delete selected") logs them with
    ``bulk_create``, which sends no ``post_save``: audit those entries after the fact."""
    log_actions = LogEntryManager.log_actions
    if getattr(log_actions, "audits_bulk_entries", False):
        return

    @functools.wraps(log_actions)
    def log_actions_audited(self, *args, **kwargs):
        logged = log_actions(self, *args, **kwargs)
        for log_entry in logged if isinstance(logged, list) else []:
            if not getattr(log_entry, "audited", False):
                record_admin_log_entry(log_entry)
        return logged

    log_actions_audited.audits_bulk_entries = True
    LogEntryManager.log_actions = log_actions_audited
