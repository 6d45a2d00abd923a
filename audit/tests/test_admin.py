import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from audit.models import AuditLog
from audit.services import record
from audit.verify import verify_chain

CHANGELIST = "/admin/audit/auditlog/"


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.org", None)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def entry(db):
    return record("test.entry", summary="the original summary", entity_type="dataset", entity_id="42")


def test_the_log_is_listed_searched_and_filtered(admin_client, entry):
    record("test.other", summary="something else")
    everything = AuditLog.objects.count()  # logging in through the client is audited too
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    assert response.context["cl"].result_count == everything
    assert response.context["cl"].result_list[0].action == "test.other"  # newest first
    assert list(admin_client.get(CHANGELIST, {"q": "original"}).context["cl"].result_list) == [entry]
    assert list(admin_client.get(CHANGELIST, {"q": "42"}).context["cl"].result_list) == [entry]
    assert list(admin_client.get(CHANGELIST, {"action": "test.entry"}).context["cl"].result_list) == [entry]
    day = entry.created_at
    by_date = {"created_at__year": day.year, "created_at__month": day.month, "created_at__day": day.day}
    assert admin_client.get(CHANGELIST, by_date).context["cl"].result_count == everything
    assert admin_client.get(CHANGELIST, {"created_at__year": day.year + 1}).context["cl"].result_count == 0


def test_even_a_superuser_cannot_add_change_or_delete(admin_client, entry):
    changelist = admin_client.get(CHANGELIST)
    assert b"delete_selected" not in changelist.content
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403

    change_url = f"{CHANGELIST}{entry.pk}/change/"
    detail = admin_client.get(change_url)
    assert detail.status_code == 200
    assert b"the original summary" in detail.content
    assert b'name="_save"' not in detail.content
    assert admin_client.post(change_url, {"summary": "forged"}).status_code == 403

    assert admin_client.post(f"{CHANGELIST}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditLog.objects.get(pk=entry.pk).summary == "the original summary"


def test_staff_may_read_the_log_without_model_permissions(client, entry):
    staff = User.objects.create_user("staff", is_staff=True)
    client.force_login(staff)
    assert client.get(CHANGELIST).status_code == 200
    assert client.get("/admin/").context["app_list"][0]["app_label"] == "audit"


def test_admin_changes_are_audited(admin_client, superuser):
    response = admin_client.post("/admin/auth/group/add/", {"name": "statisticians"})
    assert response.status_code == 302
    group = Group.objects.get()
    admin_client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "biostatisticians"})
    admin_client.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"})

    entries = list(AuditLog.objects.filter(action__startswith="admin."))
    assert [entry.action for entry in entries] == ["admin.add", "admin.change", "admin.delete"]
    for entry in entries:
        assert (entry.actor_id, entry.actor_username) == (superuser.pk, "root")
        assert (entry.entity_type, entry.entity_id) == ("group", str(group.pk))
        assert entry.payload["model"] == "auth.group"
    assert entries[0].summary == "statisticians: Added."
    assert entries[1].summary == "biostatisticians: Changed Name."
    assert entries[1].payload["changes"] == [{"changed": {"fields": ["Name"]}}]
    assert entries[2].summary == "biostatisticians: Deleted."
    assert verify_chain().ok


def test_deleting_several_objects_at_once_is_audited_per_object(admin_client):
    groups = [Group.objects.create(name=name) for name in ("a", "b", "c")]
    response = admin_client.post(
        "/admin/auth/group/",
        {"action": "delete_selected", "_selected_action": [g.pk for g in groups[:2]], "post": "yes"},
    )
    assert response.status_code == 302
    assert list(Group.objects.all()) == [groups[2]]
    deleted = AuditLog.objects.filter(action="admin.delete").order_by("entity_id")
    assert [(e.entity_type, e.entity_id) for e in deleted] == [("group", str(g.pk)) for g in groups[:2]]
    assert verify_chain().ok


def test_a_single_admin_change_is_audited_once(admin_client):
    group = Group.objects.create(name="solo")
    admin_client.post(
        "/admin/auth/group/", {"action": "delete_selected", "_selected_action": [group.pk], "post": "yes"}
    )
    assert AuditLog.objects.filter(action="admin.delete").count() == 1
