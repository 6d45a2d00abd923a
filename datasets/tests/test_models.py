"""The Dataset model: its permissions, its encrypted dictionary, its history and its grants."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection

from datasets import services
from datasets.models import Dataset, DatasetUserObjectPermission

pytestmark = pytest.mark.django_db


def test_the_six_object_permissions_exist():
    codenames = set(
        Permission.objects.filter(
            content_type__app_label="datasets", content_type__model="dataset"
        ).values_list("codename", flat=True)
    )

    assert {
        f"{short}_dataset" for short in ("view", "analyze", "export", "change", "share", "delete")
    } <= codenames


def test_the_dictionary_is_encrypted_in_the_table_and_in_its_history(dataset):
    with connection.cursor() as cursor:
        cursor.execute("SELECT columns FROM datasets_dataset WHERE id = %s", [dataset.pk])
        (stored,) = cursor.fetchone()
        cursor.execute("SELECT columns FROM datasets_historicaldataset WHERE id = %s", [dataset.pk])
        historical = [row[0] for row in cursor.fetchall()]

    # The categorical levels are row values ("Zanzibar-7731" is one); only ciphertext is stored.
    assert "Zanzibar-7731" in Dataset.objects.get(pk=dataset.pk).column("site")["levels"]
    for text in [stored, *historical]:
        assert text.startswith("bsf1:")
        assert "Zanzibar" not in text and "site" not in text


def test_column_looks_up_a_dictionary_entry(dataset):
    assert dataset.column("age")["type"] == "integer"
    assert dataset.column("no such column") is None


def test_every_save_is_a_historical_record(alice, dataset):
    services.dataset_update(alice, dataset, name="Renamed")

    records = list(dataset.history.order_by("history_id"))
    assert [record.history_type for record in records] == ["+", "~"]
    assert [record.name for record in records] == ["Trial", "Renamed"]
    assert all(record.history_user == alice for record in records)


def test_grants_go_with_the_dataset_and_the_history_stays(alice, dataset):
    pk = dataset.pk
    services.dataset_delete(alice, dataset)

    assert not DatasetUserObjectPermission.objects.filter(content_object_id=pk).exists()
    assert Dataset.history.filter(id=pk, history_type="-").exists()
