"""One generated permission matrix over every object endpoint of the REST API (matrix.py holds the
table): every endpoint x every subject is its own test, asserting the exact status. Then the lists
and their counts: nobody finds what they may not see, and grantees find exactly what they may.

The world is built once per module and every cell runs in a transaction rolled back afterwards,
so state-changing cells (deletes, new versions, grants) each start from the same fresh objects.
"""

import re

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import transaction
from django.test import override_settings

from audit.models import AuditLog

from .matrix import (
    ENDPOINTS,
    LISTS,
    PAGE_LISTS,
    SUBJECTS,
    build_world,
    findable,
    label,
    named_objects_hidden_from,
)

pytestmark = pytest.mark.django_db

# Cells that expose a bug in a file this suite may not fix: (endpoint, subject) -> reason.
KNOWN_BUGS = {}


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, committed to nothing: built in a transaction rolled back after the module."""
    data_dir = tmp_path_factory.mktemp("matrix-data")
    hashers = [f"{MD5PasswordHasher.__module__}.{MD5PasswordHasher.__name__}"]
    with (
        override_settings(DATA_DIR=data_dir, PASSWORD_HASHERS=hashers),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _isolated_data_dir(matrix):
    """Replaces the suite's per-test blob store: the matrix's blobs live in its module-wide one."""


def _cell(endpoint, subject):
    reason = KNOWN_BUGS.get((endpoint.name, subject))
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(endpoint, subject, id=f"{endpoint.name}[{subject}]", marks=marks)


CELLS = [_cell(endpoint, subject) for endpoint in ENDPOINTS for subject in SUBJECTS]


# A page's CSRF token is masked afresh for every response.
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _refusals(response, absent, real, stand_in):
    """Both bodies, CSRF tokens blanked and, where the refusal names the id it was asked about,
    that id too (then both name theirs: the object's and the stand-in that names nothing)."""
    bodies = [CSRF_TOKEN.sub("<csrf>", r.content.decode()) for r in (response, absent)]
    if str(stand_in) in bodies[1]:
        bodies = [
            re.sub(rf"\b{re.escape(str(value))}\b", "<id>", body)
            for body, value in zip(bodies, (real, stand_in), strict=True)
        ]
    return bodies


@pytest.mark.parametrize(("endpoint", "subject"), CELLS)
def test_cell(matrix, endpoint, subject):
    expect = endpoint.expect(SUBJECTS[subject])
    client = matrix.client(subject, browser=endpoint.page)
    response = endpoint.request(matrix, client)
    assert response.status_code == expect.status, response.content[:500]
    # Whatever the answer, it names nothing the caller may not know of.
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode(errors="replace")
    assert [name for name in named_objects_hidden_from(subject, matrix, endpoint) if name in text] == []
    if SUBJECTS[subject].anonymous and endpoint.page:
        assert response["Location"].startswith("/accounts/login/")
    if expect.status == 403 and not endpoint.page:
        assert expect.detail in response.json()["detail"]
    if expect.status in (400, 404) and not expect.visible:
        # Invisible reads exactly as nonexistent: nothing in the refusal tells them apart.
        absent = endpoint.request(matrix, client, missing=True)
        assert absent.status_code == expect.status
        body, absent_body = _refusals(response, absent, matrix.ids[endpoint.guards], endpoint.stand_in)
        assert body == absent_body


@pytest.mark.parametrize("subject", [name for name, s in SUBJECTS.items() if not s.anonymous])
def test_subject_holds_what_the_table_declares(matrix, subject):
    """The world matches the table: what each subject holds on the dataset, as the API says, and
    who is a member of the cohort (the lapsed member still is, without analyze)."""
    holds = SUBJECTS[subject].holds
    response = matrix.client(subject).get(f"/api/datasets/{matrix.ids['dataset']}/")
    if "view" in holds:
        assert set(response.json()["permissions"]) == holds
    else:
        assert response.status_code == 404
    members = matrix.client("owner").get(f"/api/cohorts/{matrix.ids['cohort']}/").json()["members"]
    assert (matrix.users[subject].username in members) == (SUBJECTS[subject].cohort == "member")


# --- Lists and counts ---------------------------------------------------------------------------


def _all_pages(client, url):
    body = client.get(f"{url}{'&' if '?' in url else '?'}page_size=500").json()
    assert body["next"] is None, "the world fits one page"
    return body


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("subject", SUBJECTS)
def test_list_holds_exactly_what_the_caller_may_find(matrix, url, subject):
    client = matrix.client(subject)
    if SUBJECTS[subject].anonymous:
        assert client.get(url.format(**matrix.ids)).status_code == 401
        return
    body = _all_pages(client, url.format(**matrix.ids))
    expected = {matrix.ids[key] for key in LISTS[url] & findable(subject, url)}
    assert {item["id"] for item in body["results"]} == expected
    assert body["count"] == len(expected)


@pytest.mark.parametrize("url", PAGE_LISTS)
@pytest.mark.parametrize("subject", [name for name, s in SUBJECTS.items() if not s.anonymous])
def test_page_shows_exactly_what_the_caller_may_find(matrix, url, subject):
    page = matrix.client(subject, browser=True).get(url).content.decode()
    for key in PAGE_LISTS[url]:
        name = label(matrix.objects[key])
        assert (name in page) == (key in findable(subject, url)), name


@pytest.mark.parametrize("subject", [name for name, s in SUBJECTS.items() if s.holds and "view" in s.holds])
def test_every_version_is_listed_for_viewers(matrix, subject):
    body = _all_pages(matrix.client(subject), f"/api/datasets/{matrix.ids['dataset']}/versions/")
    assert [item["version"] for item in body["results"]] == [2, 1]
    assert body["count"] == 2


# What each subject owns (for the audit log: others see the entries about what they own).
OWNED = {
    "owner": {"dataset": ("dataset", "bare"), "cohort": ("cohort",), "analysis": ("analysis", "correlation")},
    "stranger": {"dataset": ("own_dataset",), "cohort": ("own_cohort",), "analysis": ("own_analysis",)},
}


@pytest.mark.parametrize("subject", [name for name, s in SUBJECTS.items() if not s.anonymous])
def test_audit_list_holds_only_what_the_caller_may_see(matrix, subject):
    user = matrix.users[subject]
    entries = _all_pages(matrix.client(subject), "/api/audit/")
    about_dataset = _all_pages(
        matrix.client(subject), f"/api/audit/?entity_type=dataset&entity_id={matrix.ids['dataset']}"
    )
    if SUBJECTS[subject].sees_every_dataset:
        assert entries["count"] == AuditLog.objects.count()
        assert about_dataset["count"] > 0
        return
    owned = {("user", str(user.pk))} | {
        (entity_type, str(matrix.ids[key]))
        for entity_type, keys in OWNED.get(subject, {}).items()
        for key in keys
    }
    seen = {(entry["entity_type"], entry["entity_id"]) for entry in entries["results"]}
    foreign = [
        entry
        for entry in entries["results"]
        if entry["actor"] != user.username and (entry["entity_type"], entry["entity_id"]) not in owned
    ]
    assert foreign == []
    assert owned - {("user", str(user.pk))} <= seen, "an owner sees the entries about what they own"
    assert (about_dataset["count"] > 0) == (subject == "owner")


# --- Disclosure control: aggregate-only results without export -----------------------------------


@pytest.mark.parametrize(
    "subject", [name for name, s in SUBJECTS.items() if s.holds and "analyze" in s.holds]
)
def test_results_and_chart_links_follow_disclosure_control(matrix, subject):
    exact = "export" in SUBJECTS[subject].holds
    client = matrix.client(subject)
    results = client.get(f"/api/analyses/{matrix.ids['analysis']}/").json()["results"]
    age = next(row for row in results["tables"]["variables"] if row["variable"] == "age")
    assert results["suppressed"] is not exact
    assert (age["min"] is None, age["max"] is None) == (not exact, not exact)

    correlation = client.get(f"/api/analyses/{matrix.ids['correlation']}/")
    listed = {chart["name"] for chart in correlation.json()["charts"]}
    assert listed == ({matrix.ids["chart"], matrix.ids["points"]} if exact else {matrix.ids["chart"]})
    # Not even a URL: the points chart is named nowhere in what a caller without export gets.
    assert (f"/charts/{matrix.ids['points']}." in correlation.content.decode()) is exact
