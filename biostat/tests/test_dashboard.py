"""The dashboard page and its live panels: what each user sees, and the empty states."""

import pyarrow as pa
import pytest

from accounts.models import User
from analyses import services as analysis_services
from analyses.models import Analysis
from cohorts import services as cohort_services
from datasets import permissions
from datasets import services as dataset_services
from messaging import services as message_services

TABLE = pa.table({"arm": ["A", "B"] * 6, "age": list(range(40, 52))})


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def rita(db):
    return User.objects.create_user("rita", "rita@example.org", "x")


@pytest.fixture
def colin(db):
    return User.objects.create_user("colin", "colin@example.org", "x")


@pytest.fixture
def trial(rita):
    return dataset_services.dataset_create(rita, name="Trial 42", table=TABLE)


def page_of(client, user, path="/"):
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_new_user_sees_what_to_do_next_in_every_panel(client, rita):
    html = page_of(client, rita)
    assert "You have not uploaded a dataset yet." in html
    assert "Nothing is shared with you yet." in html
    # No dataset to analyse yet: the analyses panel says where analyses come from.
    assert "Analyses run on cohorts, and cohorts need a dataset you may analyse" in html
    assert "No unread messages." in html
    assert 'href="/datasets/new/"' in html


def test_own_and_shared_datasets_are_listed_apart(client, rita, colin, trial):
    private = dataset_services.dataset_create(rita, name="Private pilot", table=TABLE)
    permissions.grant(colin, trial, ["view", "analyze"])
    theirs = dataset_services.dataset_create(colin, name="Colin's registry", table=TABLE)

    html = page_of(client, colin)
    mine, shared = html.split('id="shared-heading"')
    assert "Colin&#x27;s registry" in mine and "Trial 42" not in mine
    assert "Trial 42" in shared and "from rita · you may view, analyze" in shared
    assert private.name not in html  # never shared with colin
    assert theirs.name not in shared


def test_stewards_see_every_other_dataset_under_its_own_heading(client, trial, db):
    steward = User.objects.create_user("sam", "sam@example.org", "x", role=User.Role.STEWARD)
    html = page_of(client, steward)
    assert "Other datasets" in html and "Trial 42" in html
    assert "you may view, share" in html


def test_running_and_recent_analyses_with_their_status(client, rita, colin, trial):
    cohort = cohort_services.cohort_create(rita, trial, name="Everyone")
    finished = analysis_services.analysis_request(
        user=rita, cohort=cohort, analysis_type="descriptive", parameters={"variables": ["age"]}
    )
    Analysis.objects.filter(pk=finished.pk).update(status=Analysis.Status.SUCCEEDED)
    queued = analysis_services.analysis_request(
        user=rita, cohort=cohort, analysis_type="descriptive", parameters={"variables": ["age"]}
    )

    html = page_of(client, rita)
    active, recent = html.split("Recently finished")
    assert f'href="/analyses/{queued.pk}/"' in active
    assert f'data-analysis-status="{queued.pk}">Queued' in active
    assert f'href="/analyses/{finished.pk}/"' in recent and "Succeeded" in recent
    assert "Descriptive statistics #" in html  # the method's own label
    # While something runs, the panel refreshes itself; the page does not need a reload.
    assert 'hx-trigger="biostat:analysis.finished from:document, every 3s"' in html
    # Colin may not analyse the dataset: its analyses do not exist for him.
    assert f"/analyses/{queued.pk}/" not in page_of(client, colin)


def test_the_analyses_panel_stops_polling_once_nothing_runs(client, rita, trial):
    cohort = cohort_services.cohort_create(rita, trial, name="Everyone")
    analysis = analysis_services.analysis_request(
        user=rita, cohort=cohort, analysis_type="descriptive", parameters={"variables": ["age"]}
    )
    Analysis.objects.filter(pk=analysis.pk).update(status=Analysis.Status.FAILED)

    html = page_of(client, rita, "/dashboard/analyses/")
    assert html.lstrip().startswith("<section")  # the panel alone, for htmx to swap in
    assert "<html" not in html
    assert 'hx-trigger="biostat:analysis.finished from:document"' in html
    assert "Failed" in html


def test_no_analyses_yet_but_a_dataset_to_analyse(client, rita, trial):
    html = page_of(client, rita, "/dashboard/analyses/")
    assert "No analyses yet. Pick a cohort and a method" in html


def test_unread_messages_panel(client, rita, colin, trial):
    message_services.message_send(sender=rita, recipient=colin, body="Table 1 is ready, have a look.")
    read = message_services.message_send(sender=rita, recipient=colin, body="An older note.")
    message_services.messages_mark_read(user=colin, messages=[read])

    html = page_of(client, colin, "/dashboard/inbox/")
    assert "Table 1 is ready, have a look." in html and "from rita" in html
    assert "An older note." not in html
    assert '<span class="badge">1</span>' in html
    assert "Table 1 is ready" not in page_of(client, rita, "/dashboard/inbox/")  # sent, not received


def test_a_panel_asks_an_expired_session_to_reload_the_page(client, db):
    response = client.get("/dashboard/analyses/")
    assert response.status_code == 401
    assert response["HX-Refresh"] == "true"


def test_unknown_panel_is_a_404(client, rita):
    client.force_login(rita)
    assert client.get("/dashboard/secrets/").status_code == 404


def test_the_navigation_marks_the_current_section(client, rita):
    html = page_of(client, rita, "/datasets/")
    assert '<a href="/datasets/" aria-current="page">Datasets</a>' in html
    assert '<a href="/cohorts/">Cohorts</a>' in html
    assert 'href="/audit/"' not in html  # researchers have no audit page
