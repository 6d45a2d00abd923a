"""Every state-changing endpoint writes an audit record in the request that changes the state.

The URL conf is enumerated: REST views and class-based views declare their methods; plain function
views are asked, with a POST, whether they accept one (405 means no). Every endpoint and method
found that may change state must appear below, either in WRITES (how to call it with valid input as
an authorized user, and the audit action it must record) or in READS (why the method changes
nothing there, which the suite checks too). GraphQL is one URL, so its mutations are enumerated from the
schema and each needs an entry in MUTATIONS. A new endpoint or mutation nobody added here fails
``test_every_state_changing_endpoint_is_covered`` until its author says how to call it.
"""

import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from accounts.models import User
from audit.models import AuditLog, ChainHead
from datasets import services as dataset_services
from graphql_api.schema import schema as graphql_schema

from .conftest import PASSWORD, forget_rate_limits, trial_table

pytestmark = pytest.mark.django_db

STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
# The Django admin records its own changes (audit receivers turn every admin LogEntry into an
# admin.* entry; audit/tests/test_admin.py), and its dozens of generated URLs are Django's.
NOT_ENUMERATED = ("admin/",)
GRAPHQL_ROUTE = "graphql/"
# An address of its own: login rate limits may live in a Redis that parallel tests share.
CLIENT_IP = "192.0.2.20"
NEW_ROWS_CSV = b"arm,age,bmi,stage,time,event\nA,50,24.1,I,3.5,true\nB,61,29.0,II,8.0,false\n"


# --- Enumerating the URL conf ------------------------------------------------------------------


def routes(resolver=None, prefix=""):
    """``(route, callback)`` for every URL pattern, the route being the joined pattern text."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from routes(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def declared_methods(callback):
    """The state-changing methods a REST or class-based view declares; None for a function view."""
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        return None
    allowed = {name.upper() for name in view_class.http_method_names}
    return {method for method in STATE_CHANGING if method in allowed and hasattr(view_class, method.lower())}


def url_for(route, world):
    """A URL for ``route`` whose parameters name the world's objects."""
    values = world.path_values(route)

    def value(match):
        name = match.group(1)
        if name not in values:
            pytest.fail(f"World.path_values() does not know <{name}> of the route {route!r}; teach it.")
        return str(values[name])

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", value, route)


def accepts_post(url, world):
    """Ask a function view whether it takes a POST (an empty one, rolled back whatever it did)."""
    client = Client()
    client.force_login(world.researcher)
    with transaction.atomic():
        status = client.post(url).status_code
        transaction.set_rollback(True)
    return status != 405


def state_changing_endpoints(world):
    found = set()
    for route, callback in routes():
        if route.startswith(NOT_ENUMERATED):
            continue
        methods = declared_methods(callback)
        if methods is None:
            methods = {"POST"} if accepts_post(url_for(route, world), world) else set()
        found |= {(route, method) for method in methods}
    return found


# --- How to call each write --------------------------------------------------------------------


@dataclass(frozen=True)
class Write:
    """``call(client, world, prepared)`` makes the request; ``prepare(world)`` runs first, outside
    what is measured, and returns what the call needs. ``client`` is an API client with the
    researcher's token for /api/ routes and a browser logged in as the researcher for pages;
    ``anonymous`` gives an unauthenticated one instead."""

    action: str
    call: object
    prepare: object = None
    anonymous: bool = False


def another_dataset(world):
    """A dataset nothing else uses (the world's has a cohort, which blocks deleting it)."""
    return dataset_services.dataset_create(world.researcher, name="Scratch", table=trial_table(n=12, seed=3))


def second_version(world):
    table = trial_table(n=30, seed=5)
    dataset_services.dataset_add_version(world.researcher, world.dataset, table=table, note="v2")
    world.dataset.refresh_from_db()
    return world.dataset


def newcomer(world):
    return User.objects.create_user("nina", "nina@example.org", PASSWORD)


def a_csv(name="rows.csv"):
    return SimpleUploadedFile(name, NEW_ROWS_CSV, content_type="text/csv")


