"""The services: permissions granted and checked, audit entries written in the same
transaction, sharing rules, notifications, and nothing left behind by a failure."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import Http404

from audit.models import AuditLog
from datasets import permissions, selectors, services
from datasets.models import Blob, Dataset
from datasets.tests.conftest import trial_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch):
    """The events services publish, captured instead of sent to sockets."""
    events = []
    monkeypatch.setattr(
        services.events, "publish", lambda users, event: events.append((sorted(users), event))
    )
    return events


def audit(action):
    return list(AuditLog.objects.filter(action=action))


def test_the_creator_holds_every_permission_and_the_creation_is_audited(alice, dataset):
    assert selectors.dataset_permissions_for(alice, dataset) == list(permissions.SHORT_NAMES)
    (entry,) = audit("dataset.create")
    assert (entry.actor, entry.entity_type, entry.entity_id) == (alice, "dataset", str(dataset.pk))
    assert entry.payload["row_count"] == 6 and entry.payload["version"] == 1
    assert "Zanzibar" not in entry.canonical()  # no row value in the audit log


def test_a_new_version_is_audited(alice, dataset):
    services.dataset_add_version(alice, dataset, table=trial_table(b"id\n1\n2\n"), note="ids only")

    (entry,) = audit("dataset.version")
    assert entry.payload["previous_version"] == 1 and entry.payload["version"] == 2
    assert entry.payload["note"] == "ids only"


def test_update_changes_only_what_is_given(alice, dataset):
    dataset = services.dataset_update(alice, dataset, description="Better words")

    assert (dataset.name, dataset.description) == ("Trial", "Better words")
    (entry,) = audit("dataset.update")
    assert entry.payload == {"changed": {"description": {"from": "A small trial", "to": "Better words"}}}


def test_an_update_without_changes_writes_nothing(alice, dataset):
    services.dataset_update(alice, dataset, name="Trial")

    assert audit("dataset.update") == []
    assert dataset.history.count() == 1


def test_a_stale_instance_does_not_undo_a_newer_version(alice, dataset):
    stale = Dataset.objects.get(pk=dataset.pk)
    services.dataset_add_version(alice, dataset, table=trial_table(b"id\n1\n2\n"))

    services.dataset_update(alice, stale, name="Renamed")

    fresh = Dataset.objects.get(pk=dataset.pk)
    assert (fresh.name, fresh.version, fresh.row_count) == ("Renamed", 2, 2)


def test_column_update_edits_annotations_and_is_audited(alice, dataset):
    dataset = services.column_update(alice, dataset, "bmi", label="Body-mass index", unit="kg/m2")

    assert dataset.column("bmi")["label"] == "Body-mass index"
    assert dataset.column("bmi")["unit"] == "kg/m2"
    assert Dataset.objects.get(pk=dataset.pk).column("bmi")["unit"] == "kg/m2"
    (entry,) = audit("dataset.column_edit")
    assert entry.payload["column"] == "bmi" and set(entry.payload["changed"]) == {"label", "unit"}


def test_column_update_of_an_unknown_column_is_not_found(alice, dataset):
    with pytest.raises(Http404):
        services.column_update(alice, dataset, "weight", label="Weight")


def test_writes_need_their_permission(alice, bob, dataset):
    services.dataset_share(alice, dataset, bob, ["view"])
    table = trial_table(b"id\n1\n")

    for attempt in (
        lambda: services.dataset_add_version(bob, dataset, table=table),
        lambda: services.dataset_restore(bob, dataset, 1),
        lambda: services.dataset_update(bob, dataset, name="Mine"),
        lambda: services.column_update(bob, dataset, "age", label="x"),
        lambda: services.dataset_delete(bob, dataset),
        lambda: services.dataset_share(bob, dataset, alice, ["view"]),
        lambda: services.dataset_export(bob, dataset, fmt="csv"),
        lambda: services.dataset_preview(bob, dataset),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert Dataset.objects.get(pk=dataset.pk).version == 1


def test_delete_is_audited(alice, dataset):
    pk = dataset.pk
    services.dataset_delete(alice, dataset)

    assert not Dataset.objects.filter(pk=pk).exists()
    (entry,) = audit("dataset.delete")
    assert entry.entity_id == str(pk) and entry.payload["name"] == "Trial"


def test_export_and_preview_are_audited(alice, dataset):
    export = services.dataset_export(alice, dataset, fmt="csv")
    rows = services.dataset_preview(alice, dataset, limit=2)

    assert b"Zanzibar-7731" in b"".join(export.chunks)
    assert export.filename == f"dataset-{dataset.pk}-v1.csv"
    assert rows.num_rows == 2
    assert [entry.payload["format"] for entry in audit("dataset.export")] == ["csv", "preview"]


# --- Sharing ---------------------------------------------------------------------------------------


def test_share_sets_the_complete_set_and_implies_view(alice, bob, dataset, published):
    assert services.dataset_share(alice, dataset, bob, ["export"]) == ["view", "export"]
    assert services.dataset_share(alice, dataset, bob, ["analyze"]) == ["view", "analyze"]

    assert selectors.dataset_permissions_for(bob, dataset) == ["view", "analyze"]
    entries = audit("dataset.share")
    assert [entry.payload["permissions"] for entry in entries] == [["view", "export"], ["view", "analyze"]]
    assert entries[1].payload["added"] == ["analyze"] and entries[1].payload["removed"] == ["export"]
    assert published[-1] == (
        [bob.pk],
        {
            "type": "dataset.shared",
            "dataset": {"id": dataset.pk, "name": "Trial"},
            "permissions": ["view", "analyze"],
        },
    )


def test_an_empty_set_revokes_and_is_audited_as_unshare(alice, bob, dataset, published):
    services.dataset_share(alice, dataset, bob, ["analyze"])
    published.clear()

    assert services.dataset_share(alice, dataset, bob, []) == []

    assert selectors.dataset_permissions_for(bob, dataset) == []
    assert audit("dataset.unshare")[0].payload["removed"] == ["view", "analyze"]
    assert published == []  # nothing new to announce


def test_sharing_the_same_set_again_writes_nothing(alice, bob, dataset, published):
    services.dataset_share(alice, dataset, bob, ["view"])
    services.dataset_share(alice, dataset, bob, ["view"])

    assert len(audit("dataset.share")) == 1
    assert len(published) == 1


def test_a_group_grant_reaches_its_members(alice, bob, carol, dataset, published):
    lab = Group.objects.create(name="lab")
    lab.user_set.add(bob, carol)

    services.dataset_share(alice, dataset, lab, ["analyze"])

    assert selectors.dataset_permissions_for(carol, dataset) == ["view", "analyze"]
    assert published[0][0] == sorted([bob.pk, carol.pk])
    assert audit("dataset.share")[0].payload["group"] == "lab"


def test_nobody_changes_their_own_permissions(alice, bob, dataset):
    services.dataset_share(alice, dataset, bob, ["view", "share"])

    with pytest.raises(services.ShareRefused, match="your own permissions"):
        services.dataset_share(bob, dataset, bob, ["view", "export"])
    with pytest.raises(services.ShareRefused, match="your own permissions"):
        services.dataset_share(alice, dataset, alice, [])


def test_the_creator_keeps_every_permission(alice, bob, dataset):
    services.dataset_share(alice, dataset, bob, ["share"])

    with pytest.raises(services.ShareRefused, match="creator"):
        services.dataset_share(bob, dataset, alice, ["view"])
    assert selectors.dataset_permissions_for(alice, dataset) == list(permissions.SHORT_NAMES)


def test_no_self_promotion_through_ones_own_group(alice, bob, dataset):
    lab = Group.objects.create(name="lab")
    lab.user_set.add(bob)
    services.dataset_share(alice, dataset, bob, ["share"])

    with pytest.raises(services.ShareRefused, match="export"):
        services.dataset_share(bob, dataset, lab, ["export"])
    services.dataset_share(bob, dataset, lab, ["view", "share"])  # nothing bob lacks: allowed


def test_unknown_permission_names_are_refused_before_anything_changes(alice, bob, dataset):
    with pytest.raises(ValueError, match="Unknown permission"):
        services.dataset_share(alice, dataset, bob, ["view", "download"])
    assert selectors.dataset_permissions_for(bob, dataset) == []


def test_a_steward_manages_sharing_without_seeing_rows(alice, bob, steward, dataset):
    assert selectors.dataset_permissions_for(steward, dataset) == ["view", "share"]

    services.dataset_share(steward, dataset, bob, ["export"])

    assert selectors.dataset_permissions_for(bob, dataset) == ["view", "export"]
    with pytest.raises(PermissionDenied):
        services.dataset_export(steward, dataset, fmt="csv")


# --- Atomicity -------------------------------------------------------------------------------------


def test_a_failure_after_the_blob_was_written_leaves_nothing(alice, settings, monkeypatch):
    def broken_record(*args, **kwargs):
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(services, "record", broken_record)

    with pytest.raises(RuntimeError):
        services.dataset_create(alice, name="Doomed", table=trial_table())

    assert not Blob.objects.exists()
    assert not Dataset.objects.exists()
    assert not Dataset.history.exists()
    assert not AuditLog.objects.exists()
    blob_dir = settings.DATA_DIR / "blobs"
    assert not blob_dir.exists() or not [path for path in blob_dir.rglob("*") if path.is_file()]


def test_a_failed_new_version_keeps_the_old_one(alice, dataset, settings, monkeypatch):
    blobs_before = set(Blob.objects.values_list("pk", flat=True))
    files_before = {path for path in (settings.DATA_DIR / "blobs").rglob("*") if path.is_file()}
    monkeypatch.setattr(services, "record", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("down")))

    with pytest.raises(RuntimeError):
        services.dataset_add_version(alice, dataset, table=trial_table(b"id\n1\n"))

    assert Dataset.objects.get(pk=dataset.pk).version == 1
    assert dataset.history.count() == 1
    assert set(Blob.objects.values_list("pk", flat=True)) == blobs_before
    assert {path for path in (settings.DATA_DIR / "blobs").rglob("*") if path.is_file()} == files_before


def test_a_grantee_with_share_grants_only_what_they_hold(alice, bob, carol, dataset):
    """Otherwise bob could give a second account of his the export he was never given."""
    services.dataset_share(alice, dataset, bob, ["share"])
    services.dataset_share(alice, dataset, carol, ["export"])

    with pytest.raises(services.ShareRefused, match=r"hold yourself \(analyze\)"):
        services.dataset_share(bob, dataset, carol, ["export", "analyze"])
    # What carol already holds may stay, and anything may be taken away.
    assert services.dataset_share(bob, dataset, carol, ["export", "share"]) == ["view", "export", "share"]
    assert services.dataset_share(bob, dataset, carol, []) == []
