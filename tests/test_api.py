"""The 项目库 REST API: list, detail, filters, create, update, lifecycle; decimals as strings; domain errors."""

from decimal import Decimal

import pytest

from jixiao.core.models import AuditEvent
from jixiao.projects.models import DomainTag, FundSource, Project
from tests.world import pass_goal


def payload(world, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": "API-001",
        "name": "中阳县第一中学食堂改造",
        "owner": world.orgs["c1.unit_a"].pk,
        "fiscal_year": 2026,
        "category": "特定目标类",
        "budget_type": "一般公共预算",
        "fund_sources": ["一般债券"],
        "domain_tags": ["教育"],
        "start_year": 2026,
        "end_year": 2027,
        "amount_requested": "12345678.90",
        "description": "食堂改造",
    }
    data.update(changes)
    return data


@pytest.fixture
def api(client_for):
    return client_for("performance")


def codes(response) -> list[str]:
    return [row["code"] for row in response.json()["results"]]


def test_list_is_paginated_scoped_and_amounts_are_strings(world, api):
    r = api.get("/api/projects/")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 6
    assert [row["code"] for row in body["results"]] == [
        "141129-JY-01-P1",
        "141129-JY-ZT",
        "141129-NY-01-P1",
        "141129-NY-ZT",
        "141129-JY-01-P2",
        "141129-NY-01-P2",
    ]
    row = body["results"][0]
    assert row["amount_requested"] == "1000000.01"
    assert row["amount_approved"] is None
    assert row["owner_name"] == "中阳县第一中学"
    assert row["department_name"] == "中阳县教育局"
    assert row["region_code"] == "141129"
    assert row["fund_sources"] == ["一般债券"]
    assert row["status"] == "draft"
    budgeted = body["results"][4]
    assert budgeted["amount_approved"] == "250000.50"
    assert budgeted["fund_sources"] == ["上级转移支付", "专项债券"]

    page = api.get("/api/projects/", {"page_size": 2, "page": 2}).json()
    assert [row["code"] for row in page["results"]] == ["141129-NY-01-P1", "141129-NY-ZT"]


def test_detail(world, api):
    project = world.project("c1.unit_a.P2")
    r = api.get(f"/api/projects/{project.pk}/")
    assert r.status_code == 200
    assert r.json()["code"] == "141129-JY-01-P2"
    assert r.json()["amount_approved"] == "250000.50"
    # A project that does not exist and one in another county answer alike, in the user's language.
    missing = api.get("/api/projects/999999/")
    elsewhere = api.get(f"/api/projects/{world.project('c2.unit_a.P1').pk}/")
    assert missing.status_code == elsewhere.status_code == 404
    assert missing.json() == elsewhere.json() == {"detail": "对象不存在或不在您的权限范围内。"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"fiscal_year": 2025}, ["141129-JY-01-P2", "141129-NY-01-P2"]),
        ({"category": "特定目标类", "q": "农技"}, ["141129-NY-01-P1"]),
        ({"region": "141129", "kind": "department_overall"}, ["141129-JY-ZT", "141129-NY-ZT"]),
        ({"region": "141130"}, []),
        ({"min_wan": "100.000001", "max_wan": "100.000001"}, ["141129-JY-01-P1"]),
        ({"status": "budgeted", "sort": "-amount"}, ["141129-NY-01-P2", "141129-JY-01-P2"]),
        ({"budget_type": "政府性基金预算", "sort": "amount"}, ["141129-JY-01-P2", "141129-NY-01-P2"]),
    ],
)
def test_filters_match_the_list_page(world, api, query, expected):
    r = api.get("/api/projects/", query)
    assert r.status_code == 200
    assert codes(r) == expected


def test_filter_by_department_fund_source_and_tag(world, api):
    dept = world.orgs["c1.dept_b"].pk
    assert codes(api.get("/api/projects/", {"department": dept})) == [
        "141129-NY-01-P1",
        "141129-NY-ZT",
        "141129-NY-01-P2",
    ]
    bond = FundSource.objects.get(name="一般债券").pk
    assert codes(api.get("/api/projects/", {"fund_source": bond})) == ["141129-JY-01-P1", "141129-NY-01-P1"]
    rural = DomainTag.objects.get(name="乡村振兴").pk
    assert codes(api.get("/api/projects/", {"domain_tag": rural, "owner": world.orgs["c1.unit_b"].pk})) == [
        "141129-NY-01-P2"
    ]


