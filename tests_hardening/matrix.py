"""The permission matrix as data (DESIGN.md "Roles and permissions", "REST API", "Live notifications").

``SUBJECTS`` are the callers: the owner, a user granted exactly one of the six dataset permissions
for each permission (through sharing, which implies view), an analyst with export as well, a holder
of analyze through a group, a cohort member, a member who has since lost analyze, a stranger, a
steward, an admin and an anonymous client. Each declares what it must end up holding, so the world
``build_world`` makes is checked against the declaration, not against the product's own answer.

``ENDPOINTS`` are the object endpoints, each with the rule that decides the status a subject gets:
401 anonymous; 404 for an object the caller may not see (the same answer as for an id nothing has);
403 naming what is missing for an object they see but may not use; the endpoint's 2xx otherwise.
An id named in a request body answers 400 on that field, as for an unknown id (cohorts/api.py).
"""

import re
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User
from analyses import services as analysis_services
from analyses.models import Analysis
from cohorts import services as cohort_services
from datasets import services as dataset_services
from messaging import services as message_services

from .conftest import PASSWORD, forget_rate_limits, run_queued_tasks, trial_table

ALL = frozenset({"view", "analyze", "export", "change", "share", "delete"})
MISSING = 2**31 - 1  # an id no object has (still inside a 32-bit key column)
NO_CHART = "no-such-chart"


@dataclass(frozen=True)
class Subject:
    """A caller and its relations. ``holds``: the dataset permissions it must end up holding on the
    matrix datasets (None: anonymous). ``grant`` is shared to it by the owner, ``group_grant`` to a
    group it belongs to; ``revoked`` takes its grant back after the cohort is made."""

    holds: frozenset | None
    role: str = User.Role.RESEARCHER
    grant: tuple = ()
    group_grant: tuple = ()
    revoked: bool = False
    cohort: str = ""  # "creator" or "member" of the matrix cohort
    message: str = ""  # "sender" or "recipient" of the matrix message
    owns_others: bool = False  # the stranger: owns a dataset, cohort and analysis of their own

    @property
    def anonymous(self):
        return self.holds is None

    @property
    def sees_every_dataset(self):
        return self.role in (User.Role.STEWARD, User.Role.ADMIN)


def _only(perm):
    return Subject(holds=frozenset({"view", perm}), grant=(perm,))


# The stranger writes to this subject, who thus finds the stranger's message in their inbox.
STRANGERS_CORRESPONDENT = "steward"

SUBJECTS = {
    "anonymous": Subject(holds=None),
    "owner": Subject(holds=ALL, cohort="creator", message="sender"),
    **{f"{perm}-only": _only(perm) for perm in ("view", "analyze", "export", "change", "share", "delete")},
    "analyze+export": Subject(holds=frozenset({"view", "analyze", "export"}), grant=("analyze", "export")),
    "group-analyst": Subject(holds=frozenset({"view", "analyze"}), group_grant=("analyze",)),
    "member": Subject(
        holds=frozenset({"view", "analyze"}), grant=("analyze",), cohort="member", message="recipient"
    ),
    "lapsed-member": Subject(holds=frozenset(), grant=("analyze",), revoked=True, cohort="member"),
    "stranger": Subject(holds=frozenset(), owns_others=True),
    # Roles (datasets/permissions.py): stewards see every dataset and manage sharing; admins may also
    # edit and delete. Neither reads rows or analyses without a grant.
    "steward": Subject(holds=frozenset({"view", "share"}), role=User.Role.STEWARD),
    "admin": Subject(holds=frozenset({"view", "change", "share", "delete"}), role=User.Role.ADMIN),
}


# --- The world ---------------------------------------------------------------------------------


@dataclass
class MatrixWorld:
    users: dict  # subject name -> User (no entry for anonymous)
    tokens: dict  # subject name -> API token key
    ids: dict  # what URL and body templates name: dataset, bare, cohort, analysis, ...
    objects: dict = field(default_factory=dict)  # the model instances, by the same names

    def client(self, subject, *, browser=False):
        """An API client with the subject's token, or a ``browser`` logged in as the subject."""
        if browser:
            client = Client()
            if subject in self.users:
                client.force_login(self.users[subject])
            return client
        client = APIClient()
        if subject in self.tokens:
            client.credentials(HTTP_AUTHORIZATION=f"Token {self.tokens[subject]}")
        return client


