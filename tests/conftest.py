"""Fixtures shared by every suite: the test world, signed-in clients, and settings for fast, isolated runs.

The world (tests/world.py) takes a few hundred queries to build, so each test module builds it once,
inside an outer transaction, and every test runs in a savepoint within it (as Django's `TestCase`
does with `setUpTestData`): whatever a test changes is rolled back before the next one, and the
whole world is rolled back when the module ends. Tests that need committed data (the browser tests,
through `live_server`) use `live_world` instead, which builds the world in the test itself.
"""

import os

import pytest
from django.db import connection, transaction
from django.test import Client, override_settings
from hypothesis import settings as hypothesis_settings
from pytest_django.plugin import blocking_manager_key

from tests.world import World, build_world

# pytest-playwright runs an event loop in the test thread; the live server's database calls are sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# No example database on disk: runs are reproducible and leave nothing behind in the working tree.
hypothesis_settings.register_profile("jixiao", database=None, deadline=None, print_blob=True)
hypothesis_settings.load_profile("jixiao")

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Tasks run in the request that enqueues them; passwords hash fast (the password rules are unchanged)."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(request, _module_world, db) -> World:
    """The test world. Objects in it are as built: reload what a test changed (`world.project(key)`)."""
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        raise pytest.UsageError("transactional tests use `live_world`, not `world`")
    return _module_world


@pytest.fixture
def live_world(transactional_db) -> World:
    """The test world, committed, for tests that talk to `live_server` (flushed after the test)."""
    return build_world()


@pytest.fixture
def client_for(world):
    """`client_for("performance")` → a Django test client signed in as that world user."""

    def make(key: str, *, enforce_csrf_checks: bool = False) -> Client:
        c = Client(enforce_csrf_checks=enforce_csrf_checks)
        c.force_login(world.users[key])
        return c

    return make


def _is_transactional(item: pytest.Item) -> bool:
    names = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    return "transactional_db" in names or "live_server" in names or bool(marker and marker.kwargs.get("transaction"))


def _audit_truncate_trigger(config: pytest.Config, state: str) -> None:
    if connection.vendor != "postgresql" or not str(connection.settings_dict["NAME"]).startswith("test_"):
        return
    with config.stash[blocking_manager_key].unblock(), connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE core_auditevent {state} TRIGGER core_auditevent_no_truncate")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """On PostgreSQL the audit table refuses TRUNCATE (migration core 0003), which is how Django empties
    the database after a transactional test: allow it for that flush only, then restore the guard."""
    guard = _is_transactional(item)
    if guard:
        _audit_truncate_trigger(item.config, "DISABLE")
    try:
        return (yield)
    finally:
        if guard:
            _audit_truncate_trigger(item.config, "ENABLE")
