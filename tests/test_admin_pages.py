"""Pages of the 三员 and of rule configuration: each works for its role and answers 403 to every other.

The world (tests/world.py) has one user per role in 中阳县 (c1); the 三员 sit in 中阳县财政局.
None of the administrators can do another's job, and none of them sees business data.
"""

from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from jixiao.core.models import AuditEvent
from jixiao.orgs import admin_selectors, services
from jixiao.orgs.models import Membership, User
from jixiao.orgs.roles import Role

ROLE_KEYS = [r.value for r in Role]
PAGES = {
    "rules": {"performance", "budget", "sector", "review_center", "congress", "audit"},
    "users": {"sysadmin"},
    "security": {"secadmin"},
    "audit": {"auditadmin"},
}
STRONG = "Zhongyang-2026"


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("who", ROLE_KEYS)
def test_each_page_answers_its_roles_and_refuses_the_others(world, client_for, page, who):
    response = client_for(who).get(reverse(page))
    assert response.status_code == (200 if who in PAGES[page] else 403)


@pytest.mark.parametrize(
    ("name", "args", "allowed"),
    [
        ("user-create", [], "sysadmin"),
        ("user-grant", [], "sysadmin"),
        ("user-deactivate", ["unit"], "sysadmin"),
        ("security-unlock", [], "secadmin"),
    ],
)
@pytest.mark.parametrize("who", ["performance", "unit", "sysadmin", "secadmin", "auditadmin"])
def test_actions_of_one_administrator_are_refused_to_the_others(world, client_for, name, args, allowed, who):
    if who == allowed:
        return
    url = reverse(name, args=[world.users[a].pk for a in args])
    assert client_for(who).post(url, {"username": "t_unit"}).status_code == 403
    assert world.users["unit"].__class__.objects.get(pk=world.users["unit"].pk).is_active


def test_anonymous_visitors_are_sent_to_the_login_page(db):
    for page in PAGES:
        response = Client().get(reverse(page))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_menu_links_to_the_pages_of_the_role(world, client_for):
    html = client_for("sysadmin").get(reverse("home")).content.decode()
    assert f'href="{reverse("users")}"' in html
    for other in ("audit", "security", "rules", "projects:list"):
        assert f'href="{reverse(other)}"' not in html
    html = client_for("performance").get(reverse("home")).content.decode()
    assert f'href="{reverse("rules")}"' in html
    assert f'href="{reverse("users")}"' not in html


@pytest.mark.parametrize("who", ["sysadmin", "secadmin", "auditadmin"])
def test_administrators_see_no_business_data(world, client_for, who):
    client = client_for(who)
    assert client.get(reverse("projects:list")).status_code == 403
    assert client.get("/api/projects/").json()["count"] == 0
    assert client.get(reverse("projects:detail", args=[world.projects["c1.unit_a.P1"].pk])).status_code == 404


def test_refusals_and_missing_pages_are_explained_in_chinese(world, client_for):
    client = client_for("sysadmin")
    refused = client.get(reverse("projects:list"))
    assert refused.status_code == 403
    assert "无权访问" in refused.text and "您没有访问此页面的权限。" in refused.text
    missing = client.get(reverse("projects:detail", args=[world.projects["c1.unit_a.P1"].pk]))
    assert missing.status_code == 404
    assert "页面不存在" in missing.text


def test_home_tells_a_user_without_any_page_whom_to_ask(world, client_for):
    # 专家 hold no capability (an agency has its assessments page).
    assert "请联系系统管理员" in client_for("expert").get(reverse("home")).text
    assert "请从上方菜单进入" in client_for("sysadmin").get(reverse("home")).text


@pytest.mark.parametrize("who", ["sysadmin", "secadmin"])
def test_only_the_audit_administrator_reads_the_audit_log(world, client_for, who):
    assert client_for(who).get(reverse("audit")).status_code == 403
    assert client_for(who).get(reverse("audit-export")).status_code == 403
    assert client_for(who).get("/api/audit-events/").status_code == 403


# --- User management ---------------------------------------------------------------------------------


def create_form(world, **changes):
    data = {
        "new-username": "zy_wang",
        "new-display_name": "王芳",
        "new-password": STRONG,
        "new-password2": STRONG,
        "new-organization": world.orgs["c1.dept_b"].pk,
        "new-role": Role.DEPARTMENT,
    }
    data.update({f"new-{k}": v for k, v in changes.items()})
    return data


def test_users_page_lists_the_users_of_the_managed_regions_only(world, client_for):
    html = client_for("sysadmin").get(reverse("users")).content.decode()
    assert "t_unit" in html and "t_performance" in html
    assert "t_c2_performance" not in html
    assert "t_p2_unit" not in html
    assert "t_city_performance" not in html  # the city lies above the county


