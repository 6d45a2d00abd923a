"""Versions come from simple-history: one per data change, metadata edits keep the number,
identical content is not a new version, restore makes a new version, diff compares two."""

import pytest

from audit.models import AuditLog
from datasets import selectors, services
from datasets.tests.conftest import TRIAL_CSV, trial_table

pytestmark = pytest.mark.django_db

MORE_ROWS = TRIAL_CSV + b"7,A,60,24.0,II,2024-04-01,false,Lima\n"
RESHAPED = b"id,arm,age,weight\n1,A,64.5,80\n2,B,71.5,72\n3,A,58.5,91\n4,B,49.5,66\n"


def add(user, dataset, content, note=""):
    return services.dataset_add_version(user, dataset, table=trial_table(content), note=note)


def test_a_new_version_gets_the_next_number_and_is_listed_first(alice, dataset):
    dataset, created = add(alice, dataset, MORE_ROWS, note="April enrolments")

    assert created
    assert (dataset.version, dataset.row_count, dataset.version_note) == (2, 7, "April enrolments")
    versions = list(selectors.dataset_versions(dataset))
    assert [v.version for v in versions] == [2, 1]
    assert [v.row_count for v in versions] == [7, 6]
    assert versions[0].history_user == alice
    assert versions[0].content_sha256 == dataset.content_sha256 != versions[1].content_sha256


def test_metadata_edits_are_history_but_not_versions(alice, dataset):
    dataset = services.dataset_update(alice, dataset, name="Renamed", description="New words")
    dataset = services.column_update(alice, dataset, "age", label="Age", unit="years")

    assert dataset.version == 1
    assert dataset.history.count() == 3
    (version,) = selectors.dataset_versions(dataset)
    assert version.version == 1
    assert version.name == "Trial"  # the version is represented by its first record


def test_identical_content_creates_no_version(alice, dataset):
    entries = AuditLog.objects.count()
    records = dataset.history.count()

    same, created = add(alice, dataset, TRIAL_CSV)

    assert not created
    assert same.version == 1
    assert dataset.history.count() == records
    assert AuditLog.objects.count() == entries


def test_restore_makes_a_new_version_with_the_old_content(alice, dataset):
    first_hash = dataset.content_sha256
    dataset = services.column_update(alice, dataset, "age", label="Age at entry")
    dataset, _ = add(alice, dataset, MORE_ROWS)

    dataset, created = services.dataset_restore(alice, dataset, 1)

    assert created
    assert dataset.version == 3
    assert dataset.content_sha256 == first_hash
    assert dataset.row_count == 6
    assert dataset.version_note == "Restored version 1"
    assert dataset.column("age")["label"] == "Age at entry"  # annotations carry over
    assert selectors.dataset_table(dataset).num_rows == 6
    entry = AuditLog.objects.filter(action="dataset.restore").get()
    assert entry.payload["restored_version"] == 1 and entry.payload["version"] == 3


def test_restoring_the_current_content_changes_nothing(alice, dataset):
    dataset, _ = add(alice, dataset, MORE_ROWS)
    dataset, _ = services.dataset_restore(alice, dataset, 1)

    again, created = services.dataset_restore(alice, dataset, 1)

    assert not created
    assert again.version == 3


def test_an_old_version_can_be_read(alice, dataset):
    dataset, _ = add(alice, dataset, MORE_ROWS)

    assert selectors.dataset_table(dataset, version=1).num_rows == 6
    assert selectors.dataset_table(dataset, version=2).num_rows == 7
    assert selectors.dataset_table(dataset, version=1, columns=["age"]).column_names == ["age"]


def test_diff_reports_columns_added_removed_retyped_and_rows(alice, dataset):
    dataset, _ = add(alice, dataset, RESHAPED)

    diff = selectors.dataset_diff(dataset, 1, 2)

    assert {c["name"] for c in diff.added} == {"weight"}
    assert {c["name"] for c in diff.removed} == {"bmi", "stage", "enrolled", "smoker", "site"}
    assert diff.retyped == [{"name": "age", "from": "integer", "to": "numeric"}]
    assert (diff.rows_from, diff.rows_to, diff.row_change) == (6, 4, -2)
    assert set(diff.changed_fields) == {"content_sha256", "row_count", "columns"}
    assert not diff.same_content


def test_diff_of_versions_with_the_same_content(alice, dataset):
    dataset, _ = add(alice, dataset, MORE_ROWS)
    dataset, _ = services.dataset_restore(alice, dataset, 1)

    diff = selectors.dataset_diff(dataset, 1, 3)

    assert diff.same_content
    assert diff.added == diff.removed == diff.retyped == []


def test_unknown_versions_are_not_found(dataset):
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.dataset_diff(dataset, 1, 9)
    with pytest.raises(Http404):
        selectors.dataset_table(dataset, version=9)


def test_numbers_stay_gap_free_across_many_changes(alice, dataset):
    contents = [MORE_ROWS, RESHAPED, TRIAL_CSV, RESHAPED]
    for content in contents:
        dataset, _ = add(alice, dataset, content)
        dataset = services.column_update(alice, dataset, "id", description=f"edited at {dataset.version}")

    assert [v.version for v in selectors.dataset_versions(dataset)] == [5, 4, 3, 2, 1]
