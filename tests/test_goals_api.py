"""The goals REST API: declaring with inline or split targets, the findings of the checks, submitting,
reviewing (合理性 as an alias), withdrawing, adjusting, batch review, the inbox; 400 with the field for
domain errors, 403 and 404 by scope; the goal gate on the budget; constant query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jixiao.goals import services
from jixiao.goals.models import Goal, Review
from jixiao.projects import services as project_services
from jixiao.projects.models import Project
from tests.world import GOAL


def indicators() -> list[dict[str, object]]:
    return [
        {"level1": "产出指标", "level2": "数量指标", "name": "培训教师人次", "target": "≥50人次"},
        {"level1": "产出指标", "level2": "成本指标", "name": "培训成本", "target": "≤90万元"},
        {"level1": "效益指标", "level2": "社会效益指标", "name": "教师考核合格率", "target": "≥95百分比"},
        {
            "level1": "满意度指标",
            "level2": "服务对象满意度指标",
            "name": "参训教师满意度",
            "operator": "≥",
            "target_value": "90",
            "unit": "%",
        },
    ]


def body(world, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "project": world.projects["c1.unit_a.P1"].pk,
        "annual_goal": "完成教师培训50人次，考核合格率不低于95%。",
        "indicators": indicators(),
    }
    data.update(changes)
    return data


def post(c, url: str, data: object = None):
    return c.post(url, data if data is not None else {}, content_type="application/json")


def create(world, client_for, by: str = "unit", **changes: object) -> dict:
    r = post(client_for(by), "/api/goals/", body(world, **changes))
    assert r.status_code == 201, r.json()
    return r.json()


def test_create_reads_inline_targets_and_shows_indicators_and_findings(world, client_for):
    goal = create(world, client_for)
    assert (goal["version"], goal["status"], goal["status_label"]) == (1, "draft", "草稿")
    rows = [(i["position"], i["operator"], i["target_value"], i["unit"], i["target"]) for i in goal["indicators"]]
    assert rows == [
        (1, "≥", "50.0000", "人次", "≥50人次"),
        (2, "≤", "90.0000", "万元", "≤90万元"),
        (3, "≥", "95.0000", "%", "≥95%"),
        (4, "≥", "90.0000", "%", "≥90%"),
    ]
    assert all(f["severity"] != "blocking" for f in goal["findings"])
    shown = client_for("department").get(f"/api/goals/{goal['id']}/").json()
    assert shown["project_code"] == "141129-JY-01-P1" and len(shown["indicators"]) == 4


def test_findings_point_at_the_field(world, client_for):
    faulty = indicators()[:1] + [{"level1": "效益指标", "level2": "社会效益指标", "name": "效果", "target": "效果明显"}]
    goal = create(world, client_for, indicators=faulty)
    blocking = {(f["check"], f["field"]) for f in goal["findings"] if f["severity"] == "blocking"}
    assert ("missing_satisfaction", "indicators") in blocking
    r = post(client_for("unit"), f"/api/goals/{goal['id']}/submit/")
    assert r.status_code == 400
    assert r.json()["detail"].startswith("绩效目标未通过自动审核，不能提交：")
    assert r.json()["field"] == "indicators"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"level1": "投入指标"}, "indicators.2.level1", "一级指标“投入指标”不在本地区的指标体系中"),
        ({"target": "50到60个"}, "indicators.2.target", "第2个指标"),
        ({"target": "", "operator": ""}, "indicators.2.operator", "请填写指标值（target）或指标性质（operator）"),
    ],
)
def test_domain_errors_answer_400_with_the_indicator_field(world, client_for, change, field, message):
    rows = indicators()
    rows[1] = {**rows[1], **change}
    r = post(client_for("unit"), "/api/goals/", body(world, indicators=rows))
    assert r.status_code == 400, r.json()
    assert r.json()["field"] == field
    assert message in r.json()["detail"]
    assert not Goal.objects.filter(project=world.projects["c1.unit_a.P1"]).exists()


def test_scope_another_departments_unit_gets_404_and_a_project_out_of_scope_is_refused(world, client_for):
    goal = create(world, client_for)
    other = client_for("unit_b")
    assert other.get(f"/api/goals/{goal['id']}/").status_code == 404
    assert goal["id"] not in [g["id"] for g in other.get("/api/goals/").json()["results"]]
    assert other.put(f"/api/goals/{goal['id']}/", body(world), content_type="application/json").status_code == 404
    assert post(other, f"/api/goals/{goal['id']}/submit/").status_code == 404
    r = post(other, "/api/goals/", body(world))
    assert (r.status_code, r.json()["field"]) == (400, "project")


def test_update_submit_review_with_return_and_resubmission(world, client_for):
    unit, dept, perf = client_for("unit"), client_for("department"), client_for("performance")
    goal = create(world, client_for)
    url = f"/api/goals/{goal['id']}/"
    r = unit.put(url, body(world, annual_goal="完成教师培训60人次。"), content_type="application/json")
    assert r.status_code == 200 and r.json()["annual_goal"] == "完成教师培训60人次。"
    assert post(unit, url + "submit/").json()["status"] == "in_review"
    # The 绩效科 may see the goal but the first step is the 主管部门's: 403.
    r = post(perf, url + "review/", {"result": "优"})
    assert r.status_code == 403 and "须由主管部门审核" in r.json()["detail"]
    r = post(dept, url + "review/", {"result": "中"})
    assert (r.status_code, r.json()["field"]) == (400, "comment")
    r = post(dept, url + "review/", {"result": "中", "reasonableness": "成本偏高", "comment": "请核减培训成本"})
    assert r.json()["status"] == "returned"
    assert r.json()["reviews"][0]["appropriateness"] == "成本偏高"
    assert r.json()["reviews"][0]["reviewer_name"] == "测试department"
    assert post(unit, url + "submit/").json()["submissions"] == 2
    post(dept, url + "review/", {"result": "优"})
    r = post(perf, url + "review/", {"result": "良", "comment": "已协商完善"})
    assert (r.json()["status"], r.json()["last_result"]) == ("passed", "良")
    assert [(x["submission"], x["step_label"], x["result"]) for x in r.json()["reviews"]] == [
        (1, "主管部门审核", "中"),
        (2, "主管部门审核", "优"),
        (2, "财政部门审核", "良"),
    ]
    r = unit.put(url, body(world), content_type="application/json")
    assert r.status_code == 400 and "已通过的目标须申请调整" in r.json()["detail"]


def test_withdraw(world, client_for):
    unit = client_for("unit")
    goal = create(world, client_for)
    post(unit, f"/api/goals/{goal['id']}/submit/")
    r = post(unit, f"/api/goals/{goal['id']}/withdraw/")
    assert r.status_code == 200 and r.json()["status"] == "draft"
    r = post(unit, f"/api/goals/{goal['id']}/withdraw/")
    assert (r.status_code, r.json()["field"]) == (400, "status")


def test_adjust_opens_a_new_version_and_keeps_the_approved_one(world, client_for):
    unit = client_for("unit")
    approved = Goal.objects.get(project=world.projects["c1.unit_a.P2"])
    r = post(unit, f"/api/goals/{approved.pk}/adjust/", {"reason": ""})
    assert r.status_code == 400
    r = post(unit, f"/api/goals/{approved.pk}/adjust/", {"reason": "示范面积扩大"})
    assert r.status_code == 201
    assert (r.json()["version"], r.json()["status"], r.json()["adjustment_reason"]) == (2, "draft", "示范面积扩大")
    assert len(r.json()["indicators"]) == len(GOAL.indicators)
    listed = unit.get("/api/goals/").json()["results"]
    versions = sorted((g["version"], g["status"]) for g in listed if g["project"] == approved.project_id)
    assert versions == [(1, "approved"), (2, "draft")]


def submit_two(world) -> list[Goal]:
    goals = []
    for key, by in (("c1.unit_a.P1", "unit"), ("c1.dept_a.overall", "department")):
        goal = services.save_goal(actor=world.users[by], project=world.project(key), data=GOAL)
        goals.append(services.submit_goal(actor=world.users[by], goal=goal))
    return goals


def test_inbox_and_batch_review(world, client_for):
    a, b = submit_two(world)
    dept, perf = client_for("department"), client_for("performance")
    inbox = dept.get("/api/goal-inbox/").json()
    assert [(x["goal"], x["step_label"], x["project_code"]) for x in inbox["results"]] == [
        (a.pk, "主管部门审核", "141129-JY-01-P1"),
        (b.pk, "主管部门审核", "141129-JY-ZT"),
    ]
    assert perf.get("/api/goal-inbox/").json()["count"] == 0
    r = post(perf, "/api/goals/batch-review/", {"goals": [a.pk, b.pk], "result": "优"})
    assert r.status_code == 403 and "本批均未审核" in r.json()["detail"]
    r = post(dept, "/api/goals/batch-review/", {"goals": [a.pk, b.pk], "result": "中"})
    assert (r.status_code, r.json()["field"]) == (400, "result")
    assert "批量审核只能给出“优”或“良”" in r.json()["detail"]
    r = post(dept, "/api/goals/batch-review/", {"goals": [a.pk, b.pk, 10**6], "result": "优"})
    assert r.status_code == 400 and r.json()["field"] == "goals"
    assert not Review.objects.filter(goal__in=[a, b], state="done").exists()
    r = post(dept, "/api/goals/batch-review/", {"goals": [a.pk, b.pk], "result": "优", "comment": "同意"})
    assert r.status_code == 200 and {g["id"] for g in r.json()} == {a.pk, b.pk}
    assert dept.get("/api/goal-inbox/").json()["count"] == 0
    assert perf.get("/api/goal-inbox/").json()["count"] == 2


def test_the_gate_through_the_api(world, client_for):
    perf = client_for("performance")
    project = world.project("c1.unit_a.P1")
    for action in ("submit", "admit"):
        project_services.transition_project(actor=world.users["performance"], project=project, action=action)
    url = f"/api/projects/{project.pk}/transition/"
    r = post(perf, url, {"action": "approve_budget"})
    assert r.status_code == 400
    assert r.json() == {
        "detail": "项目“141129-JY-01-P1 中阳县第一中学校舍维修改造项目”尚未申报绩效目标，不能批复预算："
        "特定目标类项目须先设定绩效目标并经审核通过。",
        "field": "goal",
    }
    assert world.project("c1.unit_a.P1").status == Project.Status.IN_LIBRARY


def count_queries(c, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = c.get(url)
    assert r.status_code == 200
    return len(ctx.captured_queries)


def declare_and_pass_first_step(world, keys: list[str]) -> None:
    """Goals waiting for the 绩效科 (the second step of the default chain)."""
    for key in keys:
        project = world.project(key)
        goal = services.save_goal(actor=world.users["performance"], project=project, data=GOAL)
        goal = services.submit_goal(actor=world.users["performance"], goal=goal)
        services.review_goal(actor=world.department_reviewer(project), goal=goal, result="优")


def test_list_and_inbox_cost_a_constant_number_of_queries(world, client_for):
    perf = client_for("performance")
    declare_and_pass_first_step(world, ["c1.unit_a.P1"])
    perf.get("/api/goals/")  # warm-up: first-request work (sessions, content types) is not measured
    few = (count_queries(perf, "/api/goals/"), count_queries(perf, "/api/goal-inbox/"))
    assert perf.get("/api/goal-inbox/").json()["count"] == 1
    declare_and_pass_first_step(world, ["c1.unit_b.P1", "c1.dept_a.overall", "c1.dept_b.overall"])
    many = (count_queries(perf, "/api/goals/"), count_queries(perf, "/api/goal-inbox/"))
    assert perf.get("/api/goal-inbox/").json()["count"] == 4
    assert perf.get("/api/goals/").json()["count"] == 6  # 2 approved in 中阳县 by the world, 4 declared here
    assert many == few
