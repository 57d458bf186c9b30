"""Indicator recommendation: indicators of similar projects first, only what the user may see, and its
measured quality (`jixiao recommend_eval`)."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from jixiao.goals import services as goal_services
from jixiao.goals.library import LibraryInput, save_entry
from jixiao.goals.recommend import recommend
from jixiao.projects import services as project_services
from jixiao.projects.models import Project
from jixiao.projects.selectors import projects_for
from jixiao.rules.textsim import Bm25, TfIdfCosine, normalise_name

OUT, EFFECT, SATISFACTION = "产出指标", "效益指标", "满意度指标"
FARM = [
    (OUT, "数量指标", "新建高标准农田面积", "≥", "亩"),
    (OUT, "质量指标", "农田工程验收合格率", "≥", "%"),
    (EFFECT, "经济效益指标", "粮食亩均增产", "≥", "公斤"),
]
SCHOOL = [
    (OUT, "数量指标", "教学楼维修面积", "≥", "平方米"),
    (OUT, "质量指标", "校舍安全达标率", "=", "%"),
    (EFFECT, "社会效益指标", "学生就学条件改善", "定性", ""),
]
SATISFIED = (SATISFACTION, "服务对象满意度指标", "受益群众满意度", "≥", "%")


def make_project(world, owner_key, code, name, *, tags=(), description="", category=Project.Category.SPECIFIC):
    return project_services.create_project(
        actor=world.users["performance"],
        data=project_services.ProjectInput(
            code=code,
            name=name,
            owner=world.orgs[owner_key],
            fiscal_year=2026,
            category=category,
            amount_requested=Decimal("1000000"),
            domain_tags=list(tags),
            description=description,
        ),
    )


def declare(world, project, indicators, targets=None):
    rows = [
        goal_services.IndicatorInput(
            level1=level1,
            level2=level2,
            name=name,
            operator=operator,
            unit=unit,
            target_value=None if operator == "定性" else Decimal((targets or {}).get(name, 90)),
            target_text="明显改善" if operator == "定性" else f"{operator}{(targets or {}).get(name, 90)}{unit}",
        )
        for level1, level2, name, operator, unit in indicators
    ]
    goal_services.save_goal(
        actor=world.users["performance"], project=project, data=goal_services.GoalInput("年度目标", indicators=rows)
    )


@pytest.fixture
def similar_world(world):
    """Two 农田 projects of 农技推广中心 and one school project of 第一中学, all with goals."""
    b, a = "c1.unit_b", "c1.unit_a"
    farm1 = make_project(
        world, b, "T-NT1", "2026年高标准农田建设项目", tags=["乡村振兴"], description="新建高标准农田，提升粮食产能"
    )
    farm2 = make_project(world, b, "T-NT2", "农田水利设施改造项目", tags=["乡村振兴"], description="改造农田灌溉渠道")
    school = make_project(
        world, a, "T-XX1", "第一中学教学楼维修改造项目", tags=["教育"], description="维修改造教学楼校舍"
    )
    declare(world, farm1, [*FARM, SATISFIED], {"新建高标准农田面积": 5000})
    declare(world, farm2, [*FARM[:2], SATISFIED], {"新建高标准农田面积": 1200, "农田工程验收合格率": 95})
    declare(world, school, [*SCHOOL, SATISFIED])
    return {"farm1": farm1, "farm2": farm2, "school": school}


def keys(items):
    return [(i[0], i[1], normalise_name(i[2])) for i in items]


def test_a_new_farmland_project_gets_the_farmland_indicators_first(world, similar_world):
    new = make_project(world, "c1.unit_b", "T-NT3", "新建高标准农田示范区项目", tags=["乡村振兴"])
    suggestions = recommend(new, limit=10)
    names = [s.name for s in suggestions]
    # Shared by both farm projects (and 满意度 by every project, but less similar ones) come first.
    assert names[:2] == ["新建高标准农田面积", "农田工程验收合格率"]
    assert set(names[:4]) == {"新建高标准农田面积", "农田工程验收合格率", "受益群众满意度", "粮食亩均增产"}
    assert not {"教学楼维修面积", "校舍安全达标率"} & set(names[:4])
    area = suggestions[0]
    assert (area.operator, area.unit, area.projects) == ("≥", "亩", 2)
    assert (area.target_min, area.target_median, area.target_max) == (Decimal(1200), Decimal(1200), Decimal(5000))
    assert area.example_project_id == similar_world["farm1"].pk and area.source == "similar"
    assert area.example_target == "≥5000亩"


def test_a_school_project_gets_the_school_indicators_first(world, similar_world):
    new = make_project(world, "c1.unit_a", "T-XX2", "第二中学校舍维修项目", tags=["教育"])
    names = [s.name for s in recommend(new, limit=3)]
    assert set(names) <= {"教学楼维修面积", "校舍安全达标率", "学生就学条件改善", "受益群众满意度"}
    assert names[0] in {"教学楼维修面积", "校舍安全达标率", "学生就学条件改善"}


def test_the_project_itself_is_not_its_own_neighbour(world, similar_world):
    names = [s.name for s in recommend(similar_world["school"], limit=10)]
    assert "教学楼维修面积" not in names  # no other school project
    assert "教学楼维修面积" in [s.name for s in recommend(similar_world["school"], exclude_project=False)]


def test_with_a_user_only_projects_the_user_may_see_are_used(world, similar_world):
    # 第一中学 declares a farmland project: the farm projects are 农技推广中心's, which 第一中学 may not read.
    new = make_project(world, "c1.unit_a", "T-NT4", "第一中学高标准农田劳动实践基地", tags=["乡村振兴"])
    everyone = {s.name for s in recommend(new)}
    assert "新建高标准农田面积" in everyone
    as_unit = recommend(new, user=world.users["unit"])
    assert not {s.name for s in as_unit} & {n for _, _, n, _, _ in FARM}
    visible = set(projects_for(user=world.users["unit"]).values_list("pk", flat=True))
    assert as_unit and all(s.example_project_id in visible for s in as_unit)
    # The county's 绩效科 sees every project of the county.
    assert "新建高标准农田面积" in {s.name for s in recommend(new, user=world.users["performance"])}


def test_library_entries_follow_when_similar_projects_are_few(world, similar_world):
    entry = save_entry(
        actor=world.users["performance"],
        data=LibraryInput(
            scope="common", level1=OUT, level2="数量指标", name="新建农村公路里程", operator="≥", unit="公里"
        ),
    )
    new = make_project(world, "c1.unit_b", "T-GL1", "农村公路养护")
    suggestions = recommend(new, limit=5)
    assert [(s.name, s.source, s.library_entry_id) for s in suggestions] == [("新建农村公路里程", "library", entry.pk)]
    # A suggestion from similar projects is linked to the matching library entry.
    farm_entry = save_entry(
        actor=world.users["performance"],
        data=LibraryInput(
            scope="common", level1=OUT, level2="数量指标", name="新建高标准农田面积", operator="≥", unit="亩"
        ),
    )
    farm = make_project(world, "c1.unit_b", "T-NT5", "高标准农田提升项目")
    area = next(s for s in recommend(farm) if s.name == "新建高标准农田面积")
    assert area.library_entry_id == farm_entry.pk and area.source == "similar"


def test_api_recommends_for_a_visible_project_only(world, similar_world, client_for):
    new = make_project(world, "c1.unit_b", "T-NT6", "高标准农田建设二期项目")
    body = client_for("performance").get("/api/recommendations/", {"project": new.pk, "limit": 3}).json()
    assert [r["name"] for r in body][:2] == ["新建高标准农田面积", "农田工程验收合格率"]
    assert body[0]["target_max"] == "5000.0000" and body[0]["projects"] == 2
    assert client_for("unit").get("/api/recommendations/", {"project": new.pk}).status_code == 404
    assert client_for("performance").get("/api/recommendations/", {"project": "x"}).status_code == 400


def test_eval_reports_hit_rate_against_the_popular_baseline(world, capsys):
    # Five farm projects and three school projects: the five most used indicators are all farm ones.
    farm_more = [*FARM, (OUT, "时效指标", "工程按期完工率", "≥", "%"), (OUT, "成本指标", "亩均建设成本", "≤", "元")]
    school_more = [
        *SCHOOL,
        (OUT, "时效指标", "维修工程按期完成率", "≥", "%"),
        (OUT, "成本指标", "校舍维修单价", "≤", "元"),
    ]
    for n in range(5):
        declare(world, make_project(world, "c1.unit_b", f"E-NT{n}", f"第{n + 1}批高标准农田建设项目"), farm_more)
    for n in range(3):
        declare(world, make_project(world, "c1.unit_a", f"E-XX{n}", f"第{n + 1}批中小学校舍维修改造项目"), school_more)
    c1 = world.regions["c1"].code  # the world's own goals are for 2025
    call_command("recommend_eval", "--region", c1, "--year", "2026", "--holdout", "0.25", "--json")
    report = json.loads(capsys.readouterr().out)
    assert (report["projects"], report["held_out"], report["k"]) == (8, 2, 5)
    assert report["recommended"]["hit_rate"] == 1.0 and report["recommended"]["precision"] == 1.0
    assert report["recommended"]["precision"] >= report["baseline"]["precision"]
    call_command("recommend_eval", "--region", c1, "--year", "2026", "--holdout", "0.25")
    out = capsys.readouterr().out
    assert "前5命中率" in out and "相似推荐" in out and "100.0%" in out


def test_ranking_functions_work_on_plain_word_lists():
    docs = [(1, ["资助", "学生", "人数"]), (2, ["学生", "人数"]), (3, ["农田", "面积"])]
    scores = Bm25(docs).scores(["学生", "资助"])
    assert set(scores) == {1, 2} and scores[1] > scores[2]
    cosine = TfIdfCosine(docs)
    assert cosine.similar(["农田", "面积"])[3] == pytest.approx(1.0)
    assert 3 not in cosine.similar(["学生"])
    assert normalise_name("资助 覆盖率（%）") == normalise_name("资助覆盖率(%)")
    assert keys([(OUT, "数量指标", "A B")]) == [(OUT, "数量指标", "ab")]
