"""The 项目库 through the web: forms in 万元, list filters and totals, Excel export, lifecycle, history, audit."""

import io
import re
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from jixiao.core.models import AuditEvent
from jixiao.orgs import services as org_services
from jixiao.orgs.models import Organization
from jixiao.projects import services
from jixiao.projects.columns import HEADERS, SHEET
from jixiao.projects.forms import ProjectForm
from jixiao.projects.models import DomainTag, FundSource, Project
from jixiao.projects.services import ProjectInput
from jixiao.rules.money import to_yuan
from tests.world import pass_goal


def new_form(world, **changes: object) -> dict[str, str]:
    """A complete, valid 新建项目 form for 中阳县第一中学; amounts typed in 万元."""
    data = {
        "kind": Project.Kind.PROJECT,
        "code": "ZY-2026-001",
        "name": "中阳县第一中学操场改造项目",
        "owner": str(world.orgs["c1.unit_a"].pk),
        "fiscal_year": "2026",
        "category": Project.Category.SPECIFIC,
        "budget_type": Project.Budget.GENERAL,
        "fund_sources": "一般债券、上级转移支付",
        "domain_tags": "教育",
        "is_new": "1",
        "start_year": "2026",
        "end_year": "2027",
        "amount_requested_wan": "1234.5678",
        "amount_approved_wan": "",
        "amount_adjusted_wan": "",
        "description": "改造塑胶跑道",
    }
    data.update({k: str(v) for k, v in changes.items()})
    return data


def edit_form(project: Project, **changes: object) -> dict[str, str]:
    data = {k: "" if v is None else str(v) for k, v in ProjectForm.initial_from(project).items()}
    data.update({k: str(v) for k, v in changes.items()})
    return data


def shown_codes(response) -> list[str]:
    """Project codes in the list table, in the order shown."""
    table = response.text.split('id="project-rows"', 1)[1]
    return re.findall(r"<tr>\s*<td>([^<]+)</td>", table)


def shown_total(response, which: str = "requested") -> str:
    return re.search(rf'id="total-{which}">([^<]*)<', response.text).group(1)


def shown_count(response) -> int:
    return int(re.search(r'id="total-count">(\d+)<', response.text).group(1))


# --- Create and edit in 万元 -------------------------------------------------------------------------


def test_create_in_wan_stores_yuan_exactly(world, client_for):
    client = client_for("performance")
    r = client.post(reverse("projects:create"), new_form(world))
    project = Project.objects.get(code="ZY-2026-001")
    assert r.status_code == 302
    assert r["Location"] == reverse("projects:detail", args=[project.pk])
    assert project.amount_requested == Decimal("12345678.00")
    assert project.amount_approved is None
    assert project.department == world.orgs["c1.dept_a"]
    assert project.region == world.regions["c1"]
    assert sorted(t.name for t in project.fund_sources.all()) == ["一般债券", "上级转移支付"]
    assert [t.name for t in project.domain_tags.all()] == ["教育"]

    page = client.get(r["Location"])
    assert "已创建项目“中阳县第一中学操场改造项目”" in page.text
    assert "1,234.57 万元（12,345,678.00 元）" in page.text


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("1,234.5678", "12345678.00"), ("0.000001", "0.01"), ("99999999.999999", "999999999999.99"), ("0", "0.00")],
)
def test_amounts_typed_in_wan(world, client_for, typed, stored):
    r = client_for("performance").post(reverse("projects:create"), new_form(world, amount_requested_wan=typed))
    assert r.status_code == 302, r.context["form"].errors
    assert Project.objects.get(code="ZY-2026-001").amount_requested == Decimal(stored)


