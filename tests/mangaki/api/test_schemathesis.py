"""Property-based tests of the whole API from its own OpenAPI schema (schemathesis).

Every operation gets a bounded number of generated requests, valid and invalid, once
anonymous and once with a user's token, against the real application (WSGI, in this
process, on the test database). Each response must not be a server error and must
conform to the schema: documented status code, content type, headers and body.
"""

import pytest
import schemathesis.openapi
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mangaki.services.ratings import rating_set
from tests.factories import TagFactory, TaggedWorkFactory, UserFactory, WorkFactory

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = hypothesis_settings(
    max_examples=12,
    deadline=None,
    database=None,  # nothing written to the working tree
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def keep_the_test_connection():
    """Django's WSGI handler closes a connection in a transaction after each request; the test
    database lives in this test's transaction, so keep it open (as Django's test client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(db, settings, keep_the_test_connection):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None, "recommendations": None, "token": None},
    }
    tag = TagFactory(title="Action")
    works = [WorkFactory(title=f"Work {index}", nsfw=index == 3) for index in range(6)]
    for work in works[:3]:
        TaggedWorkFactory(work=work, tag=tag)
    sharer = UserFactory(username="sharer")
    for work in works:
        rating_set(user=sharer, work=work, choice="like")
    return schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture
def token(db):
    user = UserFactory(username="client")
    return Token.objects.create(user=user).key


# schemathesis.pytest.from_fixture relies on a pytest internal that pytest 9 removed, so
# each test walks the operations itself: one Hypothesis run per operation.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "token"])
def test_every_operation_conforms_to_the_schema(api_schema, token, mode, signed_in):
    headers = {"Authorization": f"Token {token}"} if signed_in else {}
    failures, operations = [], 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy(generation_mode=mode))
        @EXAMPLES
        def conforms(case):
            case.call_and_validate(checks=CHECKS, headers=headers)

        try:
            conforms()
        except Unsatisfiable:
            pass  # negative mode: nothing in this operation can be made invalid (no parameters)
        except Exception as failure:  # each operation's failures are reported together below
            failures.append(f"{operation.label}: {failure}")
    assert operations >= 20
    assert not failures, "\n\n".join(failures)
