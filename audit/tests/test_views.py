import pytest

from accounts.models import User
from audit.models import AuditLog
from audit.services import record

URL = "/audit/"


@pytest.fixture
def steward_client(client, make_user):
    client.force_login(make_user("steward", role=User.Role.STEWARD))
    return client


def test_non_stewards_get_404_and_anonymous_visitors_log_in(client, make_user):
    assert client.get(URL).status_code == 302
    client.force_login(make_user("alice"))
    assert client.get(URL).status_code == 404


def test_stewards_see_the_log_newest_first_with_the_chain_state(steward_client):
    first = record("test.first", summary="first entry")
    second = record("test.second", summary="second entry")
    response = steward_client.get(URL)
    assert response.status_code == 200
    assert [entry.pk for entry in response.context["page"]][:2] == [second.pk, first.pk]
    content = response.content.decode()
    assert content.index("second entry") < content.index("first entry")
    # Logging the steward in is audited too.
    assert f"Intact: {AuditLog.objects.count()} entries verified" in content


def test_admins_see_it_too(client, make_user):
    client.force_login(make_user("root", role=User.Role.ADMIN))
    assert client.get(URL).status_code == 200


def test_filters_and_pages(steward_client, make_user):
    alice = make_user("alice")
    for n in range(55):
        record("test.bulk", actor=alice, summary=f"bulk {n}")
    record("test.other", summary="other")

    filtered = steward_client.get(URL, {"actor": "alice", "action": "test.bulk"})
    assert filtered.context["page"].paginator.count == 55
    assert len(filtered.context["page"].object_list) == 50
    assert "actor=alice" in filtered.content.decode().split('rel="next"')[0].rsplit("href=", 1)[1]
    last = steward_client.get(URL, {"actor": "alice", "action": "test.bulk", "page": 2})
    assert [entry.summary for entry in last.context["page"]] == [f"bulk {n}" for n in range(4, -1, -1)]
    assert steward_client.get(URL, {"entity_type": "nothing"}).context["page"].paginator.count == 0


def test_a_bad_filter_is_a_400_naming_it(steward_client):
    response = steward_client.get(URL, {"entity_id": "9" * 65})
    assert response.status_code == 400
    assert "Ensure this value has at most 64 characters" in response.content.decode()


def test_a_broken_chain_is_shown_with_its_first_bad_entry(steward_client, tamper):
    entries = [record("test.entry", summary=f"entry {n}") for n in range(3)]
    tamper(f"UPDATE {AuditLog._meta.db_table} SET summary = 'forged' WHERE id = %s", [entries[1].pk])
    response = steward_client.get(URL)
    assert response.context["verification"].first_bad_id == entries[1].pk
    content = response.content.decode()
    assert f'href="#entry-{entries[1].pk}">#{entries[1].pk}</a>' in content
    assert "(fails verification)" in content