def test_edit_form_shows_wan_and_saves_yuan(world, client_for):
    client = client_for("performance")
    project = world.project("c1.dept_a.overall")  # 5,000,000.00 元
    page = client.get(reverse("projects:edit", args=[project.pk]))
    assert re.search(r'name="amount_requested_wan" value="500"', page.text)

    r = client.post(reverse("projects:edit", args=[project.pk]), edit_form(project, amount_requested_wan="1234.5"))
    assert r.status_code == 302
    assert world.project("c1.dept_a.overall").amount_requested == Decimal("12345000.00")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"start_year": "2027", "end_year": "2026"}, "end_year", "结束年度（2026）不能早于起始年度（2027）"),
        ({"category": "奇怪类别"}, "category", "选择一个有效的选项"),
        ({"fiscal_year": "2025"}, "fiscal_year", "年度须在项目起止年度之内"),
        ({"amount_requested_wan": "-1"}, "amount_requested_wan", "0"),
        ({"amount_requested_wan": "abc"}, "amount_requested_wan", "数"),
        ({"amount_requested_wan": "1.0000001"}, "amount_requested_wan", "6"),
        ({"code": "141129-JY-01-P1"}, "code", "项目编码“141129-JY-01-P1”在中阳县2026年度已存在"),
        ({"name": ""}, "name", "该字段是必填项"),
        ({"kind": Project.Kind.DEPARTMENT_OVERALL}, "owner", "部门整体支出须由主管部门"),
    ],
)
def test_validation_errors_are_shown_next_to_the_field(world, client_for, changes, field, message):
    count = Project.objects.count()
    r = client_for("performance").post(reverse("projects:create"), new_form(world, **changes))
    assert r.status_code == 200
    errors = r.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    # Inline: the message is rendered in the page, under the field.
    assert message.split("“")[0] in r.text
    assert Project.objects.count() == count


# --- List: filters, totals, sorting ------------------------------------------------------------------

C1_ALL = ["141129-JY-01-P1", "141129-JY-ZT", "141129-NY-01-P1", "141129-NY-ZT", "141129-JY-01-P2", "141129-NY-01-P2"]


def test_default_list_is_the_users_scope_ordered_by_year_then_code(world, client_for):
    r = client_for("performance").get(reverse("projects:list"))
    assert shown_codes(r) == C1_ALL
    assert shown_count(r) == 6
    # 5,000,000 ×2 + 1,000,000.01 + 2,000,000.02 + 250,000.50 + 500,001.00 = 13,750,001.53 元
    assert shown_total(r) == "1,375.00"
    assert shown_total(r, "approved") == "75.00"  # the two budgeted: 250,000.50 + 500,001.00 = 75.00015 万元


def _id(model, name):
    return model.objects.get(name=name).pk


@pytest.mark.parametrize(
    ("user", "query", "codes"),
    [
        ("performance", {"region": "141129"}, C1_ALL),
        ("performance", {"region": "141130"}, []),  # another county: outside the scope, nothing leaks
        ("performance", {"region": "610000"}, []),
        ("city_performance", {"region": "141130"}, [c.replace("141129", "141130") for c in C1_ALL]),
        ("performance", {"fiscal_year": "2025"}, ["141129-JY-01-P2", "141129-NY-01-P2"]),
        ("performance", {"category": "特定目标类"}, ["141129-JY-01-P1", "141129-NY-01-P1"]),
        ("performance", {"budget_type": "政府性基金预算"}, ["141129-JY-01-P2", "141129-NY-01-P2"]),
        ("performance", {"kind": "department_overall"}, ["141129-JY-ZT", "141129-NY-ZT"]),
        ("performance", {"status": "budgeted"}, ["141129-JY-01-P2", "141129-NY-01-P2"]),
        ("performance", {"q": "校舍"}, ["141129-JY-01-P1", "141129-NY-01-P1"]),
        ("performance", {"q": "141129-NY"}, ["141129-NY-01-P1", "141129-NY-ZT", "141129-NY-01-P2"]),
        ("performance", {"q": "概述"}, ["141129-JY-01-P1", "141129-NY-01-P1", "141129-JY-01-P2", "141129-NY-01-P2"]),
        # 1,000,000.01 元 = 100.000001 万元: the bounds are exact and inclusive.
        ("performance", {"min_wan": "100.000001", "max_wan": "200.0002"}, ["141129-JY-01-P1", "141129-NY-01-P1"]),
        ("performance", {"min_wan": "100.000002", "max_wan": "200.000001"}, []),
        ("performance", {"min_wan": "500"}, ["141129-JY-ZT", "141129-NY-ZT"]),
        ("performance", {"category": "特定目标类", "q": "农技"}, ["141129-NY-01-P1"]),
        (
            "performance",
            {"sort": "-amount"},
            [
                "141129-JY-ZT",
                "141129-NY-ZT",
                "141129-NY-01-P1",
                "141129-JY-01-P1",
                "141129-NY-01-P2",
                "141129-JY-01-P2",
            ],
        ),
        (
            "performance",
            {"sort": "code"},
            sorted(C1_ALL),
        ),
        ("unit", {}, ["141129-JY-01-P1", "141129-JY-01-P2"]),
        ("unit", {"region": "141129", "q": "农技"}, []),
    ],
)
def test_list_filters(world, client_for, user, query, codes):
    r = client_for(user).get(reverse("projects:list"), query)
    assert r.status_code == 200
    assert shown_codes(r) == codes
    assert shown_count(r) == len(codes)


