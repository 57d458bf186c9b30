"""The audit log: append-only, scoped to the auditor's regions, filtered, exported (and the export audited).

The world (tests/world.py) writes events while it is built: regions, organizations, users and the
projects of 中阳县 (c1), 交口县 (c2) and 岐山县 (p2). Its "auditadmin" audits 中阳县.
"""

import datetime
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jixiao.core import audit, selectors
from jixiao.core.models import AuditEvent
from jixiao.orgs import services
from jixiao.orgs.roles import Role


def visible(user, **filters):
    return selectors.audit_events_for(user=user).filter(**filters)


@pytest.fixture
def city_auditadmin(world):
    user = services.create_user(actor=None, username="t_city_auditadmin", password=world.password)
    bureau = world.orgs["city.performance"].parent
    services.add_membership(actor=None, user=user, organization=bureau, role=Role.AUDITADMIN)
    return user


@pytest.fixture
def c2_auditadmin(world):
    user = services.create_user(actor=None, username="t_c2_auditadmin", password=world.password)
    services.add_membership(actor=None, user=user, organization=world.orgs["c2.bureau"], role=Role.AUDITADMIN)
    return user


# --- Append-only -------------------------------------------------------------------------------------


def test_an_event_cannot_be_changed_or_deleted_through_the_model(world):
    event = AuditEvent.objects.filter(region_path__startswith=world.regions["c1"].path).first()
    event.message = "改写"
    with pytest.raises(RuntimeError, match="只能追加"):
        event.save()
    with pytest.raises(RuntimeError, match="只能追加"):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).message != "改写"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_auditevent SET message = 'tampered' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
        "TRUNCATE core_auditevent",
    ],
)
def test_on_postgresql_the_database_refuses_update_delete_and_truncate(world, sql):
    event = AuditEvent.objects.first()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses pending checks before any trigger
    try:
        with pytest.raises(DatabaseError, match="只能追加"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk] if "%s" in sql else None)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as Django declares its foreign keys
    assert AuditEvent.objects.get(pk=event.pk).message == event.message


def test_there_is_no_way_to_change_events_through_the_api(world, client_for):
    client = client_for("auditadmin")
    event = visible(world.users["auditadmin"]).first()
    url = f"/api/audit-events/{event.pk}/"
    assert client.get(url).status_code == 200
    assert client.delete(url).status_code == 405
    assert client.patch(url, {"message": "x"}, content_type="application/json").status_code == 405
    assert client.put(url, {"message": "x"}, content_type="application/json").status_code == 405
    assert client.post("/api/audit-events/", {"action": "x"}, content_type="application/json").status_code == 405
    assert AuditEvent.objects.get(pk=event.pk).message == event.message


# --- Scope -------------------------------------------------------------------------------------------


def test_a_county_auditor_sees_his_county_and_not_the_neighbour(world, c2_auditadmin):
    c1, c2 = world.regions["c1"].path, world.regions["c2"].path
    mine = visible(world.users["auditadmin"])
    assert mine.filter(region_path__startswith=c1, action="project.create").exists()
    assert not mine.filter(region_path__startswith=c2).exists()
    assert not mine.filter(region_path__startswith=world.regions["p2"].path).exists()
    theirs = visible(c2_auditadmin)
    assert theirs.filter(region_path__startswith=c2).exists()
    assert not theirs.filter(region_path__startswith=c1).exists()


def test_events_placed_nowhere_follow_the_actor(world, c2_auditadmin):
    made_here = services.create_user(actor=world.users["sysadmin"], username="zy_new", password="Zhongyang-2026")
    made_there = services.create_user(actor=world.users["c2_performance"], username="jk_new", password="Jiaokou-2026")
    auditor = world.users["auditadmin"]
    assert visible(auditor, action="user.create", object_id=str(made_here.pk)).exists()
    assert not visible(auditor, action="user.create", object_id=str(made_there.pk)).exists()
    assert visible(c2_auditadmin, action="user.create", object_id=str(made_there.pk)).exists()


