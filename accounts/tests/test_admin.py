import pytest

from accounts.models import User

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", PASSWORD)
    client.force_login(admin)
    return client


def test_the_user_list_shows_and_filters_by_role(admin_client, alice):
    User.objects.create_user("sam", "sam@example.org", PASSWORD, role=User.Role.STEWARD)

    everyone = admin_client.get("/admin/accounts/user/")
    stewards = admin_client.get("/admin/accounts/user/?role__exact=steward")

    assert everyone.status_code == 200
    assert "column-role" in everyone.content.decode()
    assert "Data steward" in everyone.content.decode()
    assert [u.username for u in stewards.context["cl"].result_list] == ["sam"]


def test_an_admin_creates_a_user_with_a_role(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "sam",
            "email": "sam@example.org",
            "role": "steward",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    sam = User.objects.get(username="sam")
    assert (sam.role, sam.email, sam.is_steward) == ("steward", "sam@example.org", True)
    assert sam.check_password(PASSWORD)


def test_an_admin_changes_a_role(admin_client, alice):
    page = admin_client.get(f"/admin/accounts/user/{alice.pk}/change/")
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(
        {
            "role": "admin",
            "groups": [],
            "user_permissions": [],
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": alice.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": alice.date_joined.strftime("%H:%M:%S"),
        }
    )

    response = admin_client.post(f"/admin/accounts/user/{alice.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    alice.refresh_from_db()
    assert alice.role == "admin"
    assert alice.is_admin