@pytest.mark.parametrize(
    ("param", "model", "name", "codes"),
    [
        ("fund_source", FundSource, "一般债券", ["141129-JY-01-P1", "141129-NY-01-P1"]),
        ("fund_source", FundSource, "专项债券", ["141129-JY-01-P2", "141129-NY-01-P2"]),
        ("domain_tag", DomainTag, "乡村振兴", ["141129-JY-01-P2", "141129-NY-01-P2"]),
    ],
)
def test_list_filters_by_fund_source_and_tag(world, client_for, param, model, name, codes):
    r = client_for("performance").get(reverse("projects:list"), {param: _id(model, name)})
    assert shown_codes(r) == codes


def test_list_filter_by_department(world, client_for):
    r = client_for("performance").get(reverse("projects:list"), {"department": world.orgs["c1.dept_a"].pk})
    assert shown_codes(r) == ["141129-JY-01-P1", "141129-JY-ZT", "141129-JY-01-P2"]
    # The department menu offers only the departments in scope.
    assert "交口县教育局" not in r.text
    assert "中阳县农业农村局" in r.text


def test_count_and_total_follow_the_filter(world, client_for):
    client = client_for("performance")
    everything = client.get(reverse("projects:list"))
    filtered = client.get(reverse("projects:list"), {"category": "特定目标类"})
    assert (shown_count(everything), shown_count(filtered)) == (6, 2)
    # 1,000,000.01 + 2,000,000.02 = 3,000,000.03 元 = 300.000003 万元
    assert shown_total(filtered) == "300.00"


def test_totals_in_wan_round_half_up(world, client_for):
    actor = world.users["performance"]
    owner = world.orgs["c1.unit_a"]
    for code, amount in [("HALF-1", "100000000.00"), ("HALF-2", "23450050.00")]:
        services.create_project(
            actor=actor,
            data=ProjectInput(
                code=code,
                name=f"半数测试{code}",
                owner=owner,
                fiscal_year=2026,
                category=Project.Category.SPECIFIC,
                amount_requested=Decimal(amount),
            ),
        )
    r = client_for("performance").get(reverse("projects:list"), {"q": "半数测试"})
    # 123,450,050.00 元 = 12,345.005 万元 → 12,345.01 (half-up; half-even would give 12,345.00)
    assert shown_total(r) == "12,345.01"
    # The row of 23,450,050.00 元 = 2,345.005 万元
    assert '<td class="table-amount">2,345.01</td>' in r.text


@pytest.mark.parametrize(
    "query",
    [{"category": "不存在", "min_wan": "abc"}, {"department": "99999999999999999999999"}, {"owner": "1e30"}],
)
def test_bad_filter_values_are_reported_not_crashing(world, client_for, query):
    r = client_for("performance").get(reverse("projects:list"), query)
    assert r.status_code == 200
    assert "筛选条件有误" in r.text