WRITES = {
    # accounts
    ("api/auth/register/", "POST"): Write(
        "auth.register",
        lambda c, w, p: c.post(
            "/api/auth/register/",
            {"username": "newbie", "password": PASSWORD, "email": "newbie@example.org"},
            format="json",
        ),
        anonymous=True,
    ),
    ("api/auth/login/", "POST"): Write(
        "auth.login",
        lambda c, w, p: c.post("/api/auth/login/", {"username": "rhea", "password": PASSWORD}, format="json"),
        anonymous=True,
    ),
    ("api/auth/logout/", "POST"): Write("auth.token_revoked", lambda c, w, p: c.post("/api/auth/logout/")),
    ("accounts/login/", "POST"): Write(
        "auth.login",
        lambda c, w, p: c.post("/accounts/login/", {"username": "rhea", "password": PASSWORD}),
        anonymous=True,
    ),
    ("accounts/logout/", "POST"): Write("auth.logout", lambda c, w, p: c.post("/accounts/logout/")),
    ("accounts/signup/", "POST"): Write(
        "auth.register",
        lambda c, w, p: c.post(
            "/accounts/signup/",
            {
                "username": "newbie",
                "email": "newbie@example.org",
                "password": PASSWORD,
                "password_confirm": PASSWORD,
            },
        ),
        anonymous=True,
    ),
    # datasets, REST
    ("api/datasets/", "POST"): Write(
        "dataset.create", lambda c, w, p: c.post("/api/datasets/", {"name": "Upload", "file": a_csv()})
    ),
    ("api/datasets/<int:pk>/", "PATCH"): Write(
        "dataset.update",
        lambda c, w, p: c.patch(f"/api/datasets/{w.dataset.pk}/", {"description": "Edited"}, format="json"),
    ),
    ("api/datasets/<int:pk>/", "DELETE"): Write(
        "dataset.delete", lambda c, w, p: c.delete(f"/api/datasets/{p.pk}/"), prepare=another_dataset
    ),
    ("api/datasets/<int:pk>/versions/", "POST"): Write(
        "dataset.version",
        lambda c, w, p: c.post(
            f"/api/datasets/{w.dataset.pk}/versions/", {"file": a_csv(), "note": "more rows"}
        ),
    ),
    ("api/datasets/<int:pk>/versions/<int:number>/restore/", "POST"): Write(
        "dataset.restore",
        lambda c, w, p: c.post(f"/api/datasets/{p.pk}/versions/1/restore/"),
        prepare=second_version,
    ),
    ("api/datasets/<int:pk>/permissions/", "PUT"): Write(
        "dataset.share",
        lambda c, w, p: c.put(
            f"/api/datasets/{w.dataset.pk}/permissions/",
            {"user": p.username, "permissions": ["view"]},
            format="json",
        ),
        prepare=newcomer,
    ),
    ("api/datasets/<int:pk>/columns/<path:name>/", "PATCH"): Write(
        "dataset.column_edit",
        lambda c, w, p: c.patch(
            f"/api/datasets/{w.dataset.pk}/columns/age/", {"unit": "years"}, format="json"
        ),
    ),
    # datasets, pages
    ("datasets/new/", "POST"): Write(
        "dataset.create", lambda c, w, p: c.post("/datasets/new/", {"name": "Upload", "file": a_csv()})
    ),
    ("datasets/<int:pk>/edit/", "POST"): Write(
        "dataset.update",
        lambda c, w, p: c.post(f"/datasets/{w.dataset.pk}/edit/", {"name": "Trial", "description": "Edited"}),
    ),
    ("datasets/<int:pk>/delete/", "POST"): Write(
        "dataset.delete", lambda c, w, p: c.post(f"/datasets/{p.pk}/delete/"), prepare=another_dataset
    ),
    ("datasets/<int:pk>/versions/new/", "POST"): Write(
        "dataset.version",
        lambda c, w, p: c.post(f"/datasets/{w.dataset.pk}/versions/new/", {"file": a_csv(), "note": "more"}),
    ),
    ("datasets/<int:pk>/versions/<int:number>/restore/", "POST"): Write(
        "dataset.restore",
        lambda c, w, p: c.post(f"/datasets/{p.pk}/versions/1/restore/"),
        prepare=second_version,
    ),
    ("datasets/<int:pk>/sharing/", "POST"): Write(
        "dataset.share",
        lambda c, w, p: c.post(
            f"/datasets/{w.dataset.pk}/sharing/",
            {"kind": "user", "name": p.username, "permissions": ["view"]},
        ),
        prepare=newcomer,
    ),
    ("datasets/<int:pk>/columns/<path:name>/", "POST"): Write(
        "dataset.column_edit",
        lambda c, w, p: c.post(
            f"/datasets/{w.dataset.pk}/columns/age/", {"label": "Age", "unit": "years", "description": ""}
        ),
    ),
    # cohorts
    ("api/cohorts/", "POST"): Write(
        "cohort.create",
        lambda c, w, p: c.post(
            "/api/cohorts/",
            {"dataset": w.dataset.pk, "name": "Arm A", "criteria": 'arm == "A"'},
            format="json",
        ),
    ),
    ("api/cohorts/<int:pk>/", "PATCH"): Write(
        "cohort.update",
        lambda c, w, p: c.patch(f"/api/cohorts/{w.cohort.pk}/", {"name": "Renamed"}, format="json"),
    ),
    ("api/cohorts/<int:pk>/", "DELETE"): Write(
        "cohort.delete", lambda c, w, p: c.delete(f"/api/cohorts/{w.cohort.pk}/")
    ),
    ("api/cohorts/<int:pk>/repin/", "POST"): Write(
        "cohort.repin", lambda c, w, p: c.post(f"/api/cohorts/{w.cohort.pk}/repin/"), prepare=second_version
    ),
    ("cohorts/new/", "POST"): Write(
        "cohort.create",
        lambda c, w, p: c.post(
            "/cohorts/new/",
            {"dataset": w.dataset.pk, "name": "Arm B", "criteria": 'arm == "B"', "members": ""},
        ),
    ),
    ("cohorts/<int:pk>/edit/", "POST"): Write(
        "cohort.update",
        lambda c, w, p: c.post(
            f"/cohorts/{w.cohort.pk}/edit/", {"name": "Renamed", "criteria": "age >= 50", "members": ""}
        ),
    ),
    ("cohorts/<int:pk>/repin/", "POST"): Write(
        "cohort.repin", lambda c, w, p: c.post(f"/cohorts/{w.cohort.pk}/repin/"), prepare=second_version
    ),
    ("cohorts/<int:pk>/delete/", "POST"): Write(
        "cohort.delete", lambda c, w, p: c.post(f"/cohorts/{w.cohort.pk}/delete/")
    ),
    # analyses
    ("api/analyses/", "POST"): Write(
        "analysis.request",
        lambda c, w, p: c.post(
            "/api/analyses/",
            {"cohort": w.cohort.pk, "analysis_type": "descriptive", "parameters": {"variables": ["age"]}},
            format="json",
        ),
    ),
    ("api/analyses/<int:pk>/rerun/", "POST"): Write(
        "analysis.request", lambda c, w, p: c.post(f"/api/analyses/{w.analysis.pk}/rerun/")
    ),
    ("analyses/new/", "POST"): Write(
        "analysis.request",
        lambda c, w, p: c.post(
            f"/analyses/new/?cohort={w.cohort.pk}&analysis_type=descriptive", {"variables": ["age"]}
        ),
    ),
    ("analyses/<int:pk>/rerun/", "POST"): Write(
        "analysis.request", lambda c, w, p: c.post(f"/analyses/{w.analysis.pk}/rerun/")
    ),
    # messaging
    ("api/messages/", "POST"): Write(
        "message.send",
        lambda c, w, p: c.post("/api/messages/", {"recipient": "cole", "body": "Hello"}, format="json"),
    ),
    ("api/messages/<int:pk>/read/", "POST"): Write(
        "message.read", lambda c, w, p: c.post(f"/api/messages/{w.received.pk}/read/")
    ),
    ("messages/new/", "POST"): Write(
        "message.send", lambda c, w, p: c.post("/messages/new/", {"recipient": "cole", "body": "Hello"})
    ),
    ("messages/<int:pk>/", "POST"): Write(
        "message.send", lambda c, w, p: c.post(f"/messages/{w.received.pk}/", {"body": "A reply"})
    ),
    ("messages/<int:pk>/read/", "POST"): Write(
        "message.read", lambda c, w, p: c.post(f"/messages/{w.received.pk}/read/")
    ),
}