def username(subject):
    return subject.replace("+", "-plus-")


def _succeeded(analysis):
    analysis.refresh_from_db()
    assert analysis.status == Analysis.Status.SUCCEEDED, analysis.error
    return analysis


def build_world():
    """Every subject with its grants, and one of each object: the matrix dataset (two versions, a
    cohort with members, a descriptive and a correlation analysis, a message about it), a bare
    dataset with the same grants and no cohort (to be deleted), and the stranger's own dataset,
    cohort, analysis and message, which nobody else but stewards and admins may see."""
    users = {
        name: User.objects.create_user(username(name), f"{username(name)}@example.org", PASSWORD, role=s.role)
        for name, s in SUBJECTS.items()
        if not s.anonymous
    }
    owner, stranger = users["owner"], users["stranger"]
    bystander = User.objects.create_user("bystander", "bystander@example.org", PASSWORD)
    analysts = Group.objects.create(name="matrix-analysts")

    dataset = dataset_services.dataset_create(owner, name="Matrix trial", table=trial_table(n=40, seed=1))
    dataset_services.dataset_add_version(owner, dataset, table=trial_table(n=40, seed=2), note="v2")
    bare = dataset_services.dataset_create(owner, name="Matrix bare", table=trial_table(n=12, seed=4))
    for name, subject in SUBJECTS.items():
        if subject.group_grant:
            users[name].groups.add(analysts)
        for target in (dataset, bare):
            if subject.grant:
                dataset_services.dataset_share(owner, target, users[name], list(subject.grant))
            if subject.group_grant:
                dataset_services.dataset_share(owner, target, analysts, list(subject.group_grant))

    members = [username(name) for name, s in SUBJECTS.items() if s.cohort == "member"]
    cohort = cohort_services.cohort_create(
        owner, dataset, name="Matrix cohort", criteria="age >= 35", members=members
    )
    for name, subject in SUBJECTS.items():
        if subject.revoked:
            for target in (dataset, bare):
                dataset_services.dataset_share(owner, target, users[name], [])

    descriptive = analysis_services.analysis_request(
        user=owner, cohort=cohort, analysis_type="descriptive", parameters={"variables": ["age", "stage"]}
    )
    correlation = analysis_services.analysis_request(
        user=owner,
        cohort=cohort,
        analysis_type="correlation",
        parameters={"variables": ["age", "bmi"], "method": "pearson"},
    )
    own = dataset_services.dataset_create(stranger, name="Private notes", table=trial_table(n=12, seed=9))
    own_cohort = cohort_services.cohort_create(stranger, own, name="Private cohort")
    own_analysis = analysis_services.analysis_request(
        user=stranger, cohort=own_cohort, analysis_type="descriptive", parameters={"variables": ["age"]}
    )
    run_queued_tasks()
    descriptive, correlation, own_analysis = map(_succeeded, (descriptive, correlation, own_analysis))
    charts = {bool(chart["spec"].get("individual_points")): chart["name"] for chart in correlation.charts}

    forget_rate_limits(*users.values())
    recipient = next(users[name] for name, s in SUBJECTS.items() if s.message == "recipient")
    message = message_services.message_send(
        sender=owner,
        recipient=recipient,
        body="Cohort ready for review",
        context_type="dataset",
        context_id=dataset.pk,
    )
    own_message = message_services.message_send(
        sender=stranger, recipient=users[STRANGERS_CORRESPONDENT], body="A private word"
    )

    objects = {
        "dataset": dataset,
        "bare": bare,
        "cohort": cohort,
        "analysis": descriptive,
        "correlation": correlation,
        "message": message,
        "own_dataset": own,
        "own_cohort": own_cohort,
        "own_analysis": own_analysis,
        "own_message": own_message,
        "bystander": bystander,
    }
    ids = {name: obj.pk for name, obj in objects.items()}
    ids |= {"chart": charts[False], "points": charts[True], "bystander": bystander.username}
    tokens = {name: AuthToken.objects.create(user)[1] for name, user in users.items()}
    return MatrixWorld(users=users, tokens=tokens, ids=ids, objects=objects)


# --- Rules: the status a subject gets --------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    status: int
    detail: str = ""  # a 403's detail must contain this
    # A 404 or 400 is about an object the caller may not see, unless said otherwise: then it must
    # read exactly as the answer about an object that does not exist.
    visible: bool = False