def test_a_huge_approved_amount_is_an_error_message_not_a_crash(world, client_for):
    client = client_for("performance")
    project = world.project("c1.unit_a.P1")
    transition(client, project, "submit")
    transition(client, project, "admit")
    r = transition(client, project, "approve_budget", amount_approved_wan="1e400")
    assert "金额“1e400”过大" in r.text


def test_pagination_keeps_the_filter(world, client_for):
    actor = world.users["performance"]
    owner = world.orgs["c1.unit_a"]
    services.upsert_projects(
        actor=actor,
        rows=[
            ProjectInput(
                code=f"PG-{i:03d}",
                name=f"分页项目{i}",
                owner=owner,
                fiscal_year=2026,
                category=Project.Category.SPECIFIC,
                amount_requested=Decimal(i),
            )
            for i in range(60)
        ],
    )
    client = client_for("performance")
    first = client.get(reverse("projects:list"), {"q": "分页项目"})
    assert shown_count(first) == 60
    assert len(shown_codes(first)) == 50
    assert "第 1 / 2 页" in first.text
    second = client.get(reverse("projects:list"), {"q": "分页项目", "page": 2})
    assert shown_codes(second) == [f"PG-{i:03d}" for i in range(50, 60)]


# --- Excel export -------------------------------------------------------------------------------------


def read_export(response) -> list[list[object]]:
    content = b"".join(response.streaming_content)
    wb = CalamineWorkbook.from_filelike(io.BytesIO(content))
    assert wb.sheet_names == [SHEET]
    return wb.get_sheet_by_name(SHEET).to_python()


def test_export_has_the_template_headers_and_exact_amounts(world, client_for):
    services.create_project(
        actor=world.users["performance"],
        data=ProjectInput(
            code="BIG-1",
            name='=HYPERLINK("http://x")',
            owner=world.orgs["c1.unit_a"],
            fiscal_year=2026,
            category=Project.Category.SPECIFIC,
            amount_requested=Decimal("9876543210123.45"),
            amount_approved=Decimal("0.30"),
            fund_sources=["一般债券", "PPP"],
        ),
    )
    r = client_for("performance").get(reverse("projects:export"), {"category": "特定目标类"})
    assert r.status_code == 200
    assert "attachment" in r["Content-Disposition"]
    rows = read_export(r)
    assert rows[0] == HEADERS
    by_code = {row[0]: dict(zip(HEADERS, row, strict=True)) for row in rows[1:]}
    assert sorted(by_code) == ["141129-JY-01-P1", "141129-NY-01-P1", "BIG-1"]

    big = by_code["BIG-1"]
    assert big["项目名称"] == '=HYPERLINK("http://x")'  # written as text, not as a formula
    assert to_yuan(big["申报金额（元）"]) == Decimal("9876543210123.45")
    assert to_yuan(big["批复金额（元）"]) == Decimal("0.30")
    assert big["调整后金额（元）"] in ("", None)
    assert big["资金来源"] == "一般债券、PPP"
    assert big["预算单位编码"] == "141129-JY-01"
    assert int(big["年度"]) == 2026
    assert big["类型"] == "项目"
    assert big["新增/延续"] == "新增"

    p1 = by_code["141129-NY-01-P1"]
    assert to_yuan(p1["申报金额（元）"]) == Decimal("2000000.02")
    assert p1["领域"] == "教育"

    event = AuditEvent.objects.filter(action="project.export").get()
    assert event.actor == world.users["performance"]
    assert event.message == "导出项目库3条"


def test_export_is_scoped_to_the_user(world, client_for):
    rows = read_export(client_for("unit").get(reverse("projects:export")))
    assert sorted(row[0] for row in rows[1:]) == ["141129-JY-01-P1", "141129-JY-01-P2"]


# --- Lifecycle -------------------------------------------------------------------------------------------


def transition(client, project, action, **extra):
    return client.post(reverse("projects:transition", args=[project.pk]), {"action": action, **extra}, follow=True)


