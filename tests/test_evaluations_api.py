"""The REST API of 绩效自评, 抽查复核 and 再评价: a self-evaluation from prefill to finance review with a
return on the way, scope isolation, a sampling plan drawn twice to the same sample (and another seed to
another), both draws in the audit trail as an audit administrator sees it, a re-check with its discrepancy
report and a re-evaluation."""

from decimal import Decimal

import pytest

from jixiao.evaluations import sampling
from jixiao.evaluations.models import SelfEvaluation

pytestmark = pytest.mark.django_db


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def put(client, url, data):
    return client.put(url, data, content_type="application/json")


def filled(world, client):
    """A unit's self-evaluation prefilled and filled in through the API, ready to submit."""
    project = world.project("c1.unit_a.P2")
    created = post(client, "/api/self-evaluations/", {"project": project.pk})
    assert created.status_code == 201, created.json()
    form = created.json()
    assert [r["target"] for r in form["indicators"]] == ["≥1200平方米", "=100%", "≥90%"]
    assert {m["field"] for m in form["missing"]} >= {"executed", "indicators.0.actual_value"}
    rows = [
        {"id": form["indicators"][0]["id"], "actual_value": "1000", "deviation_reason": "材料涨价"},
        {"id": form["indicators"][1]["id"], "actual_value": "100"},
        {"id": form["indicators"][2]["id"], "actual_value": "95"},
    ]
    saved = put(client, f"/api/self-evaluations/{form['id']}/", {"executed": "200000", "indicators": rows})
    assert saved.status_code == 200, saved.json()
    return saved.json()


def test_a_self_evaluation_goes_from_prefill_to_finance_review(world, client_for):
    unit = client_for("unit")
    form = filled(world, unit)
    first = form["indicators"][0]
    assert Decimal(first["score"]) == (Decimal(1000) / 1200 * 50).quantize(Decimal("1e-10"))
    assert "1000" in first["explanation"]["text"] and "1200" in first["explanation"]["text"]
    assert form["grade"] and form["total_score"] is not None
    url = f"/api/self-evaluations/{form['id']}"

    refused = post(unit, f"{url}/submit/")  # the missed target needs its improvement measures too
    assert refused.status_code == 400 and "改进措施" in refused.json()["detail"]
    rows = [
        {"id": first["id"], "actual_value": "1000", "deviation_reason": "材料涨价", "improvement_measures": "提前采购"}
    ]
    assert put(unit, f"{url}/", {"indicators": rows}).status_code == 200
    assert post(unit, f"{url}/submit/").json()["status"] == "submitted"

    assert post(unit, f"{url}/department-review/", {"approve": True}).status_code == 403
    department = client_for("department")
    assert post(department, f"{url}/finance-review/", {"approve": True}).status_code in (400, 403)
    no_comment = post(department, f"{url}/department-review/", {"approve": False})
    assert no_comment.status_code == 400
    returned = post(department, f"{url}/department-review/", {"approve": False, "comment": "请补充满意度调查方法"})
    assert returned.json()["status"] == "returned" and returned.json()["review_comment"] == "请补充满意度调查方法"

    assert post(unit, f"{url}/submit/").json()["status"] == "submitted"
    assert post(department, f"{url}/department-review/", {"approve": True}).json()["status"] == "dept_reviewed"
    done = post(client_for("performance"), f"{url}/finance-review/", {"approve": True, "comment": "同意"})
    assert done.status_code == 200 and done.json()["status"] == "finance_reviewed"
    assert put(unit, f"{url}/", {"indicators": []}).status_code == 400  # no longer editable


def test_another_unit_neither_sees_nor_changes_the_form(world, client_for):
    form = filled(world, client_for("unit"))
    other = client_for("unit_b")
    url = f"/api/self-evaluations/{form['id']}/"
    assert other.get(url).status_code == 404
    assert put(other, url, {"executed": "1"}).status_code == 404
    assert post(other, f"{url}submit/").status_code == 404
    assert form["id"] not in [e["id"] for e in other.get("/api/self-evaluations/").json()["results"]]
    assert SelfEvaluation.objects.get(pk=form["id"]).executed == Decimal(200000)


def _plan(client, world, seed):
    data = {
        "region": world.regions["c1"].pk,
        "year": 2025,
        "population": "projects",
        "method": "simple",
        "size": 1,
        "seed": seed,
    }
    created = post(client, "/api/sampling-plans/", data)
    assert created.status_code == 201, created.json()
    return created.json()


