import pytest
from django.contrib.auth.models import Group

from audit.models import AuditLog, ChainHead
from audit.services import GENESIS_HASH, record
from audit.verify import verify_chain


@pytest.mark.django_db
def test_an_empty_log_verifies():
    assert verify_chain().as_dict() == {"ok": True, "entries": 0, "first_bad_id": None}


@pytest.mark.django_db
def test_entries_link_into_a_chain_that_verifies(make_user):
    alice = make_user("alice")
    group = Group.objects.create(name="trial team")
    first = record("test.one", actor=alice, summary="first")
    second = record("test.two", entity=group, payload={"n": 1})
    third = record("test.three", actor=alice, entity=alice, summary="third")

    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert (second.entity_type, second.entity_id) == ("group", str(group.pk))
    assert ChainHead.objects.get().last_hash == third.hash
    result = verify_chain()
    assert (result.ok, result.entries, result.first_bad_id, result.reason) == (True, 3, None, "")
    assert result.head_hash == third.hash


@pytest.mark.django_db
def test_hash_is_sha256_of_previous_hash_and_canonical_entry():
    import hashlib

    entry = AuditLog.objects.get(pk=record("test.hash", summary="x").pk)
    assert entry.hash == hashlib.sha256((GENESIS_HASH + entry.canonical()).encode()).hexdigest()


@pytest.mark.django_db
def test_payload_is_hashed_as_the_database_returns_it():
    """Values JSON or PostgreSQL's jsonb would return differently (dates, NaN, 1e+16,
    -0.0) are stored in the form that comes back, so the entry still verifies."""
    import datetime

    entry = record(
        "test.payload",
        payload={
            "when": datetime.date(2024, 1, 31),
            "nan": float("nan"),
            "big": 1e16,
            "huge": -2.5e300,
            "small": 1.5e-7,
            "zero": -0.0,
            "nested": {"b": [1, 2.0], "a": "é"},
        },
    )
    stored = AuditLog.objects.get(pk=entry.pk).payload
    assert stored["when"] == "2024-01-31"
    assert stored["nan"] is None
    assert stored["big"] == 10**16 and isinstance(stored["big"], int)
    assert stored["huge"] == -25 * 10**299
    assert stored["small"] == 1.5e-7
    assert stored["nested"] == {"a": "é", "b": [1, 2.0]}
    assert verify_chain().ok


@pytest.mark.django_db
def test_ip_comes_from_the_request_and_bad_addresses_are_dropped(rf):
    ipv6 = record("test.ip", request=rf.get("/", REMOTE_ADDR="2001:DB8:0:0:0:0:0:1"))
    garbage = record("test.ip", request=rf.get("/", REMOTE_ADDR="not-an-ip"))
    assert AuditLog.objects.get(pk=ipv6.pk).ip == "2001:db8::1"
    assert garbage.ip is None
    assert verify_chain().ok


@pytest.mark.django_db
def test_deleting_a_user_keeps_their_entries_intact(make_user):
    bob = make_user("bob")
    entry = record("test.by_bob", actor=bob, entity=bob)
    bob.delete()

    kept = AuditLog.objects.get(pk=entry.pk)
    assert (kept.actor_id, kept.actor_username) == (entry.actor_id, "bob")
    assert verify_chain().ok


@pytest.mark.django_db
def test_record_rolls_back_with_the_action_it_describes():
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        record("test.rolled_back")
        raise RuntimeError("the action failed")
    assert not AuditLog.objects.exists()
    assert verify_chain().ok
    record("test.after")
    assert verify_chain().entries == 1
