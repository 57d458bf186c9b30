"""The appraisal REST API: an assessment from opening to conclusion, a budget review refused when 送审 ≠
审定 + 审减 (400, the message, nothing written), signing by role, a function-point review computed on
the server, the worklist; an agency's view of its assignments only; 404 across units."""

from decimal import Decimal as D

from jixiao.appraisals.models import Assessment, BudgetReview
from jixiao.orgs import services as org_services
from jixiao.projects import services as project_services


def post(c, url: str, data: object = None, method: str = "post"):
    return getattr(c, method)(url, data if data is not None else {}, content_type="application/json")


def in_scope(world):
    org_services.set_rule(
        actor=world.users["performance"],
        key="appraisal.new_project_threshold_yuan",
        region=world.regions["c1"],
        fiscal_year=None,
        value="1000000",
        source="《蔡甸区区级预算事前绩效评估管理暂行办法》",
    )
    project = world.project("c1.unit_a.P1")
    return project_services.transition_project(actor=world.users["unit"], project=project, action="submit")


def full_marks(assessment: dict) -> list[dict]:
    return [
        {"dimension": d["key"], "item": i["name"], "score": i["points"]}
        for d in assessment["dimensions"]
        for i in d["items"]
    ]


def test_an_assessment_from_the_worklist_to_its_conclusion(world, client_for):
    project = in_scope(world)
    unit, perf = client_for("unit"), client_for("performance")
    listed = post(unit, "/api/appraisal-worklist/", method="get").json()
    assert [p["code"] for p in listed["results"]] == [project.code]
    r = post(unit, "/api/appraisals/", {"project": project.pk, "assessor_kind": "unit"})
    assert r.status_code == 201, r.json()
    assessment = r.json()
    url = f"/api/appraisals/{assessment['id']}/"
    r = post(unit, url + "score/", {"scores": full_marks(assessment), "materials_provided": ["项目申报书"]})
    assert r.status_code == 200 and r.json()["total"] == "100.00"
    r = post(unit, url + "submit/")
    assert r.status_code == 400 and r.json() == {
        "detail": "尚缺应提供材料：绩效目标申报表、实施方案、可行性研究报告、预算测算依据",
        "field": "materials_provided",
    }
    post(unit, url + "score/", {"materials_provided": assessment["materials_required"]})
    assert post(unit, url + "submit/").json()["band_conclusion"] == "予以支持"
    assert post(unit, url + "conclude/").status_code == 403
    r = post(perf, url + "conclude/", {"override": "调整完善后予以支持"})
    assert r.status_code == 400 and r.json()["field"] == "override_reason"
    r = post(perf, url + "conclude/", {"override": "调整完善后予以支持", "reason": "投资估算偏高"})
    body = r.json()
    assert (body["conclusion"], body["override_reason"], body["is_passing"]) == (
        "调整完善后予以支持",
        "投资估算偏高",
        False,
    )
    r = post(unit, url + "resubmit/")
    assert r.status_code == 201 and r.json()["submission"] == 2
    assert post(unit, "/api/appraisal-worklist/", method="get").json()["count"] == 1


def test_a_budget_review_breaking_the_sum_is_refused_and_nothing_is_written(world, client_for):
    project = in_scope(world)
    center = client_for("review_center")
    r = post(
        center,
        "/api/budget-reviews/",
        {
            "project": project.pk,
            "submitted_yuan": "1000000.00",
            "approved_yuan": "800000.00",
            "reduced_yuan": "199999.99",
        },
    )
    assert r.status_code == 400
    assert r.json()["detail"].endswith(
        "送审金额1,000,000.00元 ≠ 审定金额800,000.00元 + 审减金额199,999.99元"
        "（审定 + 审减 = 999,999.99元，相差0.01元）：须满足 送审 = 审定 + 审减"
    )
    r = post(
        center, "/api/budget-reviews/", {"project": project.pk, "submitted_yuan": "1000000", "approved_yuan": "800000"}
    )
    assert r.status_code == 400 and r.json() == {
        "detail": "项目“141129-JY-01-P1 中阳县第一中学校舍维修改造项目”：须填写审减金额",
        "field": "reduced_yuan",
    }
    assert not BudgetReview.objects.exists()
    r = post(
        center,
        "/api/budget-reviews/",
        {"project": project.pk, "submitted_yuan": "1000000", "approved_yuan": "800000", "derive": True},
    )
    assert r.status_code == 201 and (r.json()["reduced_yuan"], r.json()["reduction_rate"]) == ("200000.00", "20.00")
    url = f"/api/budget-reviews/{r.json()['id']}/"
    assert post(center, url + "submit/").json()["missing_roles"] == ["budget", "performance", "sector", "review_center"]
    assert post(client_for("sector"), url + "sign/", {"role": "budget"}).status_code == 403
    for role in ("budget", "performance", "sector", "review_center"):
        r = post(client_for(role), url + "sign/", {"role": role, "opinion": "同意"})
        assert r.status_code == 200, r.json()
    assert (r.json()["status"], r.json()["missing_roles"], len(r.json()["signatures"])) == ("final", [], 4)