def dataset_rule(perm, ok):
    """An endpoint on a dataset needing ``perm``."""

    def rule(subject):
        if "view" not in subject.holds:
            return Expect(404)
        return Expect(ok) if perm in subject.holds else Expect(403, f"'{perm}'")

    return rule


def dataset_in_body_rule(ok):
    """A request naming the dataset in its body to define cohorts on it (analyze)."""

    def rule(subject):
        if "view" not in subject.holds:
            return Expect(400)
        return Expect(ok) if "analyze" in subject.holds else Expect(403, "'analyze'")

    return rule


def cohort_rule(need, ok):
    """An endpoint on the cohort: seeing it needs analyze now; "edit" also needs to be its creator or
    a member, "manage" its creator (DESIGN.md; cohorts/selectors.py)."""
    allowed = {None: ("creator", "member", ""), "edit": ("creator", "member"), "manage": ("creator",)}[need]

    def rule(subject):
        if "analyze" not in subject.holds:
            return Expect(404)
        return Expect(ok) if subject.cohort in allowed else Expect(403, "creator")

    return rule


def cohort_in_body_rule(ok):
    def rule(subject):
        return Expect(ok) if "analyze" in subject.holds else Expect(400)

    return rule


def analysis_rule(ok, *, points=False):
    """An analysis is visible exactly when its cohort is; a chart of individual points exists only
    for holders of export (DESIGN.md "Disclosure control")."""

    def rule(subject):
        visible = "analyze" in subject.holds and (not points or "export" in subject.holds)
        return Expect(ok) if visible else Expect(404)

    return rule


def message_rule(ok, roles=("sender", "recipient"), refused=404):
    """A message is visible to its sender and recipient only; only the recipient marks it read (the
    sender, who sees it, gets a 404 too: messaging's decision, messaging/tests/test_api.py)."""

    def rule(subject):
        if subject.message in roles:
            return Expect(ok)
        return Expect(refused, visible=subject.message in ("sender", "recipient"))

    return rule


def admin_rule(subject):
    return Expect(200) if subject.role == User.Role.ADMIN else Expect(404)


def steward_rule(subject):
    """The audit page: stewards and admins (who count as stewards); a 404 for everyone else."""
    return Expect(200) if subject.sees_every_dataset else Expect(404)


@dataclass(frozen=True)
class Endpoint:
    """``path`` and ``body`` name objects by ``{key}`` of ``MatrixWorld.ids``; ``guards`` is the key
    whose object the rule decides about: replaced by an id nothing has, a refusal must read the same."""

    name: str
    method: str
    path: str
    rule: object
    guards: str
    body: dict | None = None
    # The audit log itself: stewards and admins read all of it (DESIGN.md), summaries naming
    # cohorts they may not open included.
    whole_log: bool = False

    @property
    def page(self):
        """A browser page rather than the REST API: session login, anonymous is sent to log in."""
        return not self.path.startswith("/api/")

    @property
    def stand_in(self):
        """What names no object in place of ``guards``: a chart name or an id nothing has."""
        return NO_CHART if self.guards in ("chart", "points") else MISSING

    def request(self, world, client, *, missing=False):
        """Call the endpoint; ``missing`` names ``stand_in`` in place of the object it guards."""
        ids = world.ids | ({self.guards: self.stand_in} if missing else {})
        call = getattr(client, self.method.lower())
        if self.body is None:
            return call(self.path.format(**ids))
        return call(self.path.format(**ids), _fill(self.body, ids), format="json")

    def expect(self, subject):
        if subject.anonymous:
            return Expect(302 if self.page else 401)
        return self.rule(subject)


def _fill(template, ids):
    """``template`` with every ``"{key}"`` string replaced by that id (its type kept)."""
    if isinstance(template, dict):
        return {key: _fill(value, ids) for key, value in template.items()}
    if isinstance(template, list):
        return [_fill(value, ids) for value in template]
    if isinstance(template, str) and re.fullmatch(r"\{\w+\}", template):
        return ids[template[1:-1]]
    return template


D = "/api/datasets/{dataset}/"
NEW_ROWS = [{"arm": "A", "age": 50, "bmi": 24.1, "stage": "I", "time": 3.5, "event": True}] * 6

