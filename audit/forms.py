from django import forms

from .models import AuditLog


def _filter(field, label):
    return forms.CharField(label=label, required=False, max_length=AuditLog._meta.get_field(field).max_length)


class AuditLogFilterForm(forms.Form):
    """The audit page's filters, the same as the API's; blank means "any"."""

    action = _filter("action", "Action")
    actor = _filter("actor_username", "Actor (username)")
    entity_type = _filter("entity_type", "Entity type")
    entity_id = _filter("entity_id", "Entity id")