@dataclass(frozen=True)
class Read:
    """An endpoint that takes the method but changes nothing; ``test_read_changes_nothing`` holds it
    to that. ``call(client, world)`` makes the request; without one, an empty request is sent."""

    reason: str
    call: object = None


# Plain function views that do not restrict their methods answer a POST as they answer a GET.
RENDERS_AS_GET = "A page without a method restriction: a POST renders it as a GET does."
READS = {
    ("api/cohorts/preview/", "POST"): Read(
        "Counts the rows criteria select and stores nothing (previews are typed live and are not "
        "audited, docs/decisions.md).",
        lambda c, w: c.post(
            "/api/cohorts/preview/", {"dataset": w.dataset.pk, "criteria": "age > 50"}, format="json"
        ),
    ),
    ("accounts/login/", "PUT"): Read(
        "Django's LoginView maps PUT to post(), but Django parses form bodies only for POST: the form "
        "is empty and the page re-renders."
    ),
    **{
        (route, "POST"): Read(RENDERS_AS_GET)
        for route in [
            "",
            "dashboard/<slug:panel>/",
            "healthz",
            "datasets/",
            "datasets/<int:pk>/",
            "datasets/<int:pk>/download/",
            "datasets/<int:pk>/versions/diff/",
            "cohorts/",
            "cohorts/<int:pk>/",
            "analyses/",
            "analyses/<int:pk>/",
            "messages/",
            "messages/sent/",
        ]
    },
}

# Known gaps, each reported for its owner to fix; strict, so fixing one makes its entry fail here.
MISSING_AUDIT = {}

