"""The cohort builder page (new and edit): works as a plain form, counts without saving,
shows criteria errors in place, and carries what the live-count script needs."""

import re

import pytest

from audit.models import AuditLog
from cohorts.models import Cohort
from datasets import services as dataset_services

from .conftest import count, trial_rows, trial_table

pytestmark = pytest.mark.django_db
ROWS = trial_rows()


@pytest.fixture
def browser(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_the_builder_lists_analyzable_datasets_and_the_chosen_columns(browser, owner, dataset, viewer):
    dataset_services.dataset_create(viewer, name="Vera's own", table=trial_table(trial_rows(6)))
    page = browser(owner).get("/cohorts/new/", {"dataset": dataset.pk}).content.decode()
    assert f'<option value="{dataset.pk}" selected>Trial (version 1)</option>' in page
    assert "Vera&#x27;s own" not in page
    assert "<code>stage</code></td><td>categorical</td>" in page.replace("\n", "").replace("        ", "")
    assert 'data-preview-url="/api/cohorts/preview/"' in page
    assert 'src="/static/js/cohort_builder.js"' in page
    # No inline script: the CSP forbids them.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)


def test_without_analyze_anywhere_the_builder_says_why(browser, outsider):
    page = browser(outsider).get("/cohorts/new/").content.decode()
    assert "you hold it on none" in page


def test_count_re_renders_with_size_and_attrition_and_saves_nothing(browser, owner, dataset):
    client = browser(owner)  # logging in is audited
    before = AuditLog.objects.count()
    response = client.post(
        "/cohorts/new/",
        {"dataset": dataset.pk, "name": "", "criteria": 'age >= 60 and sex == "F"', "action": "count"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    size = count(ROWS, lambda r: r["age"] >= 60 and r["sex"] == "F")
    assert f"{size} rows of version 1" in page
    assert '<code>age &gt;= 60</code></td><td class="num">10</td>' in page
    assert (Cohort.objects.count(), AuditLog.objects.count()) == (0, before)


def test_count_shows_suppressed_sizes_as_below_k(browser, analyst, dataset):
    page = (
        browser(analyst)
        .post("/cohorts/new/", {"dataset": dataset.pk, "criteria": "age >= 74", "action": "count"})
        .content.decode()
    )
    assert "&lt;5 rows of version 1" in page
    assert "Disclosure control" in page


def test_a_criteria_error_is_shown_in_place_with_line_and_column(browser, owner, dataset):
    criteria = 'age >= 60 and\n  sexx == "F"'
    response = browser(owner).post(
        "/cohorts/new/", {"dataset": dataset.pk, "name": "x", "criteria": criteria}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Line 2, column 3: unknown column &#x27;sexx&#x27;; did you mean &#x27;sex&#x27;?" in page
    assert "<pre>  sexx == &quot;F&quot;\n  ^</pre>" in page
    # The text comes back exactly as typed, for fixing.
    assert "sexx == &quot;F&quot;</textarea>" in page
    assert not Cohort.objects.exists()


def test_save_creates_the_cohort_and_goes_to_its_page(browser, owner, member, dataset):
    response = browser(owner).post(
        "/cohorts/new/",
        {
            "dataset": dataset.pk,
            "name": "Older women",
            "criteria": 'age >= 60 and sex == "F"',
            "members": "mia, ",
        },
    )
    cohort = Cohort.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cohorts/{cohort.pk}/"
    assert (cohort.name, cohort.created_by, list(cohort.members.all())) == ("Older women", owner, [member])
    assert AuditLog.objects.filter(action="cohort.create", entity_id=str(cohort.pk)).exists()


def test_save_errors_name_the_field(browser, owner, viewer, dataset, outsider):
    client = browser(owner)
    response = client.post("/cohorts/new/", {"dataset": dataset.pk, "name": "", "criteria": ""})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    response = client.post("/cohorts/new/", {"dataset": dataset.pk, "name": "x", "members": "vera ghost"})
    assert response.status_code == 400 and "do not qualify: vera, ghost" in response.content.decode()
    hidden = dataset_services.dataset_create(outsider, name="Hidden", table=trial_table(trial_rows(6)))
    response = client.post("/cohorts/new/", {"dataset": hidden.pk, "name": "x"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not Cohort.objects.exists()


def test_edit_counts_on_the_pinned_version_and_saves(browser, owner, dataset, cohort):
    dataset_services.dataset_add_version(owner, dataset, table=trial_table(trial_rows(6)))
    client = browser(owner)
    page = client.get(f"/cohorts/{cohort.pk}/edit/").content.decode()
    assert 'data-version="1"' in page and "version 1" in page and "the dataset has version 2" in page
    assert 'value="mia"' in page
    counted = client.post(
        f"/cohorts/{cohort.pk}/edit/",
        {"name": cohort.name, "criteria": "age >= 50", "members": "mia", "action": "count"},
    ).content.decode()
    assert f"{count(ROWS, lambda r: r['age'] >= 50)} rows of version 1" in counted
    response = client.post(
        f"/cohorts/{cohort.pk}/edit/", {"name": "Fifty plus", "criteria": "age >= 50", "members": "mia"}
    )
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert (cohort.name, cohort.size, cohort.dataset_version) == ("Fifty plus", 15, 1)


def test_members_edit_without_the_members_field(browser, member, cohort):
    client = browser(member)
    page = client.get(f"/cohorts/{cohort.pk}/edit/").content.decode()
    assert 'name="members"' not in page
    response = client.post(f"/cohorts/{cohort.pk}/edit/", {"name": "By mia", "criteria": cohort.criteria})
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.name == "By mia" and list(cohort.members.all()) == [member]


def test_edit_is_refused_to_other_analysts_and_hidden_from_outsiders(browser, analyst, outsider, cohort):
    assert browser(analyst).get(f"/cohorts/{cohort.pk}/edit/").status_code == 403
    assert browser(outsider).get(f"/cohorts/{cohort.pk}/edit/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, cohort):
    response = client.get("/cohorts/new/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