ENDPOINTS = [
    # datasets
    Endpoint("dataset.retrieve", "GET", D, dataset_rule("view", 200), "dataset"),
    Endpoint("dataset.update", "PATCH", D, dataset_rule("change", 200), "dataset", {"description": "Edited"}),
    Endpoint("dataset.delete", "DELETE", "/api/datasets/{bare}/", dataset_rule("delete", 204), "bare"),
    # Cohorts still use the matrix dataset: a holder of delete is told so (the kind, never which ones).
    Endpoint("dataset.delete-in-use", "DELETE", D, dataset_rule("delete", 409), "dataset"),
    Endpoint("versions.list", "GET", D + "versions/", dataset_rule("view", 200), "dataset"),
    Endpoint("versions.diff", "GET", D + "versions/diff/?from=1&to=2", dataset_rule("view", 200), "dataset"),
    Endpoint(
        "versions.create",
        "POST",
        D + "versions/",
        dataset_rule("change", 201),
        "dataset",
        {"data": NEW_ROWS, "note": "v3"},
    ),
    Endpoint("versions.restore", "POST", D + "versions/1/restore/", dataset_rule("change", 201), "dataset"),
    Endpoint("preview", "GET", D + "preview/?limit=5", dataset_rule("export", 200), "dataset"),
    Endpoint("data", "GET", D + "data/?format=csv", dataset_rule("export", 200), "dataset"),
    Endpoint("permissions.read", "GET", D + "permissions/", dataset_rule("share", 200), "dataset"),
    Endpoint(
        "permissions.set",
        "PUT",
        D + "permissions/",
        dataset_rule("share", 200),
        "dataset",
        {"user": "{bystander}", "permissions": ["view"]},
    ),
    Endpoint(
        "columns.update",
        "PATCH",
        D + "columns/age/",
        dataset_rule("change", 200),
        "dataset",
        {"unit": "years"},
    ),
    # cohorts
    Endpoint(
        "cohorts.preview",
        "POST",
        "/api/cohorts/preview/",
        dataset_in_body_rule(200),
        "dataset",
        {"dataset": "{dataset}", "criteria": "age > 50"},
    ),
    Endpoint(
        "cohorts.create",
        "POST",
        "/api/cohorts/",
        dataset_in_body_rule(201),
        "dataset",
        {"dataset": "{dataset}", "name": "Everyone", "criteria": ""},
    ),
    Endpoint("cohort.retrieve", "GET", "/api/cohorts/{cohort}/", cohort_rule(None, 200), "cohort"),
    Endpoint(
        "cohort.update",
        "PATCH",
        "/api/cohorts/{cohort}/",
        cohort_rule("edit", 200),
        "cohort",
        {"name": "Renamed"},
    ),
    Endpoint("cohort.repin", "POST", "/api/cohorts/{cohort}/repin/", cohort_rule("edit", 200), "cohort"),
    Endpoint("cohort.delete", "DELETE", "/api/cohorts/{cohort}/", cohort_rule("manage", 204), "cohort"),
    # analyses, their tables, charts and reruns
    Endpoint(
        "analyses.create",
        "POST",
        "/api/analyses/",
        cohort_in_body_rule(202),
        "cohort",
        {"cohort": "{cohort}", "analysis_type": "descriptive", "parameters": {"variables": ["age"]}},
    ),
    Endpoint("analysis.retrieve", "GET", "/api/analyses/{analysis}/", analysis_rule(200), "analysis"),
    Endpoint("analysis.rerun", "POST", "/api/analyses/{analysis}/rerun/", analysis_rule(202), "analysis"),
    Endpoint(
        "analysis.table",
        "GET",
        "/api/analyses/{analysis}/tables/variables.csv",
        analysis_rule(200),
        "analysis",
    ),
    Endpoint(
        "chart.aggregate",
        "GET",
        "/api/analyses/{correlation}/charts/{chart}.png",
        analysis_rule(200),
        "chart",
    ),
    Endpoint(
        "chart.points",
        "GET",
        "/api/analyses/{correlation}/charts/{points}.svg",
        analysis_rule(200, points=True),
        "points",
    ),
    # messages
    Endpoint("message.retrieve", "GET", "/api/messages/{message}/", message_rule(200), "message"),
    Endpoint(
        "message.read", "POST", "/api/messages/{message}/read/", message_rule(200, ("recipient",)), "message"
    ),
    Endpoint(
        "message.reply",
        "POST",
        "/api/messages/",
        message_rule(201, refused=400),
        "message",
        {"parent": "{message}", "body": "Thanks."},
    ),
    # audit
    Endpoint("audit.verify", "GET", "/api/audit/verify/", admin_rule, "dataset"),
    # The browser pages of the same objects (a refused page is a plain 403 page; a done POST redirects)
    Endpoint("page:dataset", "GET", "/datasets/{dataset}/", dataset_rule("view", 200), "dataset"),
    Endpoint(
        "page:diff",
        "GET",
        "/datasets/{dataset}/versions/diff/?from_version=1&to_version=2",
        dataset_rule("view", 200),
        "dataset",
    ),
    Endpoint("page:download", "GET", "/datasets/{dataset}/download/", dataset_rule("export", 200), "dataset"),
    Endpoint("page:dataset.delete", "POST", "/datasets/{bare}/delete/", dataset_rule("delete", 302), "bare"),
    Endpoint("page:cohort", "GET", "/cohorts/{cohort}/", cohort_rule(None, 200), "cohort"),
    Endpoint("page:cohort.delete", "POST", "/cohorts/{cohort}/delete/", cohort_rule("manage", 302), "cohort"),
    Endpoint("page:analysis", "GET", "/analyses/{analysis}/", analysis_rule(200), "analysis"),
    Endpoint("page:rerun", "POST", "/analyses/{analysis}/rerun/", analysis_rule(302), "analysis"),
    Endpoint("page:message", "GET", "/messages/{message}/", message_rule(200), "message"),
    Endpoint("page:audit", "GET", "/audit/", steward_rule, "dataset", whole_log=True),
]