# GraphQL mutations: the action each must record, the document and its variables.
MUTATIONS = {
    "createDataset": (
        "dataset.create",
        'mutation ($rows: Rows!) { createDataset(name: "Over GraphQL", rows: $rows) { id } }',
        lambda w: {"rows": [{"x": 1}, {"x": 2}]},
    ),
    "createCohort": (
        "cohort.create",
        'mutation ($dataset: ID!) { createCohort(dataset: $dataset, name: "Everyone") { id } }',
        lambda w: {"dataset": w.dataset.pk},
    ),
    "requestAnalysis": (
        "analysis.request",
        "mutation ($cohort: ID!, $parameters: JSON) "
        '{ requestAnalysis(cohort: $cohort, analysisType: "descriptive", parameters: $parameters) { id } }',
        lambda w: {"cohort": w.cohort.pk, "parameters": {"variables": ["age"]}},
    ),
    "sendMessage": (
        "message.send",
        'mutation ($to: String) { sendMessage(recipient: $to, body: "Hi") { id } }',
        lambda w: {"to": w.colleague.username},
    ),
}


# --- The checks -------------------------------------------------------------------------------


def test_every_state_changing_endpoint_is_covered(world):
    found = state_changing_endpoints(world) - {(GRAPHQL_ROUTE, "POST")}
    known = set(WRITES) | set(READS)
    uncovered = sorted(found - known)
    assert not uncovered, (
        f"State-changing endpoints without an entry in WRITES (or READS) of {__name__}: {uncovered}. "
        "Add how to call each with valid input and the audit action it records."
    )
    stale = sorted(known - found)
    assert not stale, f"Entries for endpoints that no longer exist or no longer take the method: {stale}"


def test_every_graphql_mutation_is_covered():
    mutation_type = graphql_schema._schema.mutation_type
    names = set(mutation_type.fields) if mutation_type else set()
    assert names == set(MUTATIONS), (
        f"GraphQL mutations without an entry in MUTATIONS: {sorted(names - set(MUTATIONS))}; "
        f"entries for mutations that no longer exist: {sorted(set(MUTATIONS) - names)}"
    )


def client_for(route, world, anonymous=False):
    if route.startswith("api/"):
        client = APIClient(REMOTE_ADDR=CLIENT_IP)
        if not anonymous:
            client.credentials(HTTP_AUTHORIZATION=f"Token {world.token()}")
        return client
    client = Client(REMOTE_ADDR=CLIENT_IP)
    if not anonymous:
        client.force_login(world.researcher)  # records auth.login now, before what is measured
    return client


def new_actions(before):
    return list(AuditLog.objects.filter(pk__gt=before).values_list("action", flat=True))


def last_audit_id():
    return AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def write_params():
    return [
        pytest.param(
            key,
            marks=[pytest.mark.xfail(reason=MISSING_AUDIT[key], strict=True)] if key in MISSING_AUDIT else [],
            id=f"{key[1]} /{key[0]}",
        )
        for key in sorted(WRITES)
    ]


@pytest.mark.parametrize("endpoint", write_params())
def test_write_records_its_audit_entry(endpoint, world):
    route, method = endpoint
    write = WRITES[endpoint]
    forget_rate_limits(world.researcher, ip=CLIENT_IP)
    prepared = write.prepare(world) if write.prepare else None
    client = client_for(route, world, write.anonymous)
    before = last_audit_id()

    response = write.call(client, world, prepared)

    assert response.status_code < 400, (response.status_code, response.content[:500])
    if response.status_code == 200 and not route.startswith("api/"):
        # A page that answers 200 to a form post re-rendered it with errors: nothing was written.
        pytest.fail(f"{method} /{route} re-rendered the form: {response.content[:2000]!r}")
    assert write.action in new_actions(before), f"{method} /{route} recorded {new_actions(before)}"


def row_counts():
    """Rows per table, outside the audit log and the sessions logging in writes."""
    ignored = {AuditLog, ChainHead, Session}
    return {model._meta.label: model.objects.count() for model in apps.get_models() if model not in ignored}


@pytest.mark.parametrize("endpoint", sorted(READS), ids=lambda key: f"{key[1]} /{key[0]}")
def test_read_changes_nothing(endpoint, world):
    route, method = endpoint
    read = READS[endpoint]
    client = client_for(route, world)
    before = row_counts()

    response = read.call(client, world) if read.call else client.generic(method, url_for(route, world))

    assert response.status_code < 300, (response.status_code, response.content[:500])
    assert row_counts() == before


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_mutation_records_its_audit_entry(name, world):
    action, query, variables = MUTATIONS[name]
    forget_rate_limits(world.researcher)
    client = Client()
    client.force_login(world.researcher)
    before = last_audit_id()

    response = client.post(
        "/graphql/", {"query": query, "variables": variables(world)}, content_type="application/json"
    )

    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    assert action in new_actions(before), f"{name} recorded {new_actions(before)}"
