"""List pages and list APIs cost a constant number of queries, however many rows they show: the 项目库,
and the pages of the administrators and of rule configuration."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jixiao.orgs import services as org_services
from jixiao.orgs.roles import Role
from jixiao.projects import services
from jixiao.projects.models import Project
from jixiao.projects.services import ProjectInput

URLS = {
    "list page": "/projects/?q=批量",
    "list page, filtered and sorted": "/projects/?q=批量&category=特定目标类&sort=-amount&min_wan=0",
    "list API": "/api/projects/?q=批量",
    "export": "/projects/export.xlsx?q=批量",
    "home": "/",
}


def add_projects(world, n: int, start: int) -> None:
    owners = [world.orgs["c1.unit_a"], world.orgs["c1.unit_b"], world.orgs["c1.dept_a"]]
    services.upsert_projects(
        actor=world.users["performance"],
        rows=[
            ProjectInput(
                code=f"BATCH-{i:04d}",
                name=f"批量项目{i}",
                owner=owners[i % 3],
                fiscal_year=2024 + i % 3,
                category=Project.Category.SPECIFIC,
                amount_requested=Decimal(i * 1000) + Decimal("0.01"),
                fund_sources=["一般债券", "PPP"][: 1 + i % 2],
                domain_tags=["教育"] if i % 2 else ["乡村振兴", "生态环保"],
            )
            for i in range(start, start + n)
        ],
    )


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", list(URLS))
def test_query_count_does_not_grow_with_rows(world, client_for, name):
    client = client_for("performance")
    url = URLS[name]
    add_projects(world, 10, 0)
    client.get(url)  # warm-up: first-request work (content types, sessions) is not what is measured
    with_10 = count_queries(client, url)
    add_projects(world, 50, 10)
    with_60 = count_queries(client, url)
    assert with_10 == with_60, f"{name}: {with_10} queries with 10 projects, {with_60} with 60"
    assert with_60 <= 20, f"{name}: {with_60} queries"


def add_users(world, n: int, start: int) -> None:
    for i in range(start, start + n):
        org_services.register_user(
            actor=world.users["sysadmin"],
            username=f"qu_{i:04d}",
            password="Zhongyang-2026",
            display_name=f"用户{i}",
            organization=world.orgs["c1.unit_a"] if i % 2 else world.orgs["c1.dept_b"],
            role=Role.UNIT,
        )


def add_rule_versions(world, n: int, start: int) -> None:
    for i in range(start, start + n):
        org_services.set_rule(
            actor=world.users["performance"],
            key="appraisal.new_project_threshold_yuan",
            region=world.regions["c1"],
            fiscal_year=2024 if i % 2 else None,
            value=str(1000000 + i),
            source=f"中财绩〔2024〕{i + 1}号",
        )


ADMIN_PAGES = {
    "users page": ("sysadmin", "/users/", add_users),
    "audit page": ("auditadmin", "/audit/", add_projects),
    "audit API": ("auditadmin", "/api/audit-events/", add_projects),
    "rules page": ("performance", "/rules/?region=141129&year=2024", add_rule_versions),
}


@pytest.mark.parametrize("name", list(ADMIN_PAGES))
def test_administration_pages_cost_the_same_however_many_rows(world, client_for, name):
    who, url, add = ADMIN_PAGES[name]
    client = client_for(who)
    add(world, 5, 0)
    client.get(url)  # warm-up
    few = count_queries(client, url)
    add(world, 30, 5)
    many = count_queries(client, url)
    assert few == many, f"{name}: {few} queries with few rows, {many} with many"
    assert many <= 20, f"{name}: {many} queries"