def test_full_lifecycle_through_the_detail_page(world, client_for):
    unit = client_for("unit")
    finance = client_for("performance")
    project = world.project("c1.unit_a.P1")

    page = unit.get(reverse("projects:detail", args=[project.pk]))
    assert ">申报</button>" in page.text
    assert ">纳入项目库</button>" not in page.text  # a unit does not decide

    r = transition(unit, project, "submit")
    assert f"已申报“{project.name}”" in r.text
    assert world.project("c1.unit_a.P1").status == Project.Status.SUBMITTED

    page = finance.get(reverse("projects:detail", args=[project.pk]))
    assert ">纳入项目库</button>" in page.text and ">退回</button>" in page.text
    transition(finance, project, "admit")
    pass_goal(world, project)  # the goal gate: no budget without a goal that passed review
    r = transition(finance, project, "approve_budget", amount_approved_wan="95.5")
    assert 'id="project-status">已批复<' in r.text
    assert world.project("c1.unit_a.P1").amount_approved == Decimal("955000.00")
    transition(unit, project, "start")
    transition(unit, project, "complete")
    assert world.project("c1.unit_a.P1").status == Project.Status.COMPLETED


@pytest.mark.parametrize(
    ("action", "extra", "message"),
    [
        ("approve_budget", {}, "项目当前为“草稿”，不能批复预算"),
        ("admit", {}, "项目当前为“草稿”，不能纳入项目库"),
        ("complete", {}, "项目当前为“草稿”，不能完结"),
        ("fly", {}, "未知操作“fly”"),
    ],
)
def test_illegal_transitions_say_why(world, client_for, action, extra, message):
    project = world.project("c1.unit_a.P1")
    r = transition(client_for("performance"), project, action, **extra)
    assert r.status_code == 200
    assert message in r.text
    assert 'class="alert alert-danger"' in r.text
    assert world.project("c1.unit_a.P1").status == Project.Status.DRAFT


def test_bad_approved_amount_is_refused_with_the_value(world, client_for):
    client = client_for("performance")
    project = world.project("c1.unit_a.P1")
    transition(client, project, "submit")
    transition(client, project, "admit")
    r = transition(client, project, "approve_budget", amount_approved_wan="abc")
    assert "“abc”不是有效金额" in r.text
    assert world.project("c1.unit_a.P1").status == Project.Status.IN_LIBRARY


# --- History and audit -------------------------------------------------------------------------------------


def test_history_rows_and_audit_events(world, client_for):
    client = client_for("performance")
    client.post(reverse("projects:create"), new_form(world))
    project = Project.objects.get(code="ZY-2026-001")
    client.post(reverse("projects:edit", args=[project.pk]), edit_form(project, amount_requested_wan="1000"))
    transition(client, project, "submit")

    history = list(project.history.order_by("history_id"))
    assert [h.history_type for h in history] == ["+", "~", "~"]
    assert [h.status for h in history] == ["draft", "draft", "submitted"]
    assert {h.history_user for h in history} == {world.users["performance"]}

    events = list(AuditEvent.objects.filter(object_type="projects.project", object_id=str(project.pk)).order_by("id"))
    assert [e.action for e in events] == ["project.create", "project.update", "project.submit"]
    created, updated, submitted = events
    assert created.actor == world.users["performance"]
    assert created.channel == "web"
    assert created.ip == "127.0.0.1"
    assert created.region_path == "140000/141100/141129/"
    assert created.after["amount_requested"] == "12345678.00"
    assert updated.before == {"amount_requested": "12345678.00"}
    assert updated.after == {"amount_requested": "10000000.00"}
    assert submitted.before["status"] == "draft" and submitted.after["status"] == "submitted"

    page = client.get(reverse("projects:detail", args=[project.pk]))
    assert len(page.context["history"]) == 3
    assert "（已申报）" in page.text


def test_saving_unchanged_form_writes_no_audit_event(world, client_for):
    client = client_for("performance")
    project = world.project("c1.unit_a.P1")
    before = AuditEvent.objects.count()
    r = client.post(reverse("projects:edit", args=[project.pk]), edit_form(project))
    assert r.status_code == 302
    assert AuditEvent.objects.count() == before


