"""The monitoring API: rounds, reports with their flow, warnings and dispositions, scoped to the user."""

from decimal import Decimal

import pytest

from jixiao.monitoring.models import MonitoringReport

pytestmark = pytest.mark.django_db

YEAR = 2025


def _login(client, world, key):
    client.force_login(world.users[key])
    return client


def _open(client, world):
    _login(client, world, "performance")
    response = client.post(
        "/api/monitoring-rounds/", {"region": world.regions["c1"].pk, "year": YEAR}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_report_goes_through_the_api(client, world):
    round_ = _open(client, world)
    assert round_["cutoff_month"] == 7 and round_["due_date"] == f"{YEAR}-08-31"
    report = MonitoringReport.objects.get(round_id=round_["id"], project=world.projects["c1.unit_a.P2"])
    _login(client, world, "unit")
    listed = client.get(f"/api/monitoring-reports/?round={round_['id']}").json()
    assert [r["id"] for r in listed["results"]] == [report.pk]
    rows = client.get(f"/api/monitoring-reports/{report.pk}/").json()["indicators"]
    entries = [{"id": r["id"], "value_to_date": "50", "likelihood": "确定能"} for r in rows]
    entries[0].update(likelihood="有可能")
    payload = {"executed_to_date": "100000.00", "expected_full_year": "250000.50", "indicators": entries}
    refused = client.put(f"/api/monitoring-reports/{report.pk}/", payload, content_type="application/json")
    assert refused.status_code == 400 and "须勾选偏差原因" in refused.content.decode()
    entries[0].update(causes=["经费保障"], measures="加快支付")
    saved = client.put(f"/api/monitoring-reports/{report.pk}/", payload, content_type="application/json")
    assert saved.status_code == 200 and saved.json()["executed_to_date"] == "100000.00"
    assert client.post(f"/api/monitoring-reports/{report.pk}/submit/").json()["status"] == "submitted"
    _login(client, world, "department")
    reviewed = client.post(
        f"/api/monitoring-reports/{report.pk}/review/", {"approve": True}, content_type="application/json"
    )
    assert reviewed.json()["status"] == "dept_reviewed"
    _login(client, world, "performance")
    client.post(f"/api/monitoring-rounds/{round_['id']}/compute-warnings/")
    warnings = client.get(f"/api/monitoring-warnings/?report={report.pk}&rule=execution_progress").json()
    assert warnings["results"][0]["colour"] == "yellow" and "68.6%" in warnings["results"][0]["message"]


def test_a_disposition_is_proposed_and_approved_through_the_api(client, world):
    project = world.projects["c1.unit_a.P2"]
    _login(client, world, "performance")
    proposed = client.post(
        "/api/dispositions/",
        {"project": project.pk, "kind": "recover", "amount": "50000.00", "reason": "结余资金"},
        content_type="application/json",
    )
    assert proposed.status_code == 201, proposed.content
    pk = proposed.json()["id"]
    assert client.post(f"/api/dispositions/{pk}/approve/", {}, content_type="application/json").status_code == 403
    _login(client, world, "budget")
    approved = client.post(f"/api/dispositions/{pk}/approve/", {}, content_type="application/json").json()
    assert approved["status"] == "approved"
    assert Decimal(approved["available_budget"]) == project.amount_approved - Decimal(50000)


def test_other_units_and_counties_get_404(client, world):
    round_ = _open(client, world)
    report = MonitoringReport.objects.get(round_id=round_["id"], project=world.projects["c1.unit_a.P2"])
    _login(client, world, "unit_b")
    assert client.get(f"/api/monitoring-reports/{report.pk}/").status_code == 404
    assert client.post(f"/api/monitoring-reports/{report.pk}/submit/").status_code == 404
    _login(client, world, "p2_performance")
    assert client.get(f"/api/monitoring-rounds/{round_['id']}/").status_code == 404
    opened = client.post(
        "/api/monitoring-rounds/", {"region": world.regions["c1"].pk, "year": YEAR}, content_type="application/json"
    )
    assert opened.status_code == 403
