"""The 指标库: who keeps and who sees which entries, search by words, usage counts, API and console."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.core.models import AuditEvent
from jixiao.goals import services as goal_services
from jixiao.goals.library import (
    LibraryInput,
    library_for,
    refresh_usage_counts,
    retire_entry,
    save_entry,
    search_library,
)
from jixiao.goals.models import LibraryIndicator
from jixiao.projects.models import DomainTag

OUT, EFFECT, SATISFACTION = "产出指标", "效益指标", "满意度指标"


def entry(world, user_key, name, *, scope="common", level1=OUT, level2="数量指标", unit="", explanation="", **kw):
    return save_entry(
        actor=world.users[user_key],
        data=LibraryInput(
            scope=scope,
            level1=level1,
            level2=level2,
            name=name,
            operator=kw.pop("operator", "≥"),
            unit=unit,
            explanation=explanation,
            **kw,
        ),
    )


@pytest.fixture
def library(world):
    """共性 entries of 中阳县 and 吕梁市, and a 个性 one of 中阳县教育局."""
    education = DomainTag.objects.get_or_create(name="教育")[0]
    return {
        "headcount": entry(world, "performance", "资助学生人数", unit="人", domain=education),
        "coverage": entry(
            world,
            "performance",
            "家庭经济困难学生资助覆盖率",
            level2="质量指标",
            unit="%",
            explanation="获得资助的家庭经济困难学生占应资助学生的比例",
            domain=education,
        ),
        "farmland": entry(world, "performance", "新建高标准农田面积", unit="亩"),
        "satisfaction": entry(
            world, "city_performance", "服务对象满意度", level1=SATISFACTION, level2="服务对象满意度指标", unit="%"
        ),
        "canteen": entry(
            world, "department", "学校食堂食品安全检查覆盖率", scope="specific", level2="质量指标", unit="%"
        ),
    }


def names(entries):
    return [e.name for e in entries]


def test_search_finds_by_words_in_any_order(world, library):
    found = names(search_library(world.users["performance"], "学生资助"))
    assert set(found[:2]) == {"资助学生人数", "家庭经济困难学生资助覆盖率"}
    assert "新建高标准农田面积" not in found
    # A substring search would miss the first: the words come the other way round.
    assert not LibraryIndicator.objects.filter(name__icontains="学生资助", name="资助学生人数").exists()


def test_search_finds_a_word_inside_a_longer_one(world, library):
    assert names(search_library(world.users["performance"], "农田 面积"))[0] == "新建高标准农田面积"
    assert names(search_library(world.users["performance"], "满意度")) == ["服务对象满意度"]


def test_search_ranks_more_shared_words_first_and_breaks_ties_by_usage(world, library):
    found = names(search_library(world.users["performance"], "资助覆盖率"))
    assert found[0] == "家庭经济困难学生资助覆盖率"  # both words; 资助学生人数 has one
    twin = entry(world, "performance", "资助学生人数", unit="人次")
    LibraryIndicator.objects.filter(pk=twin.pk).update(usage_count=7)
    found = search_library(world.users["performance"], "资助学生人数")
    assert [(e.name, e.unit) for e in found[:2]] == [("资助学生人数", "人次"), ("资助学生人数", "人")]


def test_search_filters(world, library):
    user = world.users["performance"]
    assert names(search_library(user, "覆盖率", level2="质量指标", scope="common")) == ["家庭经济困难学生资助覆盖率"]
    assert names(search_library(user, "学生", domain="教育", level2="数量指标")) == ["资助学生人数"]
    assert names(search_library(user, "", level1=SATISFACTION)) == ["服务对象满意度"]
    assert search_library(user, "学生资助", level1=EFFECT) == []


def test_each_user_sees_the_common_entries_above_and_their_own_department(world, library):
    unit = set(names(library_for(world.users["unit"])))  # 第一中学 under 中阳县教育局
    assert unit == {
        "资助学生人数",
        "家庭经济困难学生资助覆盖率",
        "新建高标准农田面积",
        "服务对象满意度",
        "学校食堂食品安全检查覆盖率",
    }
    other_department = set(names(library_for(world.users["unit_b"])))  # 农技推广中心 under 农业农村局
    assert "学校食堂食品安全检查覆盖率" not in other_department
    assert "服务对象满意度" in other_department
    # 交口县 sees 吕梁市's entries, not 中阳县's; 岐山县 (another province) neither.
    assert names(library_for(world.users["c2_performance"])) == ["服务对象满意度"]
    assert list(library_for(world.users["p2_performance"])) == []
    # Finance staff of 中阳县 see the departments' 个性 entries too.
    assert "学校食堂食品安全检查覆盖率" in names(library_for(world.users["performance"]))
    assert search_library(world.users["unit_b"], "食堂") == []


def test_only_the_finance_bureau_adds_common_entries_and_departments_their_own(world, library):
    with pytest.raises(PermissionDenied):
        entry(world, "unit", "在校学生人数")
    with pytest.raises(PermissionDenied):
        entry(world, "department", "在校学生人数")
    with pytest.raises(PermissionDenied):
        entry(world, "unit", "在校学生人数", scope="specific")
    own = entry(world, "department", "在校学生人数", scope="specific", unit="人")
    assert own.owner == world.orgs["c1.dept_a"] and own.region == world.regions["c1"]
    common = entry(world, "performance", "在校学生人数", unit="人")
    assert common.owner == world.orgs["c1.bureau"]
    with pytest.raises(PermissionDenied):  # a county cannot keep the city's entries
        entry(world, "performance", "在校学生人数", region=world.regions["city"])
    # Another department's entry does not exist for 农业农村局's unit, not even to be refused.
    with pytest.raises(NotFound):
        retire_entry(actor=world.users["unit_b"], entry=library["canteen"])
    with pytest.raises(PermissionDenied):
        retire_entry(actor=world.users["unit"], entry=library["canteen"])


def test_entries_are_checked_against_the_indicator_tree_and_for_duplicates(world, library):
    with pytest.raises(DomainError) as exc:
        entry(world, "performance", "在校学生人数", level2="社会效益指标")
    assert exc.value.field == "level2" and "不属于“产出指标”" in exc.value.message
    with pytest.raises(DomainError) as exc:
        entry(world, "performance", "资助学生人数", unit="人")
    assert exc.value.field == "name" and "已有" in exc.value.message


def test_changing_and_retiring_are_audited(world, library):
    user = world.users["performance"]
    farmland = library["farmland"]
    changed = save_entry(
        actor=user,
        data=LibraryInput(
            scope="common", level1=OUT, level2="数量指标", name="新建高标准农田面积", operator="≥", unit="万亩"
        ),
        entry=farmland,
    )
    assert changed.unit == "万亩" and "农田" in changed.search_words.split()
    event = AuditEvent.objects.filter(action="library.save", object_id=str(farmland.pk)).latest("id")
    assert event.before == {"unit": "亩"} and event.after == {"unit": "万亩"}
    retire_entry(actor=user, entry=changed)
    assert AuditEvent.objects.filter(action="library.retire", object_id=str(farmland.pk)).exists()
    assert "新建高标准农田面积" not in names(search_library(user, "农田"))
    assert "新建高标准农田面积" in names(library_for(user, include_retired=True))


def _goal(world, project_key, indicators):
    """Declares a draft goal for a world project, as the county's 绩效科 may."""
    project = world.project(project_key)
    county = project_key.split(".")[0]
    rows = [
        goal_services.IndicatorInput(
            level1=level1, level2=level2, name=name, operator="≥", target_value=Decimal(1), library_entry_id=link
        )
        for level1, level2, name, link in indicators
    ]
    return goal_services.save_goal(
        actor=world.users["performance" if county == "c1" else f"{county}_performance"],
        project=project,
        data=goal_services.GoalInput("年度目标", indicators=rows),
    )


