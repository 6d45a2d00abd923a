"""EncryptedJSONField: the data dictionary is ciphertext in the database, its history included."""

import pyarrow as pa
import pytest
from django import forms
from django.core.exceptions import FieldError
from django.db import connection, transaction

from accounts.models import User
from datasets import blobstore, crypto, fields
from datasets.models import Dataset

pytestmark = pytest.mark.django_db
COLUMNS = [{"name": "site", "type": "categorical", "levels": ["Oslo", "Zanzibar-7731"], "label": "Site"}]


@pytest.fixture
def dataset():
    user = User.objects.create_user(username="field-owner", password="Plain-sturdy-horse-42")
    with transaction.atomic():
        blob = blobstore.store_table(pa.table({"site": ["Oslo", "Zanzibar-7731"]}))
    return Dataset.objects.create(
        name="Sites", creator=user, content_sha256=blob.sha256, row_count=2, columns=COLUMNS, blob=blob
    )


def stored_text(model, pk):
    table = connection.ops.quote_name(model._meta.db_table)
    key = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT columns FROM {table} WHERE {key} = %s", [pk])
        return cursor.fetchone()[0]


def test_value_is_ciphertext_in_the_table_and_its_history(dataset):
    history_model = Dataset.history.model
    record = dataset.history.get()
    for model, pk in ((Dataset, dataset.pk), (history_model, record.pk)):
        text = stored_text(model, pk)
        assert text.startswith(f"bsf1:{crypto.master_key().key_id}:")
        assert "Zanzibar" not in text and "Site" not in text
    assert Dataset.objects.get(pk=dataset.pk).columns == COLUMNS
    assert history_model.objects.get(pk=record.pk).columns == COLUMNS


def test_every_write_uses_a_fresh_data_key(dataset):
    before = stored_text(Dataset, dataset.pk)
    dataset.save()
    after = stored_text(Dataset, dataset.pk)
    assert before != after
    assert fields.decrypt_value(before) == fields.decrypt_value(after) == COLUMNS


def test_only_isnull_lookups_are_offered(dataset):
    assert Dataset.objects.filter(columns__isnull=False).count() == 1
    with pytest.raises(FieldError):
        Dataset.objects.filter(columns=COLUMNS).count()


def test_tampering_or_another_master_key_fails_loudly(dataset, settings):
    text = stored_text(Dataset, dataset.pk)
    prefix, key_id, wrapped, sealed = text.split(":")
    flipped = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    with pytest.raises(crypto.DecryptionError):
        fields.decrypt_value(":".join([prefix, key_id, wrapped, flipped]))
    settings.BIOSTAT_MASTER_KEY = crypto.generate_key_text()
    with pytest.raises(crypto.DecryptionError, match="encrypted under master key"):
        Dataset.objects.get(pk=dataset.pk)


def test_migrations_serialisation_and_forms(dataset):
    field = Dataset._meta.get_field("columns")
    name, path, args, kwargs = field.deconstruct()
    assert (name, path, args, kwargs) == (
        "columns",
        "datasets.fields.EncryptedJSONField",
        [],
        {"default": list},
    )
    exported = field.value_to_string(dataset)
    assert "Zanzibar" not in exported and fields.decrypt_value(exported) == COLUMNS
    assert field.to_python(exported) == COLUMNS
    assert isinstance(field.formfield(), forms.JSONField)