def test_sysadmin_creates_a_user_with_a_role(world, client_for):
    client = client_for("sysadmin")
    response = client.post(reverse("user-create"), create_form(world))
    assert response.status_code == 302
    user = User.objects.get(username="zy_wang")
    assert user.display_name == "王芳"
    assert user.check_password(STRONG)
    assert Membership.objects.filter(user=user, organization=world.orgs["c1.dept_b"], role=Role.DEPARTMENT).exists()
    assert "已创建用户“zy_wang”" in client.get(reverse("users")).content.decode()
    created = AuditEvent.objects.get(action="user.create", object_id=str(user.pk))
    assert created.actor == world.users["sysadmin"]
    assert "password" not in (created.after or {})
    assert AuditEvent.objects.filter(action="membership.add", after__user="zy_wang").exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [("abc12", "此密码太短"), ("12345678901", "密码只包含数字"), ("zhongyangxian", "至少2类")],
)
def test_password_rules_are_shown_inline(world, client_for, password, message):
    response = client_for("sysadmin").post(
        reverse("user-create"), create_form(world, password=password, password2=password)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.filter(username="zy_wang").exists()
    assert not AuditEvent.objects.filter(action="user.create", after__username="zy_wang").exists()


def test_duplicate_username_and_mismatched_passwords_are_shown_inline(world, client_for):
    client = client_for("sysadmin")
    response = client.post(reverse("user-create"), create_form(world, username="T_UNIT"))
    assert "用户名“T_UNIT”已存在" in response.content.decode()
    response = client.post(reverse("user-create"), create_form(world, password2="Other-2026x"))
    assert "两次输入的密码不一致" in response.content.decode()


def test_sysadmin_cannot_create_users_in_another_county(world, client_for):
    response = client_for("sysadmin").post(
        reverse("user-create"), create_form(world, organization=world.orgs["c2.dept_b"].pk)
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="zy_wang").exists()


def test_sysadmin_grants_a_role_in_his_regions(world, client_for):
    response = client_for("sysadmin").post(
        reverse("user-grant"),
        {
            "grant-user": world.users["unit"].pk,
            "grant-organization": world.orgs["c1.unit_b"].pk,
            "grant-role": Role.UNIT,
        },
    )
    assert response.status_code == 302
    assert Membership.objects.filter(user=world.users["unit"], organization=world.orgs["c1.unit_b"]).exists()
    assert AuditEvent.objects.filter(action="membership.add", actor=world.users["sysadmin"]).exists()


@pytest.mark.parametrize("role", [Role.SYSADMIN, Role.SECADMIN, Role.AUDITADMIN, Role.PERFORMANCE])
def test_sysadmin_cannot_grant_himself_a_role(world, client_for, role):
    org = world.orgs["c1.bureau" if role != Role.PERFORMANCE else "c1.performance"]
    response = client_for("sysadmin").post(
        reverse("user-grant"),
        {"grant-user": world.users["sysadmin"].pk, "grant-organization": org.pk, "grant-role": role},
    )
    assert response.status_code == 403  # a forbidden action, not an input error (docs/permissions.md)
    assert "不能为自己授予角色" in response.content.decode()
    assert set(world.users["sysadmin"].memberships.values_list("role", flat=True)) == {Role.SYSADMIN}


def test_no_one_holds_a_three_administrator_role_with_another_role(world):
    with pytest.raises(services.DomainError, match="三员角色不能与其他角色兼任"):
        services.grant_role(
            actor=world.users["sysadmin"],
            user=world.users["performance"],
            organization=world.orgs["c1.bureau"],
            role=Role.AUDITADMIN,
        )
    with pytest.raises(services.DomainError, match="三员不能兼任其他角色"):
        services.grant_role(
            actor=None,
            user=world.users["secadmin"],
            organization=world.orgs["c1.performance"],
            role=Role.PERFORMANCE,
        )


def test_sysadmin_cannot_touch_users_of_another_county(world, client_for):
    stranger = world.users["c2_performance"]
    response = client_for("sysadmin").post(reverse("user-deactivate", args=[stranger.pk]))
    assert response.status_code == 404
    assert User.objects.get(pk=stranger.pk).is_active
    with pytest.raises(services.NotFound):
        services.grant_role(
            actor=world.users["sysadmin"], user=stranger, organization=world.orgs["c1.unit_b"], role=Role.UNIT
        )


def test_deactivated_user_is_signed_out_and_the_change_audited(world, client_for):
    victim = client_for("unit")
    assert victim.get(reverse("projects:list")).status_code == 200
    client = client_for("sysadmin")
    response = client.post(reverse("user-deactivate", args=[world.users["unit"].pk]))
    assert response.status_code == 302
    assert not User.objects.get(pk=world.users["unit"].pk).is_active
    assert "已停用" in client.get(reverse("users")).content.decode()
    # The open session ends at the next request.
    assert victim.get(reverse("projects:list")).status_code == 302
    event = AuditEvent.objects.get(action="user.deactivate")
    assert event.actor == world.users["sysadmin"]
    assert event.after == {"is_active": False}


def test_sysadmin_cannot_deactivate_himself(world, client_for):
    response = client_for("sysadmin").post(reverse("user-deactivate", args=[world.users["sysadmin"].pk]))
    assert response.status_code == 403
    assert User.objects.get(pk=world.users["sysadmin"].pk).is_active


def test_cli_creates_a_user_and_grants_a_role(world):
    out = StringIO()
    call_command("create_user", "jk_li", password=STRONG, name="李强", stdout=out)
    assert "已创建用户“jk_li”" in out.getvalue()
    call_command("grant_role", "jk_li", "141130-CZ", "secadmin", stdout=out)
    user = User.objects.get(username="jk_li")
    assert list(user.memberships.values_list("role", flat=True)) == [Role.SECADMIN]
    assert AuditEvent.objects.filter(action="user.create", object_id=str(user.pk), actor_name="系统").exists()
    with pytest.raises(CommandError, match="此密码太短"):
        call_command("create_user", "jk_sun", password="short1", name="孙")
    call_command("create_user", "jk_zhao", password=STRONG, name="赵", stdout=out)
    with pytest.raises(CommandError, match="不能设在"):
        call_command("grant_role", "jk_zhao", "141130-JY", "performance")


# --- Login security ----------------------------------------------------------------------------------


def fail_logins(username, times=5):
    client = Client()
    for _ in range(times):
        client.post(reverse("login"), {"username": username, "password": "wrong-password-1"})


def test_security_page_shows_lockouts_failures_and_policy(world, client_for):
    fail_logins("t_unit")
    html = client_for("secadmin").get(reverse("security")).content.decode()
    assert "t_unit" in html
    assert "127.0.0.1" in html
    assert "5 次" in html and "15 分钟" in html
    assert "密码长度" in html or "至少" in html
    kinds = {(lock.kind, lock.value) for lock in admin_selectors.lockouts_for(user=world.users["secadmin"])}
    assert kinds == {("username", "t_unit"), ("ip", "127.0.0.1")}


def test_secadmin_unlocks_an_account_and_the_address(world, client_for):
    fail_logins("t_unit")
    client = client_for("secadmin")
    assert client.post(reverse("security-unlock"), {"username": "t_unit"}).status_code == 302
    assert client.post(reverse("security-unlock"), {"ip": "127.0.0.1"}).status_code == 302
    assert not AccessAttempt.objects.exists()
    assert "当前没有被锁定的账号或地址" in client.get(reverse("security")).content.decode()
    events = AuditEvent.objects.filter(action="security.unlock", actor=world.users["secadmin"])
    assert {(e.after["username"], e.after["ip"]) for e in events} == {("t_unit", ""), ("", "127.0.0.1")}
    # The account can sign in again.
    login = Client().post(reverse("login"), {"username": "t_unit", "password": world.password})
    assert login.status_code == 302


def test_unlock_form_needs_something_to_unlock(world, client_for):
    response = client_for("secadmin").post(reverse("security-unlock"), {})
    assert response.status_code == 400
    assert "请填写要解锁的用户名或IP地址" in response.content.decode()


def test_secadmin_does_not_see_or_unlock_accounts_of_another_county(world, client_for):
    fail_logins("t_c2_performance")
    locks = admin_selectors.lockouts_for(user=world.users["secadmin"])
    assert ("username", "t_c2_performance") not in {(lock.kind, lock.value) for lock in locks}
    assert "t_c2_performance" not in client_for("secadmin").get(reverse("security")).content.decode()
    response = client_for("secadmin").post(reverse("security-unlock"), {"username": "t_c2_performance"})
    assert response.status_code == 404
    assert AccessAttempt.objects.filter(username="t_c2_performance").exists()


def test_cli_unlocks_and_is_audited(world):
    fail_logins("t_unit")
    out = StringIO()
    call_command("unlock", username="t_unit", stdout=out)
    assert "已解锁" in out.getvalue()
    assert not AccessAttempt.objects.filter(username="t_unit").exists()
    assert AuditEvent.objects.filter(action="security.unlock", actor_name="系统", after__username="t_unit").exists()
    with pytest.raises(CommandError, match="请填写"):
        call_command("unlock")


def test_the_matrix_in_docs_matches_the_roles_table():
    from pathlib import Path

    from jixiao.orgs.roles import CAPABILITIES

    text = (Path(__file__).resolve().parent.parent / "docs" / "permissions.md").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.startswith("| 角色 |")]
    assert len(lines) == 1
    caps = [c.strip(" `") for c in lines[0].strip("|").split("|")[2:]]
    documented = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == len(caps) + 2 and cells[1].startswith("`") and cells[1].strip("`") in Role.values:
            documented[cells[1].strip("`")] = {
                cap: reach for cap, reach in zip(caps, cells[2:], strict=True) if reach != "—"
            }
    assert documented == {role: dict(grants) for role, grants in CAPABILITIES.items()}
