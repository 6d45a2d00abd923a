"""The cohort list page: visible cohorts only, a dataset filter, suppressed sizes, empty states."""

import pytest

from datasets import services as dataset_services

from .conftest import trial_rows, trial_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_lists_visible_cohorts_with_sizes_and_stale_badges(browser, owner, dataset, make_cohort):
    make_cohort(name="Older women")
    make_cohort(name="Oldest", criteria="age >= 74")
    dataset_services.dataset_add_version(owner, dataset, table=trial_table(trial_rows(6)))
    page = browser(owner).get("/cohorts/").content.decode()
    assert "Older women" in page and "Oldest" in page
    assert page.count('class="stale-badge"') == 2
    assert '<td class="num">3</td>' in page  # the owner holds export: exact


def test_sizes_below_k_show_as_below_k_without_export(browser, analyst, make_cohort):
    make_cohort(name="Oldest", criteria="age >= 74")
    page = browser(analyst).get("/cohorts/").content.decode()
    assert '<td class="num">&lt;5</td>' in page


def test_the_dataset_filter(browser, owner, make_cohort):
    other = dataset_services.dataset_create(owner, name="Other", table=trial_table(trial_rows(6)))
    make_cohort(name="On trial")
    make_cohort(name="On other", on=other, criteria="")
    client = browser(owner)
    page = client.get("/cohorts/", {"dataset": other.pk}).content.decode()
    assert "On other" in page and "On trial" not in page
    assert f'<option value="{other.pk}" selected>Other</option>' in page
    assert "On trial" in client.get("/cohorts/", {"dataset": "junk"}).content.decode()


def test_invisible_cohorts_never_show(browser, viewer, outsider, cohort):
    for user in (viewer, outsider):
        page = browser(user).get("/cohorts/").content.decode()
        assert "Older women" not in page
    assert "you have no dataset to define cohorts on" in page.lower()


def test_empty_states(browser, owner, dataset):
    client = browser(owner)
    assert "No cohorts yet." in client.get("/cohorts/").content.decode()
    assert (
        "No cohorts on this dataset yet." in client.get("/cohorts/", {"dataset": dataset.pk}).content.decode()
    )


def test_the_nav_links_to_cohorts(browser, owner):
    client = browser(owner)
    assert '<a href="/cohorts/">Cohorts</a>' in client.get("/").content.decode()
    assert '<a href="/cohorts/" aria-current="page">Cohorts</a>' in client.get("/cohorts/").content.decode()
