"""Goal tables in the shapes they are published in, imported through the standard form.

Four layouts as bureaus publish them, with the rows a unit would write:
- the 财预〔2015〕88号 annex 项目支出绩效目标申报表: no 项目编码, 主管部门及代码, 项目资金 rows in 万元 with
  其中：财政拨款/其他资金 for 中期 and 年度, 中期/年度目标 side by side, and the 中期 and 年度 indicator sets side
  by side (一级指标 | 二级指标 | 三级指标 | 指标值 | 二级指标 | 三级指标 | 指标值);
- an 一体化 system export: 「绩效指标」 merged over a two-row header (指标值 over 中期指标值 | 年度指标值), 指标性质
  and 度量单位 columns, 指标值设定依据;
- a budget disclosure's flat 项目支出绩效目标表 (单位名称 | 项目名称 | 年度目标 | 一级指标 | … | 指标性质 | 指标值 |
  度量单位), several projects in one table, their cells merged down;
- the 88号 annex 部门整体支出绩效目标申报表: 部门（单位）名称, the 年度主要任务 block, the year's budget,
  年度总体目标 and 指标值（包含数字及文字描述）.
"""

from decimal import Decimal

import openpyxl
import pytest

from jixiao.goals import excel
from jixiao.goals.models import Goal
from jixiao.imports import services

YEAR = 2026


def upload(user, path, *, commit=False):
    with open(path, "rb") as f:
        return services.run_import(
            actor=user, kind="goals", filename=path.name, file=f, commit_rows=commit, options={"year": YEAR}
        )