def test_a_plan_draws_the_same_sample_twice_another_seed_another_and_the_audit_shows_both(world, client_for):
    finance = client_for("performance")
    plan = _plan(finance, world, 7)
    url = f"/api/sampling-plans/{plan['id']}"
    assert finance.get(f"{url}/sample/").json() == []
    first = post(finance, f"{url}/draw/").json()
    again = post(finance, f"{url}/draw/").json()
    assert first == again == finance.get(f"{url}/sample/").json()
    assert len(first) == 1
    shown = finance.get(f"{url}/").json()
    assert shown["seed"] == 7 and shown["population_size"] > 1 and len(shown["population_hash"]) == 64

    # A seed whose sample differs, found by the pure function on the same population of keys.
    keys = [sampling.Unit(k) for k in _population_keys(world)]
    chosen = sampling.simple(keys, 1, 7)
    other_seed = next(s for s in range(8, 200) if sampling.simple(keys, 1, s) != chosen)
    other = _plan(finance, world, other_seed)
    drawn = post(finance, f"/api/sampling-plans/{other['id']}/draw/").json()
    assert drawn[0]["project_code"] != first[0]["project_code"]

    audit = client_for("auditadmin").get("/api/audit-events/", {"action": "sampling.draw"}).json()["results"]
    draws = [e for e in audit if e["object_id"] == str(plan["id"])]
    assert len(draws) == 2
    assert {e["after"]["seed"] for e in draws} == {7}
    assert all(e["after"]["sample"] == [f"{world.regions['c1'].code}/{first[0]['project_code']}"] for e in draws)
    assert any(e["object_id"] == str(other["id"]) and e["after"]["seed"] == other_seed for e in audit)
    assert client_for("unit").post(f"{url}/draw/").status_code == 404


def _population_keys(world):
    from jixiao.evaluations.services import EVALUATED_STATUSES
    from jixiao.projects.models import Project

    projects = Project.objects.filter(
        region__path__startswith=world.regions["c1"].path, fiscal_year=2025, status__in=EVALUATED_STATUSES
    ).select_related("region")
    return [f"{p.region.code}/{p.code}" for p in projects]


def test_a_recheck_on_the_same_form_shows_the_discrepancy(world, client_for):
    unit = client_for("unit")
    form = filled(world, unit)
    first = form["indicators"][0]
    rows = [{"id": first["id"], "actual_value": "1000", "deviation_reason": "材料涨价", "improvement_measures": "提前"}]
    put(unit, f"/api/self-evaluations/{form['id']}/", {"indicators": rows})
    assert post(unit, f"/api/self-evaluations/{form['id']}/submit/").status_code == 200

    finance = client_for("performance")
    assert post(unit, "/api/rechecks/", {"evaluation": form["id"]}).status_code in (400, 403, 404)
    created = post(finance, "/api/rechecks/", {"evaluation": form["id"]})
    assert created.status_code == 201, created.json()
    recheck = created.json()
    assert [r["actual_value"] for r in recheck["indicators"]] == ["1000.0000", "100.0000", "95.0000"]
    lower = [{"id": recheck["indicators"][0]["id"], "actual_value": "600", "comment": "现场核实600平方米"}]
    for r in recheck["indicators"][1:]:
        lower.append({"id": r["id"], "actual_value": r["actual_value"]})
    done = put(
        finance, f"/api/rechecks/{recheck['id']}/", {"indicators": lower, "findings": "面积虚报", "complete": True}
    )
    assert done.status_code == 200, done.json()
    report = done.json()["discrepancy"]
    area = report["indicators"][0]
    assert Decimal(area["recheck_score"]) == 25 and Decimal(area["difference"]) < 0
    assert Decimal(report["total"]["difference"]) < 0
    assert client_for("unit_b").get(f"/api/rechecks/{recheck['id']}/").status_code == 404


def test_a_reevaluation_scores_a_department_on_the_checklist(world, client_for):
    finance = client_for("performance")
    keys = ["rules", "cooperation", "goals", "self_evaluation", "use_of_results"]
    data = {
        "department": world.orgs["c1.dept_a"].pk,
        "year": 2025,
        "scores": [{"key": k, "score": "18"} for k in keys],
        "findings": "自评质量有待提高",
    }
    created = post(finance, "/api/reevaluations/", data)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert Decimal(body["total_score"]) == 90 and body["grade"] == "优"
    changed = put(finance, f"/api/reevaluations/{body['id']}/", {"scores": [{"key": "rules", "score": "8"}]})
    assert Decimal(changed.json()["total_score"]) == 80 and changed.json()["grade"] == "良"
    assert (
        post(finance, "/api/reevaluations/", {**data, "scores": [{"key": "rules", "score": "30"}]}).status_code == 400
    )
    assert client_for("unit").post("/api/reevaluations/", data, content_type="application/json").status_code in (
        403,
        404,
    )