def test_years_are_shown_without_thousands_separators(world, client_for):
    client = client_for("performance")
    listing = client.get(reverse("projects:list"))
    assert "<td>2026</td>" in listing.text
    assert "2,026" not in listing.text and "2,025" not in listing.text
    detail = client.get(reverse("projects:detail", args=[world.project("c1.unit_a.P1").pk]))
    assert "2026（实施期 2026–2026）" in detail.text


def test_history_names_the_actor_outside_a_request(world):
    """Services called from the CLI or a task still record who acted."""
    actor = world.users["performance"]
    project = services.transition_project(actor=actor, project=world.project("c1.unit_a.P1"), action="submit")
    assert project.history.latest("history_id").history_user == actor
    assert world.project("c1.dept_a.overall").history.latest("history_id").history_user == actor


def _heading_link(html: str, label: str) -> dict[str, list[str]]:
    href = re.search(rf'<a href="\?([^"]*)">{re.escape(label)}[ ▲▼]*</a>', html)
    assert href, f"no sortable heading {label}"
    return parse_qs(unescape(href.group(1)))


def test_sort_headings_keep_the_filters_and_reverse_the_current_order(world, client_for):
    query = {"category": "特定目标类", "sort": "-amount", "page": "1"}
    html = client_for("performance").get(reverse("projects:list"), query).text
    assert "申报（万元） ▼" in html
    assert _heading_link(html, "申报（万元）") == {"category": ["特定目标类"], "sort": ["amount"]}
    assert _heading_link(html, "项目编码") == {"category": ["特定目标类"], "sort": ["code"]}
    html = client_for("performance").get(reverse("projects:list"), {"sort": "code"}).text
    assert _heading_link(html, "项目编码") == {"sort": ["-code"]}
    assert _heading_link(html, "申报（万元）") == {"sort": ["-amount"]}  # amounts start with the largest


def test_ids_in_the_filter_form_have_no_thousands_separators(world, client_for):
    # USE_THOUSAND_SEPARATOR is on: a department with id 12345 must still be sent back as "12345".
    dept = org_services.create_organization(
        actor=None, code="141129-DS", name="中阳县大数据中心", kind="department", region=world.regions["c1"]
    )
    Organization.objects.filter(pk=dept.pk).update(id=12345)
    client = client_for("performance")
    assert '<option value="12345">中阳县大数据中心（中阳县）</option>' in client.get(reverse("projects:list")).text
    r = client.get(reverse("projects:list"), {"department": "12345"})
    assert not r.context["filter"].errors
    assert '<option value="12345" selected>' in r.text


def test_empty_choices_are_labelled_in_chinese(world, client_for):
    client = client_for("performance")
    listing = client.get(reverse("projects:list")).text
    form = client.get(reverse("projects:create")).text
    assert "---------" not in listing and ">全部</option>" in listing
    assert "Select an option" not in form and ">请选择</option>" in form


def test_missing_amounts_show_a_dash_without_a_unit(world, client_for):
    project = world.project("c1.unit_a.P1")  # a draft: nothing approved or adjusted yet
    html = client_for("performance").get(reverse("projects:detail", args=[project.pk])).text
    assert "<th>批复金额</th><td>—</td>" in html
    assert "— 万元" not in html


def test_a_unit_cannot_edit_a_budgeted_project_and_is_not_offered_to(world, client_for):
    from jixiao.projects import services

    project = world.projects["c1.unit_a.P1"]
    finance = world.users["performance"]
    pass_goal(world, project)
    for step in ("submit", "admit", "approve_budget"):
        project = services.transition_project(
            actor=finance if step != "submit" else world.users["unit"], project=project, action=step
        )
    unit = client_for("unit")
    detail = unit.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert reverse("projects:edit", args=[project.pk]) not in detail
    response = unit.get(reverse("projects:edit", args=[project.pk]))
    assert response.status_code == 403
    assert "项目状态为“已批复”，只有财政部门可以修改" in response.content.decode()
    perf = client_for("performance").get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert reverse("projects:edit", args=[project.pk]) in perf