def test_a_city_auditor_sees_both_counties(world, city_auditadmin):
    events = visible(city_auditadmin)
    assert events.filter(region_path__startswith=world.regions["c1"].path).exists()
    assert events.filter(region_path__startswith=world.regions["c2"].path).exists()
    assert not events.filter(region_path__startswith=world.regions["p2"].path).exists()


def test_page_and_api_show_only_the_scope(world, client_for, c2_auditadmin):
    services.set_rule(
        actor=world.users["c2_performance"],
        key="monitoring.behind_schedule_months",
        region=world.regions["c2"],
        fiscal_year=None,
        value=4,
        source="交财绩〔2024〕9号",
    )
    client = client_for("auditadmin")
    assert "交财绩〔2024〕9号" not in client.get(reverse("audit"), {"action": "rule."}).content.decode()
    assert client.get("/api/audit-events/", {"action": "rule."}).json()["count"] == 0
    client.force_login(c2_auditadmin)
    assert "rule.set" in client.get(reverse("audit"), {"action": "rule."}).content.decode()
    assert client.get("/api/audit-events/", {"action": "rule."}).json()["count"] == 1


# --- The page ----------------------------------------------------------------------------------------


def test_page_lists_newest_first_with_pagination(world, client_for):
    auditor = world.users["auditadmin"]
    client = client_for("auditadmin")  # signing in is itself an audit event: count after it
    c1 = world.regions["c1"].path
    AuditEvent.objects.bulk_create(
        audit.event(actor=world.users["performance"], action="test.bulk", region_path=c1, message=f"第{i}条")
        for i in range(60)
    )
    total = visible(auditor).count()
    assert total > 60
    last = audit.record(
        actor=world.users["performance"],
        action="test.latest",
        region_path=world.regions["c1"].path,
        message="最新的一条",
    )
    page = client.get(reverse("audit")).content.decode()
    assert f'<strong id="audit-count">{total + 1}</strong>' in page
    assert page.index("最新的一条") < page.index("test.bulk")
    assert "第 1 / " in page
    second = client_for("auditadmin").get(reverse("audit"), {"page": 2}).content.decode()
    assert "最新的一条" not in second
    assert last.pk


def test_page_names_the_channel_in_chinese(world, client_for):
    # An event written outside a request, as by a console command, comes from the channel "cli".
    audit.record(actor=world.users["performance"], action="test.console", region_path=world.regions["c1"].path)
    page = client_for("auditadmin").get(reverse("audit"), {"action": "test.console"}).content.decode()
    assert '<td class="text-nowrap">命令行</td>' in page
    assert ">cli<" not in page


def test_filters_by_actor_action_object_and_dates(world, client_for):
    auditor = world.users["auditadmin"]
    client = client_for("auditadmin")
    api = "/api/audit-events/"
    by_actor = client.get(api, {"actor": "t_performance", "page_size": 500}).json()
    assert by_actor["count"] == visible(auditor, actor_name="t_performance").count() > 0
    assert {e["actor_name"] for e in by_actor["results"]} == {"t_performance"}
    by_action = client.get(api, {"action": "project.", "page_size": 500}).json()
    assert by_action["count"] > 0
    assert all(e["action"].startswith("project.") for e in by_action["results"])
    by_object = client.get(api, {"q": "第一中学校舍"}).json()
    assert by_object["count"] > 0
    assert all("第一中学校舍" in e["object_repr"] for e in by_object["results"])
    today = timezone.localdate()
    tomorrow, yesterday = today + datetime.timedelta(days=1), today - datetime.timedelta(days=1)
    assert client.get(api, {"since": tomorrow.isoformat()}).json()["count"] == 0
    assert client.get(api, {"until": yesterday.isoformat()}).json()["count"] == 0
    assert client.get(api, {"since": today.isoformat(), "until": today.isoformat()}).json()["count"] > 0
    page = client.get(reverse("audit"), {"actor": "t_performance", "action": "project.transition"}).content.decode()
    assert "project.create" not in page.split('id="audit-rows"')[1]


