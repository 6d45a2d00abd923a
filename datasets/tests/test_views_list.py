"""/datasets/: the caller's visible datasets, with search, pagination and an empty state."""

import pytest

from datasets import services, views

pytestmark = pytest.mark.django_db


def test_login_is_required(client):
    response = client.get("/datasets/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_lists_only_visible_datasets_with_the_callers_access(client, alice, bob, make_dataset):
    shared = make_dataset(alice, name="Shared study")
    make_dataset(alice, name="Private study")
    services.dataset_share(alice, shared, bob, ["analyze"])
    client.force_login(bob)

    response = client.get("/datasets/")

    content = response.content.decode()
    assert "Shared study" in content and "Private study" not in content
    assert "view, analyze" in content
    assert [d.name for d in response.context["page"].object_list] == ["Shared study"]


def test_search(client, alice, make_dataset):
    make_dataset(alice, name="Lung cohort")
    make_dataset(alice, name="Heart cohort", description="cardiology")
    client.force_login(alice)

    by_name = client.get("/datasets/", {"search": "lung"}).content.decode()
    by_description = client.get("/datasets/", {"search": "CARDIO"}).content.decode()
    nothing = client.get("/datasets/", {"search": "kidney"}).content.decode()

    assert "Lung cohort" in by_name and "Heart cohort" not in by_name
    assert "Heart cohort" in by_description and "Lung cohort" not in by_description
    assert "No dataset you can see matches “kidney”" in nothing


def test_pagination(client, alice, make_dataset, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for index in range(3):
        make_dataset(alice, name=f"Study {index}")
    client.force_login(alice)

    first = client.get("/datasets/")
    second = client.get("/datasets/", {"page": 2})

    assert len(first.context["page"].object_list) == 2
    assert "Page 1 of 2 (3 datasets)" in first.content.decode()
    assert len(second.context["page"].object_list) == 1


def test_empty_state(client, alice):
    client.force_login(alice)

    content = client.get("/datasets/").content.decode()

    assert "No datasets yet" in content
    assert 'href="/datasets/new/"' in content


def test_the_navigation_links_here(client, alice):
    client.force_login(alice)

    assert '<a href="/datasets/">Datasets</a>' in client.get("/").content.decode()
