"""A JSON model field encrypted at rest.

Each stored value has its own data key: the JSON text is sealed with AES-256-GCM
under that key, and the key is kept wrapped by the master key. The column holds
the text ``bsf1:<master key id>:<wrapped key>:<sealed JSON>`` (base64url parts),
so ``rotate_master_key`` can re-wrap the key without touching the payload.
"""

import base64
import json

from django import forms
from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.functions import Cast

from . import crypto

PREFIX = "bsf1"
# Binds the ciphertext to this use; the master key id is deliberately outside it so re-wrapping works.
ASSOCIATED_DATA = b"biostat-encrypted-json-field-v1"


class Sealed(str):
    """A value that is already ciphertext: written to the database as is (rotation uses it)."""


def encrypt_value(value, key=None):
    key = key or crypto.master_key()
    data_key = crypto.new_data_key()
    sealed = crypto.seal(data_key, json.dumps(value, cls=DjangoJSONEncoder).encode(), ASSOCIATED_DATA)
    return Sealed(":".join([PREFIX, key.key_id, _b64(key.wrap(data_key)), _b64(sealed)]))


def decrypt_value(token, key=None):
    key_id, wrapped, sealed = _parse(token)
    key = key or crypto.master_key()
    if key_id != key.key_id:
        raise crypto.DecryptionError(
            f"This value was encrypted under master key {key_id}; the configured key is {key.key_id}."
        )
    return json.loads(crypto.open_sealed(key.unwrap(wrapped), sealed, ASSOCIATED_DATA))


def rewrap_value(token, old_key, new_key):
    """The same ciphertext with its data key re-wrapped from ``old_key`` to ``new_key``."""
    key_id, wrapped, sealed = _parse(token)
    if key_id == new_key.key_id:
        return Sealed(token)  # already rotated (a rerun after an interruption)
    if key_id != old_key.key_id:
        raise crypto.DecryptionError(f"A value is wrapped by unknown master key {key_id}.")
    data_key = old_key.unwrap(wrapped)
    return Sealed(":".join([PREFIX, new_key.key_id, _b64(new_key.wrap(data_key)), _b64(sealed)]))


def rewrap_all(old_key, new_key):
    """Re-wrap every encrypted field value of every model; returns (values changed, field labels)."""
    changed, labels = 0, []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, EncryptedJSONField):
                continue
            labels.append(f"{model._meta.label}.{field.name}")
            # Cast to plain text so the stored tokens are read as they are, not decrypted.
            tokens = (
                model._base_manager.filter(**{f"{field.attname}__isnull": False})
                .annotate(_token=Cast(field.attname, models.TextField()))
                .values_list("pk", "_token")
            )
            for pk, token in tokens.iterator():
                rewrapped = rewrap_value(token, old_key, new_key)
                if rewrapped != token:
                    model._base_manager.filter(pk=pk).update(**{field.attname: rewrapped})
                    changed += 1
    return changed, labels


def is_token(value):
    return isinstance(value, str) and value.startswith(PREFIX + ":")


def _parse(token):
    parts = token.split(":")
    if len(parts) != 4 or parts[0] != PREFIX:
        raise crypto.DecryptionError("Not an encrypted field value.")
    return parts[1], base64.urlsafe_b64decode(parts[2]), base64.urlsafe_b64decode(parts[3])


def _b64(data):
    return base64.urlsafe_b64encode(data).decode("ascii")


class EncryptedJSONField(models.TextField):
    """Stores any JSON-serialisable value encrypted; reads give back the Python value.

    Only ``isnull`` lookups are offered: every write has a fresh key and nonce, so
    the stored text of equal values differs and cannot be compared in SQL.
    """

    description = "JSON value, encrypted at rest"

    def from_db_value(self, value, expression, connection):
        return None if value is None else decrypt_value(value)

    def to_python(self, value):
        return decrypt_value(value) if is_token(value) else value

    def get_prep_value(self, value):
        if value is None or isinstance(value, Sealed):
            return value
        return encrypt_value(value)

    def value_to_string(self, obj):
        # Serialisation (dumpdata) carries the ciphertext, never the plaintext.
        return self.get_prep_value(self.value_from_object(obj))

    def get_lookup(self, lookup_name):
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def get_transform(self, lookup_name):
        return None

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": forms.JSONField, "encoder": DjangoJSONEncoder, **kwargs})