def test_a_function_point_review_is_computed_on_the_server(world, client_for):
    project = in_scope(world)
    items = [
        {"path": ["门户", "用户管理"], "name": "用户信息", "type": "ILF", "reuse": "低", "change": "新增"},
        {"path": ["门户", "用户管理"], "name": "用户查询", "type": "EQ", "reuse": "中"},
        {"path": ["门户", "登录"], "name": "登录", "type": "外部输入"},
        {"path": ["后台", "统计"], "name": "统计报表", "type": "EO", "reuse": "高"},
    ]
    r = post(
        client_for("review_center"),
        "/api/fp-reviews/",
        {"project": project.pk, "items": items, "options": {"city": "北京"}, "requested_yuan": "50000"},
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    # The same list as the `jixiao fpa` example: 31,688.75 元 at P50, 审减 18,311.25 元.
    assert (body["estimate_yuan"], body["proposed_approved_yuan"], body["proposed_reduced_yuan"]) == (
        "31688.75",
        "31688.75",
        "18311.25",
    )
    assert [s["key"] for s in body["result"]["bands"]["P50"]["steps"]] == ["effort", "person_months", "cost"]
    r = post(client_for("review_center"), f"/api/fp-reviews/{body['id']}/compute/")
    assert r.status_code == 200 and r.json()["result"] == body["result"]
    r = post(
        client_for("review_center"),
        "/api/fp-reviews/",
        {"project": project.pk, "items": [{**items[0], "type": "表格"}]},
    )
    assert r.status_code == 400 and "类别“表格”无法识别" in r.json()["detail"]
    assert post(client_for("unit_b"), f"/api/fp-reviews/{body['id']}/", method="get").status_code == 404


def test_an_agency_sees_only_its_assignments_and_other_units_get_404(world, client_for):
    project = in_scope(world)
    r = post(
        client_for("performance"),
        "/api/appraisals/",
        {"project": project.pk, "assessor_kind": "agency", "agency": world.orgs["c1.agency"].pk},
    )
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    agency = client_for("agency")
    listed = post(agency, "/api/appraisals/", method="get").json()
    assert [a["id"] for a in listed["results"]] == [pk]
    assert post(agency, "/api/projects/", method="get").json()["count"] == 0
    r = post(agency, f"/api/appraisals/{pk}/score/", {"scores": full_marks(r.json())})
    assert r.status_code == 200 and r.json()["total"] == "100.00"
    # Another unit of the county: nothing listed, 404 on the assessment.
    other = client_for("unit_b")
    assert post(other, "/api/appraisals/", method="get").json()["count"] == 0
    assert post(other, f"/api/appraisals/{pk}/", method="get").status_code == 404
    assert post(other, f"/api/appraisals/{pk}/score/", {"scores": []}).status_code == 404
    r = post(other, "/api/appraisals/", {"project": project.pk, "assessor_kind": "unit"})
    assert r.status_code == 400 and r.json()["field"] == "project"
    assert Assessment.objects.filter(project=project).count() == 1
    assert Assessment.objects.get(pk=pk).total == D(100)


def test_the_gate_answers_through_the_project_api(world, client_for):
    project = in_scope(world)
    r = post(client_for("performance"), f"/api/projects/{project.pk}/transition/", {"action": "admit"})
    assert r.status_code == 400
    assert r.json()["detail"].endswith("须开展事前绩效评估，尚未评估，不能纳入项目库。")
    assert world.project("c1.unit_a.P1").status == "submitted"
