"""Login and session security (等保 level 3, docs/configuration.md): lockout, uniform errors, password rules,
idle timeout, logout, response headers and CSRF."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import jixiao.settings as project_settings
from jixiao.core.errors import DomainError
from jixiao.core.models import AuditEvent
from jixiao.orgs import services as org_services
from jixiao.projects.models import Project
from tests.test_projects import new_form

LOCKED = "登录失败次数过多，账号或地址已被临时锁定"


def login(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def login_error(response) -> str:
    match = re.search(r'<div class="alert alert-danger" role="alert">(.*?)</div>', response.text, re.S)
    assert match, response.text[:500]
    return match.group(1).strip()


def signed_in(client: Client) -> bool:
    return client.get(reverse("projects:list")).status_code == 200


# --- Login and lockout --------------------------------------------------------------------------------


def test_login_through_the_form(world):
    client = Client()
    r = login(client, "t_performance", world.password)
    assert r.status_code == 302
    assert r["Location"] == reverse("home")
    assert signed_in(client)


def test_five_failures_lock_the_account_even_for_the_right_password(world):
    client = Client()
    for _ in range(4):
        r = login(client, "t_performance", "wrong-password-1")
        assert r.status_code == 200
        assert not signed_in(client)
    fifth = login(client, "t_performance", "wrong-password-1")
    assert LOCKED in fifth.text
    sixth = login(client, "t_performance", world.password)
    assert sixth.status_code != 302
    assert LOCKED in sixth.text
    assert not signed_in(client)


def test_the_lock_holds_from_another_address(world):
    for _ in range(5):
        login(Client(REMOTE_ADDR="10.0.0.1"), "t_performance", "wrong-password-1")
    r = login(Client(REMOTE_ADDR="10.0.0.2"), "t_performance", world.password)
    assert LOCKED in r.text


def test_behind_a_proxy_each_client_is_locked_by_its_own_address(world, settings):
    settings.JIXIAO_PROXY_COUNT = 1

    def through_proxy(client_address: str) -> Client:
        # The proxy connects from 10.0.0.1 and appends the address it was reached from.
        return Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=client_address)

    for n in range(5):  # a different account each time: only the address collects the failures
        login(through_proxy("203.0.113.7"), f"t_guess{n}", "wrong-password-1")
    # What the client itself claims (the left part of the header) does not get it out of the lock.
    assert LOCKED in login(through_proxy("192.0.2.1, 203.0.113.7"), "t_budget", world.password).text
    # Another client behind the same proxy is not locked out, and the audit log names its address.
    assert login(through_proxy("203.0.113.8"), "t_budget", world.password).status_code == 302
    assert AuditEvent.objects.filter(action="auth.login").latest("id").ip == "203.0.113.8"


def test_without_a_proxy_the_forwarded_header_is_ignored(world):
    for n in range(5):
        login(Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"), f"t_guess{n}", "x")
    assert LOCKED in login(Client(REMOTE_ADDR="10.0.0.5"), "t_budget", world.password).text


def test_a_success_before_the_limit_resets_the_count(world):
    client = Client()
    for _ in range(4):
        login(client, "t_budget", "wrong-password-1")
    assert login(client, "t_budget", world.password).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        login(client, "t_budget", "wrong-password-1")
    assert login(client, "t_budget", world.password).status_code == 302


def test_lockout_settings():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == timedelta(minutes=15)
    assert set(settings.AXES_LOCKOUT_PARAMETERS) == {"username", "ip_address"}
    assert settings.AXES_RESET_ON_SUCCESS is True


def test_unknown_user_and_wrong_password_get_the_same_answer(world):
    unknown = login(Client(REMOTE_ADDR="10.0.0.3"), "t_nobody", "wrong-password-1")
    wrong = login(Client(REMOTE_ADDR="10.0.0.4"), "t_performance", "wrong-password-1")
    assert unknown.status_code == wrong.status_code == 200
    assert login_error(unknown) == login_error(wrong)
    assert re.search(r"[\u4e00-\u9fff]", login_error(wrong)), "the message is in Chinese"


def test_inactive_user_cannot_sign_in(world):
    user = world.users["unit"]
    user.is_active = False
    user.save()
    r = login(Client(), "t_unit", world.password)
    assert r.status_code == 200
    assert login_error(r) == login_error(login(Client(REMOTE_ADDR="10.0.0.9"), "t_unit", "wrong-password-1"))


# --- Password rules ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password", "reason"),
    [
        ("zhangsan", "12345678", "数字"),
        ("zhangsan", "abcdefgh", "至少2类"),
        ("zhangsan", "Ab1!xyz", "8"),
        ("wangwu2026", "wangwu2026", "用户名"),
        ("zhangsan", "password1", "常见"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(db, username, password, reason):
    with pytest.raises(DomainError) as exc:
        org_services.create_user(actor=None, username=username, password=password)
    assert exc.value.field == "password"
    assert reason in exc.value.message


def test_a_long_passphrase_is_accepted(db):
    phrase = ("correct horse battery staple " * 3)[:64]
    assert len(phrase) == 64
    user = org_services.create_user(actor=None, username="lisi", password=phrase)
    assert user.check_password(phrase)


def test_production_hashes_with_argon2():
    # The tests hash with MD5 for speed; the project's own setting is argon2 first.
    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


# --- Session: idle timeout and logout -----------------------------------------------------------------------


def test_idle_timeout_is_15_minutes_and_sliding():
    assert settings.SESSION_COOKIE_AGE == 15 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


def _session(client: Client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_each_request_extends_the_session(world, client_for):
    client = client_for("performance")
    session = _session(client)
    # Fourteen minutes idle: one minute left.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + timedelta(minutes=1))
    assert client.get(reverse("projects:list")).status_code == 200
    assert _session(client).expire_date - timezone.now() > timedelta(minutes=14)


def test_an_idle_session_ends(world, client_for):
    client = client_for("performance")
    Session.objects.filter(pk=_session(client).pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    r = client.get(reverse("projects:list"))
    assert r.status_code == 302
    assert r["Location"].startswith(reverse("login"))


def test_logout_ends_the_session(world, client_for):
    client = client_for("performance")
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    project = world.project("c1.unit_a.P1")
    page = client.get(reverse("projects:detail", args=[project.pk]))
    assert "no-store" in page["Cache-Control"]  # the browser keeps no copy to show on "back"

    assert client.get(reverse("logout")).status_code == 405  # logout is a POST (a link cannot log you out)
    r = client.post(reverse("logout"))
    assert r.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    for url in (reverse("projects:list"), reverse("projects:detail", args=[project.pk])):
        r = client.get(url)
        assert r.status_code == 302
        assert r["Location"].startswith(reverse("login"))
    # The old cookie, replayed, is worth nothing.
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = key
    assert replay.get(reverse("projects:list")).status_code == 302
    assert replay.get("/api/projects/").status_code == 403


# --- Response headers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/projects/", "/projects/new/", "/api/projects/", "/projects/export.xlsx"])
def test_authenticated_responses_are_not_cached(world, client_for, path):
    r = client_for("performance").get(path)
    assert r.status_code == 200
    assert "no-store" in r["Cache-Control"]


@pytest.mark.parametrize("path", ["/accounts/login/", "/projects/"])
def test_security_headers(world, client_for, path):
    r = client_for("performance").get(path) if path == "/projects/" else Client().get(path)
    assert r.status_code == 200
    csp = r["Content-Security-Policy"]
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", csp)
    assert nonce, csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    # Every script in the page carries this response's nonce; there are no inline scripts without it.
    scripts = re.findall(r"<script\b[^>]*>", r.text)
    assert scripts
    for tag in scripts:
        assert f'nonce="{nonce.group(1)}"' in tag or 'type="application/json"' in tag, tag
    assert r["X-Frame-Options"] == "DENY"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Referrer-Policy"] == "same-origin"


def test_the_nonce_changes_with_every_response(world, client_for):
    client = client_for("performance")
    first = client.get("/projects/")["Content-Security-Policy"]
    second = client.get("/projects/")["Content-Security-Policy"]
    assert first != second


# --- CSRF -------------------------------------------------------------------------------------------------------------


@pytest.fixture
def csrf_client(client_for):
    return client_for("performance", enforce_csrf_checks=True)


def test_web_forms_need_the_csrf_token(world, csrf_client):
    r = csrf_client.post(reverse("projects:create"), new_form(world))
    assert r.status_code == 403
    project = world.project("c1.unit_a.P1")
    assert csrf_client.post(reverse("projects:transition", args=[project.pk]), {"action": "submit"}).status_code == 403
    assert world.project("c1.unit_a.P1").status == Project.Status.DRAFT
    assert not Project.objects.filter(code="ZY-2026-001").exists()

    # The same forms with the token from the page work.
    csrf_client.get(reverse("projects:create"))
    token = csrf_client.cookies[settings.CSRF_COOKIE_NAME].value
    r = csrf_client.post(reverse("projects:create"), {**new_form(world), "csrfmiddlewaretoken": token})
    assert r.status_code == 302
    assert Project.objects.filter(code="ZY-2026-001").exists()


def test_login_form_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    assert login(client, "t_performance", world.password).status_code == 403
    client.get(reverse("login"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    r = client.post(
        reverse("login"), {"username": "t_performance", "password": world.password, "csrfmiddlewaretoken": token}
    )
    assert r.status_code == 302


def test_session_api_writes_need_the_csrf_token(world, csrf_client):
    from tests.test_api import payload

    r = csrf_client.post("/api/projects/", payload(world), content_type="application/json")
    assert r.status_code == 403
    assert "CSRF" in r.json()["detail"]
    project = world.project("c1.unit_a.P1")
    r = csrf_client.post(
        f"/api/projects/{project.pk}/transition/", {"action": "submit"}, content_type="application/json"
    )
    assert r.status_code == 403
    # Reading needs no token.
    assert csrf_client.get("/api/projects/").status_code == 200

    csrf_client.get(reverse("projects:list"))
    token = csrf_client.cookies[settings.CSRF_COOKIE_NAME].value
    r = csrf_client.post(
        "/api/projects/", payload(world), content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert r.status_code == 201


def test_anonymous_api_is_refused(world):
    assert Client().get("/api/projects/").status_code == 403
    assert Client().post("/api/projects/", {}, content_type="application/json").status_code == 403