def put(ws, row: int, values: dict[int, object]) -> None:
    for column, value in values.items():
        cell = ws.cell(row, column, value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # 「=100%」 is text in a published form, not a formula


def findings(batch, name: str) -> list[str]:
    return [w["message"] for w in batch.summary["warnings"] if name in w["message"]]


def indicators(project) -> list[tuple]:
    goal = Goal.objects.get(project=project)
    return [
        (i.level1, i.level2, i.name, i.operator, i.target_value, i.unit, i.target_text)
        for i in goal.indicators.order_by("position")
    ]


# --- 1. the 88号 annex, 中期 and 年度 side by side -------------------------------------------------------


def annex_88(path, project_name: str) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "附2-1"
    put(ws, 1, {1: "项目支出绩效目标申报表"})
    ws.merge_cells("A1:H1")
    put(ws, 2, {1: f"（{YEAR}年度）"})
    put(ws, 3, {1: "项目名称", 2: project_name})
    ws.merge_cells("B3:H3")
    put(ws, 4, {1: "主管部门及代码", 2: "[305]中阳县教育局", 5: "实施单位", 6: "中阳县第一中学"})
    put(ws, 5, {1: "项目属性", 2: "新增项目", 5: "项目期", 6: "3年"})
    put(ws, 6, {1: "项目资金\n（万元）", 2: "中期资金总额：", 4: 300, 5: "年度资金总额：", 7: 100})
    put(ws, 7, {2: "其中：财政拨款", 4: 280, 5: "其中：财政拨款", 7: 100})
    put(ws, 8, {2: "其他资金", 4: 20, 5: "其他资金", 7: 0})
    ws.merge_cells("A6:A8")
    put(ws, 9, {1: "总\n体\n目\n标", 2: f"中期目标（{YEAR}年－{YEAR + 2}年）", 5: "年度目标"})
    put(
        ws,
        10,
        {
            2: "目标1：三年内完成全校18栋校舍的抗震加固和维修改造。\n目标2：消除全部D级危房。",
            5: "目标1：完成6栋校舍维修改造，面积不少于1200平方米。\n目标2：开学前完工，保障正常教学。",
        },
    )
    ws.merge_cells("A9:A10")
    ws.merge_cells("B9:D9")
    ws.merge_cells("E9:H9")
    ws.merge_cells("B10:D10")
    ws.merge_cells("E10:H10")
    head = ["绩\n效\n指\n标", "一级指标", "二级指标", "三级指标", "指标值", "二级指标", "三级指标", "指标值"]
    put(ws, 11, dict(enumerate(head, 1)))
    rows = [
        # 一级, 中期 二级, 中期 三级, 中期 值, 年度 二级, 年度 三级, 年度 值
        ("产出指标", "数量指标", "维修改造校舍栋数", "18栋", "数量指标", "维修改造校舍栋数", "6栋"),
        ("", "", "维修改造面积", "≥3600平方米", "", "维修改造面积", "≥1200平方米"),
        ("", "", "", "", "", "资金到位率", "100%"),
        ("", "质量指标", "工程验收合格率", "100%", "质量指标", "工程验收合格率", "=100%"),
        ("", "时效指标", "完工时间", "2028年8月底前", "时效指标", "完工时间", "8月31日前"),
        ("", "成本指标", "单位面积维修成本", "≤800元/平方米", "成本指标", "单位面积维修成本", "≤800元/平方米"),
        ("效益指标", "社会效益指标", "D级危房消除率", "100%", "社会效益指标", "校舍安全状况", "效果显著"),
        ("", "可持续影响指标", "校舍使用年限延长", "≥20年", "可持续影响指标", "校舍使用年限延长", "≥20年"),
        ("满意度指标", "服务对象满意度指标", "师生满意度", "≥90%", "服务对象满意度指标", "师生满意度", "≥90%"),
    ]
    for r, values in enumerate(rows, start=12):
        put(ws, r, {c: v for c, v in enumerate(values, 2) if v})
    ws.merge_cells("A11:A20")
    ws.merge_cells("B12:B17")
    ws.merge_cells("C12:C14")
    ws.merge_cells("F12:F14")
    ws.merge_cells("B18:B19")
    wb.save(path)


def test_the_88_annex_with_mid_term_and_annual_sets_side_by_side(world, tmp_path):
    project = world.projects["c1.unit_a.P1"]
    path = tmp_path / "88.xlsx"
    annex_88(path, project.name)

    block = next(excel.read_blocks(path))
    assert block.text("code") == "" and block.text("name") == project.name
    assert block.text("department") == "[305]中阳县教育局" and block.text("period") == "3年"
    assert block.text("annual_total") == "100" and block.text("mid_total") == "300"
    assert block.text("mid_term_goal").startswith("目标1：三年内") and "1200平方米" in block.text("annual_goal")

    batch = upload(world.users["unit"], path)
    assert batch.status == "valid", batch.errors
    # matched by its name, as the annex has no 项目编码
    assert batch.summary["rows"][0]["cells"][1] == project.code
    batch = upload(world.users["unit"], path, commit=True)
    assert batch.status == "committed", batch.message
    got = indicators(project)
    assert [g[:6] for g in got] == [
        ("产出指标", "数量指标", "维修改造校舍栋数", "=", Decimal(6), "栋"),
        ("产出指标", "数量指标", "维修改造面积", "≥", Decimal(1200), "平方米"),
        ("产出指标", "数量指标", "资金到位率", "=", Decimal(100), "%"),
        ("产出指标", "质量指标", "工程验收合格率", "=", Decimal(100), "%"),
        ("产出指标", "时效指标", "完工时间", "定性", None, ""),  # a deadline: kept as written
        ("产出指标", "成本指标", "单位面积维修成本", "≤", Decimal(800), "元/平方米"),
        ("效益指标", "社会效益指标", "校舍安全状况", "定性", None, ""),
        ("效益指标", "可持续影响指标", "校舍使用年限延长", "≥", Decimal(20), "年"),
        ("满意度指标", "服务对象满意度指标", "师生满意度", "≥", Decimal(90), "%"),
    ]
    assert got[4][6] == "8月31日前"
    mid = dict(Goal.objects.get(project=project).indicators.values_list("name", "mid_term_target"))
    assert mid["维修改造面积"] == "≥3600平方米" and mid["资金到位率"] == ""
    # the 中期 indicator on the row of another 年度 one keeps its own name
    assert mid["校舍安全状况"] == "D级危房消除率：100%"

    assert findings(batch, "资金到位率") and "不是产出" in findings(batch, "资金到位率")[0]
    assert any("效果显著" in m for m in findings(batch, "校舍安全状况"))


# --- 2. an 一体化 export: 绩效指标 over a two-row header ---------------------------------------------------


def yitihua(path, code: str, name: str) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目支出绩效目标表"
    put(ws, 1, {1: f"{YEAR}年项目支出绩效目标表"})
    put(ws, 2, {1: "项目编码", 2: code, 5: "项目名称", 6: name})
    put(ws, 3, {1: "主管部门", 2: "中阳县农业农村局", 5: "实施单位", 6: "中阳县农技推广中心"})
    put(ws, 4, {1: "项目属性", 2: "延续项目", 5: "项目期", 6: f"{YEAR}-{YEAR + 2}"})
    put(ws, 5, {1: "项目资金（万元）", 2: "年度资金总额", 3: 200, 5: "财政拨款", 6: 180, 7: "其他资金", 8: 20})
    put(ws, 6, {1: "年度绩效目标", 2: "完成高标准农田1.2万亩配套，示范推广新品种5个，带动农户增收。"})
    put(ws, 7, {1: "绩效指标"})
    ws.merge_cells("A7:J7")
    put(
        ws,
        8,
        {
            1: "一级指标", 2: "二级指标", 3: "三级指标", 4: "指标性质", 5: "指标值", 7: "度量单位",
            8: "指标值设定依据", 9: "评（扣）分标准", 10: "权重（%）",
        },
    )  # fmt: skip
    ws.merge_cells("E8:F8")
    put(ws, 9, {5: "中期指标值", 6: "年度指标值"})
    for column in "ABCDGHIJ":
        ws.merge_cells(f"{column}8:{column}9")
    rows = [
        ("产出指标", "数量指标", "高标准农田配套面积", "≥", "3.6", "1.2", "万亩", "计划标准", "完成得分", 20),
        ("", "", "示范推广新品种数量", "≥", "15", "5", "个", "历史标准", "按比例扣分", 10),
        ("", "质量指标", "良种覆盖率", "≥", "", "95", "%", "行业标准", "", 10),
        ("", "成本指标", "项目总成本", "≤", "", "300", "万元", "预算支出标准", "", 10),
        ("效益指标", "经济效益指标", "带动农户增收", "定性", "", "有所提高", "", "其他", "", 15),
        ("", "生态效益指标", "化肥使用量减少", "≥", "", "5", "%", "", "", 15),
        ("满意度指标", "服务对象满意度指标", "农户满意度", "≥", "", "105", "%", "", "", 10),
    ]
    for r, values in enumerate(rows, start=10):
        put(ws, r, {c: v for c, v in enumerate(values, 1) if v != ""})
    wb.save(path)


def test_an_integrated_system_export_with_a_two_row_header(world, tmp_path):
    project = world.projects["c1.unit_b.P1"]  # 200万元 requested
    path = tmp_path / "yitihua.xlsx"
    yitihua(path, project.code, project.name)
    block = next(excel.read_blocks(path))
    assert block.columns["target"][1] == "年度指标值" and block.columns["mid_term_target"][1] == "中期指标值"
    assert block.columns["weight"][1] == "权重（%）"

    batch = upload(world.users["performance"], path, commit=True)
    assert batch.status == "committed", batch.errors
    got = indicators(project)
    assert [g[2:6] for g in got] == [
        ("高标准农田配套面积", "≥", Decimal("1.2"), "万亩"),
        ("示范推广新品种数量", "≥", Decimal(5), "个"),
        ("良种覆盖率", "≥", Decimal(95), "%"),
        ("项目总成本", "≤", Decimal(300), "万元"),
        ("带动农户增收", "定性", None, ""),
        ("化肥使用量减少", "≥", Decimal(5), "%"),
        ("农户满意度", "≥", Decimal(105), "%"),
    ]
    goal = Goal.objects.get(project=project)
    first = goal.indicators.get(position=1)
    assert (first.mid_term_target, first.basis, first.weight) == ("3.6", "计划标准", Decimal(20))
    assert goal.indicators.get(name="项目总成本").basis == "预算支出标准"

    # what a reviewer would flag: the cost above the 200万元 budget, 满意度 over 100%, a vague 定性 target
    assert any("300" in m and "预算" in m for m in findings(batch, "项目总成本"))
    assert any("100%" in m for m in findings(batch, "农户满意度"))
    assert any("有所提高" in m for m in findings(batch, "带动农户增收"))


# --- 3. a budget disclosure's flat table, several projects in one ----------------------------------------


def disclosure(path, projects: list[tuple[str, str, str]]) -> None:
    """`projects`: (单位名称, 项目名称, 年度目标)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表13"
    put(ws, 1, {1: "项目支出绩效目标表"})
    ws.merge_cells("A1:I1")
    put(ws, 2, {1: f"（{YEAR}年度）"})
    put(ws, 3, {9: "单位：万元"})
    head = ["单位名称", "项目名称", "年度目标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位"]
    put(ws, 4, dict(enumerate(head, 1)))
    indicator_rows = [
        [
            ("产出指标", "数量指标", "维修改造校舍面积", "≥", "1200", "平方米"),
            ("", "质量指标", "工程验收合格率", "＝", "100", "%"),
            ("", "时效指标", "项目完成时间", "≤", "12", "月"),
            ("效益指标", "社会效益指标", "校舍安全隐患消除率", "＝", "100", "%"),
            ("满意度指标", "服务对象满意度指标", "师生满意度", "≥", "90", "%"),
        ],
        [
            ("产出指标", "数量指标", "资金拨付率", "＝", "100", "%"),
            ("", "", "示范基地建设数量", "≥", "3", "个"),
            ("效益指标", "经济效益指标", "农业生产效率", "定性", "进一步提升", ""),
            ("满意度指标", "服务对象满意度指标", "受益农户满意度", "≥", "85", "%"),
        ],
    ]
    r = 5
    for (unit, name, goal), rows in zip(projects, indicator_rows, strict=True):
        put(ws, r, {1: unit, 2: name, 3: goal})
        for column in "ABC":
            ws.merge_cells(f"{column}{r}:{column}{r + len(rows) - 1}")
        for k, values in enumerate(rows):
            put(ws, r + k, {c: v for c, v in enumerate(values, 4) if v})
        r += len(rows)
    wb.save(path)


def test_a_disclosure_table_with_several_projects_merged_down(world, tmp_path):
    a, b = world.projects["c1.unit_a.P1"], world.projects["c1.unit_b.P1"]
    path = tmp_path / "disclosure.xlsx"
    disclosure(
        path,
        [
            (a.owner.name, a.name, "完成校舍维修改造1200平方米，消除安全隐患。"),
            (b.owner.name, b.name, "建设智慧农业示范基地3个，提高农业生产效率。"),
        ],
    )
    blocks = list(excel.read_blocks(path))
    assert [(b_.text("name"), len(b_.rows), b_.row) for b_ in blocks] == [(a.name, 5, 5), (b.name, 4, 10)]

    batch = upload(world.users["performance"], path, commit=True)
    assert batch.status == "committed", batch.errors
    assert batch.result == {"created": 2, "updated": 0, "unchanged": 0}
    assert [g[1:6] for g in indicators(a)][1] == ("质量指标", "工程验收合格率", "=", Decimal(100), "%")
    got_b = indicators(b)
    assert [g[2] for g in got_b] == ["资金拨付率", "示范基地建设数量", "农业生产效率", "受益农户满意度"]
    assert got_b[1][:2] == ("产出指标", "数量指标")  # merged 一级/二级 restart with each project
    assert Goal.objects.get(project=b).annual_goal.startswith("建设智慧农业示范基地")
    assert findings(batch, "资金拨付") and any("进一步提升" in m for m in findings(batch, "农业生产效率"))

    again = upload(world.users["performance"], path, commit=True)
    assert again.result == {"created": 0, "updated": 0, "unchanged": 2}


def test_a_name_that_matches_nothing_is_located_at_the_name_cell(world, tmp_path):
    a = world.projects["c1.unit_a.P1"]
    path = tmp_path / "disclosure.xlsx"
    disclosure(path, [(a.owner.name, a.name, "目标"), (a.owner.name, "不存在的项目", "目标")])
    batch = upload(world.users["performance"], path)
    assert batch.status == "invalid"
    (error,) = batch.errors
    assert (error["sheet"], error["row"], error["column"]) == ("表13", 10, "B")
    assert "不存在的项目" in error["message"] and "项目编码" in error["message"]


# --- 4. the 88号 annex 部门整体支出绩效目标申报表 -----------------------------------------------------------


def department_form(path, department: str) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "附2-2"
    put(ws, 1, {1: "部门整体支出绩效目标申报表"})
    put(ws, 2, {1: f"（{YEAR}年度）"})
    put(ws, 3, {1: "部门（单位）名称", 2: department})
    put(ws, 4, {1: "年度主要任务", 2: "任务名称", 4: "主要内容"})
    tasks = [
        ("义务教育阶段学校运转保障", "保障全县28所中小学正常运转，落实生均公用经费"),
        ("学生资助", "发放家庭经济困难学生生活补助，做到应助尽助"),
        ("教师队伍建设", "组织教师全员培训，开展新任教师岗前培训"),
    ]
    for r, (task, content) in enumerate(tasks, start=5):
        put(ws, r, {2: task, 4: content})
    ws.merge_cells("A4:A7")
    put(ws, 8, {1: "年度部门整体支出预算（万元）", 2: "资金总额", 3: "财政拨款", 4: "其他资金"})
    put(ws, 9, {2: 500, 3: 480, 4: 20})
    put(ws, 10, {1: "年度总体目标", 2: "保障全县中小学正常运转，完成教师培训1200人次，困难学生应助尽助。"})
    put(ws, 11, {1: "年度绩效指标", 2: "一级指标", 3: "二级指标", 4: "三级指标", 5: "指标值（包含数字及文字描述）"})
    rows = [
        ("产出指标", "数量指标", "保障中小学校数", "28所"),
        ("", "", "教师培训人次", "≥1200人次"),
        ("", "质量指标", "资助对象认定准确率", "100%"),
        ("", "时效指标", "补助资金发放及时率", "不低于95%"),
        ("效益指标", "社会效益指标", "困难学生资助", "应助尽助"),
        ("", "", "义务教育巩固率", "≥99.5%"),
        ("满意度指标", "服务对象满意度指标", "学生家长满意度", "≥90%"),
    ]
    for r, values in enumerate(rows, start=12):
        put(ws, r, {c: v for c, v in enumerate(values, 2) if v})
    ws.merge_cells("A11:A18")
    wb.save(path)


def test_the_department_overall_form_with_its_main_tasks(world, tmp_path):
    dept = world.orgs["c1.dept_a"]
    project = world.projects["c1.dept_a.overall"]
    path = tmp_path / "overall.xlsx"
    department_form(path, dept.name)
    (block,) = excel.read_blocks(path)
    assert block.title == "部门整体支出绩效目标申报表" and block.text("name") == dept.name
    assert block.text("annual_goal").startswith("保障全县中小学正常运转") and len(block.rows) == 7

    batch = upload(world.users["department"], path, commit=True)
    assert batch.status == "committed", batch.errors
    got = indicators(project)
    assert [(g[2], g[3], g[4], g[5]) for g in got] == [
        ("保障中小学校数", "=", Decimal(28), "所"),
        ("教师培训人次", "≥", Decimal(1200), "人次"),
        ("资助对象认定准确率", "=", Decimal(100), "%"),
        ("补助资金发放及时率", "≥", Decimal(95), "%"),
        ("困难学生资助", "定性", None, ""),
        ("义务教育巩固率", "≥", Decimal("99.5"), "%"),
        ("学生家长满意度", "≥", Decimal(90), "%"),
    ]
    assert Goal.objects.get(project=project).annual_goal.endswith("应助尽助。")


@pytest.mark.parametrize("user", ["unit", "department"])
def test_a_department_form_is_not_matched_to_a_project_of_the_same_name(world, tmp_path, user):
    """A 部门整体 form names the department: it is matched to the 部门整体支出 of that department only, and
    a user who may not change it is told so at the name cell."""
    path = tmp_path / "overall.xlsx"
    department_form(path, world.orgs["c1.dept_a"].name)
    batch = upload(world.users[user], path)
    if user == "unit":
        assert batch.status == "invalid"
        assert batch.errors[0]["row"] == 3 and batch.errors[0]["column"] == "B"
    else:
        assert batch.status == "valid", batch.errors