def test_usage_counts_count_linked_and_matching_indicators_within_reach(world, library):
    headcount, coverage = library["headcount"], library["coverage"]
    _goal(world, "c1.unit_a.P1", [(OUT, "数量指标", "资助学生人数", None), (OUT, "质量指标", "资助覆盖", coverage.pk)])
    _goal(world, "c1.unit_b.P1", [(OUT, "数量指标", "资助 学生人数", None)])  # same name, spelt with a space
    _goal(world, "c2.unit_a.P1", [(OUT, "数量指标", "资助学生人数", None)])  # 交口县: outside 中阳县's reach
    _goal(world, "c1.dept_b.overall", [(OUT, "数量指标", "学校食堂食品安全检查覆盖率", None)])  # not 教育局's project
    assert refresh_usage_counts() >= 2
    counts = dict(LibraryIndicator.objects.values_list("name", "usage_count"))
    assert counts["资助学生人数"] == 2
    assert counts["家庭经济困难学生资助覆盖率"] == 1
    assert counts["学校食堂食品安全检查覆盖率"] == 0
    assert refresh_usage_counts() == 0  # nothing changed since
    assert search_library(world.users["performance"], "")[0].pk == headcount.pk


def test_api_lists_searches_adds_and_retires(world, library, client_for):
    perf = client_for("performance")
    body = perf.get("/api/indicator-library/", {"q": "学生资助"}).json()
    assert {r["name"] for r in body["results"][:2]} == {"资助学生人数", "家庭经济困难学生资助覆盖率"}
    data = {
        "scope": "common",
        "level1": OUT,
        "level2": "时效指标",
        "name": "资助资金发放及时率",
        "operator": "≥",
        "unit": "%",
        "typical_target": "95",
        "domain": "教育",
    }
    created = perf.post("/api/indicator-library/", data, content_type="application/json")
    assert created.status_code == 201 and created.json()["owner_name"] == "中阳县财政局"
    pk = created.json()["id"]
    assert perf.get("/api/indicator-library/", {"q": "及时率"}).json()["results"][0]["id"] == pk
    assert client_for("unit").post("/api/indicator-library/", data, content_type="application/json").status_code == 403
    assert client_for("unit").post(f"/api/indicator-library/{pk}/retire/").status_code == 403
    assert client_for("p2_performance").get(f"/api/indicator-library/{pk}/").status_code == 404
    renamed = perf.put(
        f"/api/indicator-library/{pk}/", {**data, "name": "资助资金按时发放率"}, content_type="application/json"
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "资助资金按时发放率"
    assert perf.post(f"/api/indicator-library/{pk}/retire/").json()["is_active"] is False
    bad = perf.post("/api/indicator-library/", {**data, "level1": "投入指标"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "level1"


def test_console_searches_and_adds(world, library, capsys):
    call_command("library", "search", "学生资助", "--user", world.users["unit"].username, "--json")
    rows = json.loads(capsys.readouterr().out)
    assert {r["name"] for r in rows[:2]} == {"资助学生人数", "家庭经济困难学生资助覆盖率"}
    call_command(
        "library", "add", "--user", world.users["department"].username, "--scope", "specific",
        "--level1", OUT, "--level2", "数量指标", "--name", "校舍维修面积", "--operator", "≥", "--unit", "平方米",
    )  # fmt: skip
    assert "已新增" in capsys.readouterr().out
    call_command("library", "list", "--user", world.users["unit"].username, "--scope", "specific")
    out = capsys.readouterr().out
    assert "校舍维修面积" in out and "共 2 条" in out
