"""Property-based API testing: every operation in /api/schema/, with valid and invalid input, as a
signed-in 绩效科 user, must never answer with a server error (5xx).

Requests go to the Django WSGI application in-process, in the test's transaction, so they see the
test world. Path ids and body owners are drawn partly from real objects, so that the handlers behind
the 404s are exercised too.
"""

from contextlib import contextmanager

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from jixiao.projects.models import Project

# Per operation and mode. With every stage's endpoints (over a hundred operations) this is the longest
# test; 20 examples still try each operation with valid and invalid bodies, ids and owners.
EXAMPLES = 20


@contextmanager
def connection_kept_open():
    """The WSGI handler closes the database connection around each request when it is not in
    autocommit, which inside the test's transaction would lose it (on PostgreSQL). Django's test
    client does the same as this."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_api_never_answers_with_a_server_error(world, client_for):
    with connection_kept_open():
        run_all_operations(world, client_for)


def run_all_operations(world, client_for) -> None:
    client = client_for("performance")
    token = _get_new_csrf_string()
    headers = {"X-CSRFToken": token}
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": token}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    project_ids = list(Project.objects.values_list("pk", flat=True))
    owner_ids = [world.orgs[k].pk for k in ("c1.unit_a", "c1.dept_a", "c2.unit_a", "c1.performance")]

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 4
    failures: list[str] = []
    seen: dict[str, set[int]] = {}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            )
            @given(
                case=operation.as_strategy(generation_mode=mode),
                real_id=st.sampled_from([None, *project_ids]),
                real_owner=st.sampled_from([None, *owner_ids]),
            )
            def check(case, real_id, real_owner):
                if real_id is not None and "id" in (case.path_parameters or {}):
                    case.path_parameters["id"] = real_id
                if real_owner is not None and isinstance(case.body, dict) and "owner" in case.body:
                    case.body["owner"] = real_owner
                response = case.call(headers=headers, cookies=cookies)
                seen.setdefault(case.operation.label, set()).add(response.status_code)
                case.validate_response(response, checks=[not_a_server_error])

            try:
                check()
            except Exception as exc:  # noqa: BLE001 (collect every failing operation, then report)
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    if failures:
        pytest.fail("\n\n".join(failures))
    # The requests really were signed in and reached the handlers (not a run of 403s).
    assert 200 in seen["GET /api/projects/"], seen
    assert 200 in seen["GET /api/projects/{id}/"], seen
    assert {200, 400} & seen["POST /api/projects/{id}/transition/"], seen