# --- Lists ------------------------------------------------------------------------------------------

# List URL -> the objects (keys of ``MatrixWorld.ids``) it could ever hold; messages by box.
LISTS = {
    "/api/datasets/": {"dataset", "bare", "own_dataset"},
    "/api/datasets/?search=Matrix": {"dataset", "bare"},
    "/api/datasets/?search=Private": {"own_dataset"},
    "/api/cohorts/": {"cohort", "own_cohort"},
    "/api/cohorts/?dataset={dataset}": {"cohort"},
    "/api/cohorts/?dataset={own_dataset}": {"own_cohort"},
    "/api/analyses/": {"analysis", "correlation", "own_analysis"},
    "/api/analyses/?cohort={cohort}": {"analysis", "correlation"},
    "/api/analyses/?cohort={own_cohort}": {"own_analysis"},
    "/api/messages/?box=inbox": {"message", "own_message"},
    "/api/messages/?box=sent": {"message", "own_message"},
}

# Page -> the objects it could ever show, by name (datasets, cohorts) or body (messages).
PAGE_LISTS = {
    "/": {"dataset", "bare", "own_dataset"},
    "/datasets/": {"dataset", "bare", "own_dataset"},
    "/cohorts/": {"cohort", "own_cohort"},
    "/messages/": {"message", "own_message"},
    "/messages/sent/": {"message", "own_message"},
}


def label(obj):
    """What a page or a response would show of an object: a dataset's or cohort's name, a message's body."""
    return getattr(obj, "name", None) or obj.body


def named_objects_hidden_from(subject, world, endpoint):
    """The labels of the world's named objects ``subject`` may not learn of from ``endpoint``."""
    if endpoint.whole_log and SUBJECTS[subject].sees_every_dataset:
        return set()
    keys = set().union(*PAGE_LISTS.values())
    known = set() if SUBJECTS[subject].anonymous else findable(subject, "inbox") | findable(subject, "sent")
    return {label(world.objects[key]) for key in keys - known}


def findable(subject, url):
    """The objects ``subject`` may find in lists, as the table declares them (messages in the box
    ``url`` shows: sent or the inbox)."""
    s = SUBJECTS[subject]
    keys = set()
    if "view" in s.holds:
        keys |= {"dataset", "bare"}
    if "analyze" in s.holds:
        keys |= {"cohort", "analysis", "correlation"}
    if s.sees_every_dataset:
        keys.add("own_dataset")
    box = "sent" if "sent" in url else "inbox"
    if s.owns_others:
        keys |= {"own_dataset", "own_cohort", "own_analysis"} | ({"own_message"} if box == "sent" else set())
    if subject == STRANGERS_CORRESPONDENT and box == "inbox":
        keys.add("own_message")
    if s.message == {"sent": "sender", "inbox": "recipient"}[box]:
        keys.add("message")
    return keys