# --- Export ------------------------------------------------------------------------------------------


def test_export_holds_the_filtered_events_as_text_and_is_audited(world, client_for, tmp_path):
    audit.record(
        actor=world.users["performance"],
        action="test.formula",
        region_path=world.regions["c1"].path,
        message='=HYPERLINK("http://example.invalid","点击")',
    )
    client = client_for("auditadmin")
    response = client.get(reverse("audit-export"), {"action": "test."})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    file = tmp_path / "audit.xlsx"
    file.write_bytes(content)
    ws = openpyxl.load_workbook(file)["审计日志"]
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    assert head[:6] == ("时间", "操作人", "IP地址", "渠道", "操作", "操作代码")
    assert len(rows) == 2
    assert rows[1][head.index("操作代码")] == "test.formula"
    message = head.index("说明")
    assert rows[1][message] == '=HYPERLINK("http://example.invalid","点击")'
    assert ws.cell(row=2, column=message + 1).data_type == "s"
    exported = AuditEvent.objects.get(action="audit.export")
    assert exported.actor == world.users["auditadmin"]
    assert exported.after == {"count": 1, "filters": {"action": "test."}}
    # The export is itself in the log the auditor sees.
    assert visible(world.users["auditadmin"], action="audit.export").count() == 1


def test_cli_export_is_scoped_and_audited(world, tmp_path):
    out_file = tmp_path / "audit.xlsx"
    out = StringIO()
    call_command("export_audit", str(out_file), user="t_auditadmin", action="project.create", stdout=out)
    ws = openpyxl.load_workbook(out_file)["审计日志"]
    head, *rows = list(ws.iter_rows(values_only=True))
    expected = visible(world.users["auditadmin"], action="project.create").count()
    assert len(rows) == expected > 0
    assert f"已导出审计日志{expected}条" in out.getvalue()
    assert all(r[head.index("区划路径")].startswith(world.regions["c1"].path) for r in rows)
    assert all(r[head.index("操作")] == "新建项目" for r in rows)
    event = AuditEvent.objects.get(action="audit.export")
    assert (event.actor_name, event.channel) == ("t_auditadmin", "cli")
    with pytest.raises(CommandError, match="不是审计管理员"):
        call_command("export_audit", str(out_file), user="t_sysadmin")


def test_sign_in_failure_and_sign_out_are_audited(world):
    user = world.users["performance"]
    client = Client()
    client.post(reverse("login"), {"username": user.username, "password": "wrong-Password1"})
    failed = AuditEvent.objects.filter(action="auth.login_failed").latest("id")
    assert user.username in failed.message and "wrong" not in failed.message
    assert failed in visible(world.users["auditadmin"])  # filed under the account's county
    client.post(reverse("login"), {"username": user.username, "password": world.password})
    assert AuditEvent.objects.filter(action="auth.login", actor=user).exists()
    client.post(reverse("logout"))
    assert AuditEvent.objects.filter(action="auth.logout", actor=user).exists()


def test_every_action_the_code_writes_has_a_chinese_label():
    """The audit page names actions in Chinese; a new action without a label would show as a code."""
    import pathlib
    import re

    from jixiao.core.models import ACTIONS
    from jixiao.projects.services import TRANSITIONS

    written = set()
    for path in pathlib.Path("jixiao").rglob("*.py"):
        written |= set(re.findall(r'action="([a-z_]+\.[a-z_.]+)"', path.read_text(encoding="utf-8")))
        written |= set(re.findall(r'_ACTION = "([a-z_]+\.[a-z_.]+)"', path.read_text(encoding="utf-8")))
    written |= {f"project.{name}" for name in TRANSITIONS}
    assert written, "no actions found"
    assert written <= set(ACTIONS), sorted(written - set(ACTIONS))
