import pytest
from django.core.cache import cache
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from accounts.models import User
from messaging import contexts
from messaging.servers import Site


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _forget_send_budget(user):
    # Only this user's key: clearing a shared Redis cache would disturb other tests.
    cache.delete(ScopedRateThrottle.cache_format % {"scope": "messages", "ident": user.pk})


@pytest.fixture
def make_user(db):
    created = []

    def make(username, **fields):
        user = User.objects.create_user(
            username, f"{username}@example.org", "Plain-sturdy-horse-42", **fields
        )
        _forget_send_budget(user)
        created.append(user)
        return user

    yield make
    for user in created:
        _forget_send_budget(user)


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


@pytest.fixture
def carol(make_user):
    return make_user("carol")


@pytest.fixture
def api_as():
    """An APIClient authenticated as ``user``."""

    def client_for(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture
def token_for():
    """A real knox API token (stored hashed, with expiry) for ``user``; returns the key."""

    def create(user, **kwargs):
        return AuthToken.objects.create(user, **kwargs)[1]

    return create


@pytest.fixture
def cohort_context():
    """A stand-in ``cohort`` context type, as the cohorts app will register: the test says
    who may see which cohort id (``cohort_context[id] = {user ids}``). The registry is
    restored afterwards."""
    saved = dict(contexts._registry)
    # Alone in the registry, so the tests do not depend on which apps have registered theirs.
    contexts._registry.clear()
    visible = {}  # object id -> set of user ids
    contexts.register_context(
        "cohort",
        can_see=lambda user, pk: user.pk in visible.get(pk, set()),
        url=lambda pk: f"/cohorts/{pk}/",
    )
    yield visible
    contexts._registry.clear()
    contexts._registry.update(saved)


@pytest.fixture(scope="session")
def _migrated_site(tmp_path_factory):
    return Site(tmp_path_factory.mktemp("site-template") / "site").migrate()


@pytest.fixture
def live_site(_migrated_site, tmp_path):
    """A fresh, migrated Biostat site for real ``manage.py serve`` processes:
    ``live_site(redis_url=..., env=...)``."""

    def make(**kwargs):
        return _migrated_site.copy(tmp_path / "site", **kwargs)

    return make