@pytest.mark.parametrize(
    "query",
    [
        {"category": "不存在"},
        {"fiscal_year": "abc"},
        {"fiscal_year": "2026.5"},
        {"min_wan": "x"},
        {"sort": "evil"},
        # Ids beyond the database's integer range once crashed the query (500).
        {"department": "99999999999999999999999"},
        {"owner": "1e30"},
        {"department": "-1"},
    ],
)
def test_bad_filters_answer_400_naming_the_filter(world, api, query):
    r = api.get("/api/projects/", query)
    assert r.status_code == 400
    assert set(r.json()) == set(query)


def test_create(world, api):
    r = api.post("/api/projects/", payload(world), content_type="application/json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["amount_requested"] == "12345678.90"
    assert body["department_name"] == "中阳县教育局"
    assert body["status"] == "draft"
    project = Project.objects.get(pk=body["id"])
    assert project.amount_requested == Decimal("12345678.90")
    event = AuditEvent.objects.get(action="project.create", object_id=str(project.pk))
    assert event.channel == "api"
    assert event.actor == world.users["performance"]


def test_create_accepts_json_numbers_without_float_error(world, api):
    r = api.post("/api/projects/", payload(world, amount_requested=0.3), content_type="application/json")
    assert r.status_code == 201, r.json()
    assert r.json()["amount_requested"] == "0.30"


def test_update(world, api):
    project = world.project("c1.unit_a.P1")
    r = api.put(
        f"/api/projects/{project.pk}/",
        payload(world, code=project.code, name="新名称", amount_requested="1.50"),
        content_type="application/json",
    )
    assert r.status_code == 200, r.json()
    assert r.json()["name"] == "新名称"
    assert r.json()["amount_requested"] == "1.50"
    event = AuditEvent.objects.get(action="project.update", object_id=str(project.pk))
    assert event.before["amount_requested"] == "1000000.01"
    assert event.after["amount_requested"] == "1.50"


def test_transitions(world, api):
    project = world.project("c1.unit_a.P1")
    url = f"/api/projects/{project.pk}/transition/"
    for action in ("submit", "admit"):
        assert api.post(url, {"action": action}, content_type="application/json").status_code == 200
    pass_goal(world, project)  # the goal gate: no budget without a goal that passed review
    r = api.post(url, {"action": "approve_budget", "amount_approved": "900000.00"}, content_type="application/json")
    assert r.status_code == 200
    assert r.json()["status"] == "budgeted"
    assert r.json()["amount_approved"] == "900000.00"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"start_year": 2027, "end_year": 2026}, "end_year", "结束年度（2026）不能早于起始年度（2027）"),
        ({"fiscal_year": 2028}, "fiscal_year", "年度须在项目起止年度之内"),
        ({"code": "141129-JY-01-P1"}, "code", "已存在"),
        ({"kind": "department_overall"}, "owner", "部门整体支出须由主管部门"),
        ({"owner": 10**9}, "owner", "预算单位不存在或不在您的权限范围内"),
    ],
)
def test_domain_errors_answer_400_with_the_field(world, api, changes, field, message):
    r = api.post("/api/projects/", payload(world, **changes), content_type="application/json")
    assert r.status_code == 400
    assert r.json()["field"] == field
    assert message in r.json()["detail"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount_requested": "1.005"}, "amount_requested"),
        ({"amount_requested": "-1"}, "amount_requested"),
        ({"amount_requested": "NaN"}, "amount_requested"),
        ({"category": "奇怪"}, "category"),
        ({"fiscal_year": 1999}, "fiscal_year"),
        ({"code": ""}, "code"),
        ({"owner": "abc"}, "owner"),
    ],
)
def test_invalid_input_answers_400_naming_the_field(world, api, changes, field):
    r = api.post("/api/projects/", payload(world, **changes), content_type="application/json")
    assert r.status_code == 400
    assert field in r.json()


def test_illegal_transition_is_a_400_on_status(world, api):
    project = world.project("c1.unit_a.P1")
    r = api.post(
        f"/api/projects/{project.pk}/transition/", {"action": "approve_budget"}, content_type="application/json"
    )
    assert r.status_code == 400
    assert r.json() == {"detail": "项目当前为“草稿”，不能批复预算", "field": "status"}
    r = api.post(f"/api/projects/{project.pk}/transition/", {"action": "fly"}, content_type="application/json")
    assert r.status_code == 400
    assert "action" in r.json()


def test_schema_is_served(world, api):
    r = api.get("/api/schema/", {"format": "json"})
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert {"/api/projects/", "/api/projects/{id}/", "/api/projects/{id}/transition/"} <= set(paths)
