"""Property-based fuzzing of the REST API against its own OpenAPI schema (schemathesis).

Every operation in /api/schema/ is exercised in-process through Django's WSGI application,
authenticated with a researcher's API token, in a world that holds one of everything (a dataset,
a cohort, a finished analysis, messages). Half of the examples point the path parameters and the
ids a body names at those real objects, so the fuzzer reaches the code behind the 404s.

Each response must not be a 5xx and must conform to the schema: its status code is documented,
its content type is a documented one and its body matches the documented shape. New endpoints are
picked up from the schema automatically.

Each example runs inside a savepoint that is rolled back afterwards, so every example starts from
the same world (a DELETE or a logout in one example does not starve the next).
"""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import forget_rate_limits

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# About a minute for the whole API on one core; raise it locally to search deeper.
EXAMPLES_PER_OPERATION = 15

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = WSGIHandler()


@pytest.fixture
def in_process_requests():
    """What Django's test client does too: the request signals would otherwise close the test's
    database connection, and with it the test's transaction, after each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(world):
    return world.token()


def real_body_references(world):
    """Body fields that name other objects, and the world's values for them."""
    return {
        "dataset": world.dataset.pk,
        "cohort": world.cohort.pk,
        "parent": world.received.pk,
        "recipient": world.colleague.username,
        "user": world.colleague.username,
    }


def aim_at_world(case, world):
    for name, value in world.path_values(case.operation.path).items():
        if case.path_parameters and name in case.path_parameters:
            case.path_parameters[name] = value
    if isinstance(case.body, dict):
        for name, value in real_body_references(world).items():
            if name in case.body:
                case.body[name] = value


@schema.parametrize()
@schema.given(aimed=st.booleans())
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_operation_conforms_to_schema(case, aimed, world, token, in_process_requests):
    forget_rate_limits(world.researcher)
    if aimed:
        aim_at_world(case, world)
    with transaction.atomic():
        case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
        transaction.set_rollback(True)
