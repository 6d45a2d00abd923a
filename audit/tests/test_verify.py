import json

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from audit.models import AuditLog, ChainHead
from audit.services import record
from audit.verify import verify_chain

TABLE = AuditLog._meta.db_table


@pytest.fixture
def entries(db):
    return [record("test.entry", summary=f"entry {n}", payload={"n": n}) for n in range(5)]


@pytest.fixture
def admin_api(make_user):
    client = APIClient()
    client.force_authenticate(make_user("root", is_staff=True))
    return client


def _command(*args):
    """Run verify_audit; return (exit status, stdout)."""
    from io import StringIO

    out = StringIO()
    try:
        call_command("verify_audit", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


def test_intact_chain_passes_everywhere(entries, admin_api):
    status, output = _command()
    assert status == 0
    assert "intact: 5 entries" in output
    assert entries[-1].hash in output
    status, output = _command("--json")
    assert (status, json.loads(output)) == (0, {"ok": True, "entries": 5, "first_bad_id": None})
    response = admin_api.get("/api/audit/verify/")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "entries": 5, "first_bad_id": None}


def test_entry_changed_behind_the_triggers_is_reported(entries, tamper, admin_api):
    altered = entries[2]
    tamper(f"UPDATE {TABLE} SET summary = %s WHERE id = %s", ["nothing to see", altered.pk])

    expected = {"ok": False, "entries": 5, "first_bad_id": altered.pk}
    assert verify_chain().as_dict() == expected
    status, output = _command("--json")
    assert (status, json.loads(output.splitlines()[0])) == (1, expected)
    status, output = _command()
    assert status == 1
    assert f"entry #{altered.pk} does not match its hash" in output
    assert admin_api.get("/api/audit/verify/").json() == expected


def test_payload_changed_behind_the_triggers_is_reported(entries, tamper):
    tamper(f"UPDATE {TABLE} SET payload = %s WHERE id = %s", ['{"n": 99}', entries[0].pk])
    assert verify_chain().first_bad_id == entries[0].pk


def test_deleted_entry_with_the_next_one_relinked_is_caught(entries, tamper):
    removed, relinked, after = entries[2], entries[3], entries[4]
    tamper(f"DELETE FROM {TABLE} WHERE id = %s", [removed.pk])
    tamper(f"UPDATE {TABLE} SET prev_hash = %s WHERE id = %s", [removed.prev_hash, relinked.pk])
    result = verify_chain()
    assert (result.ok, result.entries, result.first_bad_id) == (False, 4, relinked.pk)

    # Re-hashing the relinked entry only moves the break to the entry after it.
    relinked.refresh_from_db()
    relinked.prev_hash = removed.prev_hash
    tamper(f"UPDATE {TABLE} SET hash = %s WHERE id = %s", [relinked.compute_hash(), relinked.pk])
    assert verify_chain().first_bad_id == after.pk


def test_deleted_entry_without_relinking_is_caught(entries, tamper):
    tamper(f"DELETE FROM {TABLE} WHERE id = %s", [entries[1].pk])
    result = verify_chain()
    assert (result.first_bad_id, result.reason) == (
        entries[2].pk,
        f"entry #{entries[2].pk} does not link to the entry before it",
    )


def test_entries_cut_from_the_end_are_caught(entries, tamper, admin_api):
    tamper(f"DELETE FROM {TABLE} WHERE id >= %s", [entries[3].pk])
    result = verify_chain()
    assert result.as_dict() == {"ok": False, "entries": 3, "first_bad_id": None}
    assert "removed from the end" in result.reason
    assert _command()[0] == 1
    assert admin_api.get("/api/audit/verify/").json()["ok"] is False


def test_entries_appended_after_the_head_was_read_still_verify(entries):
    """A writer may append while the walk runs, so the head read before the walk can
    name an earlier entry; that is fine as long as the walk passes through it."""
    ChainHead.objects.filter(pk=1).update(last_hash=entries[2].hash)
    assert verify_chain().as_dict() == {"ok": True, "entries": 5, "first_bad_id": None}


def test_walk_crosses_batch_boundaries(entries, tamper, monkeypatch):
    from audit import verify

    monkeypatch.setattr(verify, "BATCH_SIZE", 2)
    assert verify_chain().ok
    tamper(f"UPDATE {TABLE} SET action = %s WHERE id = %s", ["test.forged", entries[4].pk])
    assert verify_chain().first_bad_id == entries[4].pk
