"""The standard goal forms (项目支出/部门整体绩效目标申报表): the bulk writer, reading published-looking
workbooks, the staged import through the pipeline, the CLI and the export that round-trips."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jixiao.core.models import AuditEvent
from jixiao.goals import bulk
from jixiao.goals.bulk import GoalRow
from jixiao.goals.models import Goal, Indicator
from jixiao.goals.services import GoalInput, IndicatorInput
from jixiao.projects.services import UpsertRefused


def indicators(n: int = 4) -> list[IndicatorInput]:
    base = [
        IndicatorInput("产出指标", "数量指标", "维修校舍面积", "≥", Decimal("1200"), "≥1200平方米", unit="平方米"),
        IndicatorInput("产出指标", "质量指标", "验收合格率", "=", Decimal("100"), "=100%", unit="%"),
        IndicatorInput("效益指标", "社会效益指标", "学生安全保障", "定性", None, "应保尽保"),
        IndicatorInput("满意度指标", "服务对象满意度指标", "师生满意度", "≥", Decimal("90"), "≥90%", unit="%"),
    ]
    return base[:n]


def goal_input(text: str = "完成校舍维修改造，消除安全隐患", n: int = 4) -> GoalInput:
    return GoalInput(annual_goal=text, indicators=indicators(n))


# --- the bulk writer ---


def test_upsert_creates_then_skips_unchanged_and_audits(world):
    unit = world.users["unit"]
    project = world.project("c1.unit_a.P1")
    result = bulk.upsert_goals(actor=unit, rows=[GoalRow(project, goal_input())], dry_run=True)
    assert (result.created, result.updated, result.unchanged, result.refused) == (1, 0, 0, [])
    assert not Goal.objects.filter(project=project).exists()

    result = bulk.upsert_goals(actor=unit, rows=[GoalRow(project, goal_input())], dry_run=False)
    assert result.created == 1
    goal = Goal.objects.get(project=project)
    assert (goal.status, goal.version, goal.created_by) == (Goal.Status.DRAFT, 1, unit)
    stored = list(goal.indicators.order_by("position"))
    assert [(i.position, i.name, i.operator, i.target_value, i.unit) for i in stored] == [
        (1, "维修校舍面积", "≥", Decimal("1200"), "平方米"),
        (2, "验收合格率", "=", Decimal("100"), "%"),
        (3, "学生安全保障", "定性", None, ""),
        (4, "师生满意度", "≥", Decimal("90"), "%"),
    ]
    event = AuditEvent.objects.get(action="goal.import", object_id=str(goal.pk))
    assert event.actor == unit and event.after["indicators"] == 4 and event.region_path == project.region.path

    with CaptureQueriesContext(connection) as ctx:
        again = bulk.upsert_goals(actor=unit, rows=[GoalRow(project, goal_input())], dry_run=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert not any(q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for q in ctx.captured_queries)
    assert AuditEvent.objects.filter(action="goal.import").count() == 1


def test_upsert_rewrites_a_draft_and_records_what_changed(world):
    unit = world.users["unit"]
    project = world.project("c1.unit_a.P1")
    bulk.upsert_goals(actor=unit, rows=[GoalRow(project, goal_input())], dry_run=False)
    result = bulk.upsert_goals(actor=unit, rows=[GoalRow(project, goal_input("新的年度目标", n=3))], dry_run=False)
    assert result.updated == 1
    goal = Goal.objects.get(project=project)
    assert goal.annual_goal == "新的年度目标" and goal.indicators.count() == 3
    event = AuditEvent.objects.filter(action="goal.import", object_id=str(goal.pk)).latest("id")
    assert event.before["annual_goal"] == "完成校舍维修改造，消除安全隐患"
    assert event.after["indicator_changes"] == {"removed": ["满意度指标/服务对象满意度指标/师生满意度"]}


def test_upsert_is_set_based(world):
    """Queries do not grow with the number of goals."""
    actor = world.users["performance"]
    projects = [world.project(k) for k in world.projects if k.startswith("c1.")]
    fresh = [p for p in projects if not Goal.objects.filter(project=p).exists()]
    assert len(fresh) >= 3
    with CaptureQueriesContext(connection) as one:
        bulk.upsert_goals(actor=actor, rows=[GoalRow(fresh[0], goal_input())], dry_run=False)
    with CaptureQueriesContext(connection) as many:
        bulk.upsert_goals(actor=actor, rows=[GoalRow(p, goal_input()) for p in fresh[1:]], dry_run=False)
    assert len(many.captured_queries) == len(one.captured_queries)


def test_upsert_refuses_out_of_scope_locked_and_bad_rows_and_writes_nothing(world):
    unit = world.users["unit"]
    own = world.project("c1.unit_a.P1")
    other_unit = world.project("c1.unit_b.P1")
    approved = world.project("c1.unit_a.P2")  # its goal has passed review with the budget
    bad = GoalInput("目标", indicators=[IndicatorInput("产出指标", "不存在的二级", "指标", "≥", Decimal(1))])
    rows = [
        GoalRow(own, goal_input()),
        GoalRow(other_unit, goal_input()),
        GoalRow(approved, goal_input()),
        GoalRow(own, goal_input()),
    ]
    result = bulk.upsert_goals(actor=unit, rows=rows, dry_run=True)
    messages = {r.index: r.message for r in result.refused}
    assert set(messages) == {1, 2, 3}
    assert "不在您的权限范围内" in messages[1]
    assert "须通过调整申请修改" in messages[2]
    assert "重复" in messages[3]
    with pytest.raises(UpsertRefused):
        bulk.upsert_goals(actor=unit, rows=rows, dry_run=False)
    assert not Goal.objects.filter(project=own).exists()
    refused = bulk.upsert_goals(actor=unit, rows=[GoalRow(own, bad)], dry_run=True).refused
    assert refused[0].field == "indicators.1.level2" and "不属于“产出指标”" in refused[0].message


def test_stated_status_only_for_who_decides(world):
    project = world.project("c1.unit_a.P1")
    refused = bulk.upsert_goals(
        actor=world.users["unit"], rows=[GoalRow(project, goal_input(), Goal.Status.APPROVED)], dry_run=True
    ).refused
    assert refused and "财政部门" in refused[0].message
    result = bulk.upsert_goals(
        actor=world.users["budget"],
        rows=[GoalRow(project, goal_input(), Goal.Status.APPROVED)],
        dry_run=False,
        action="goal.demo",
        generated=True,
    )
    assert result.created == 1
    goal = Goal.objects.get(project=project)
    assert goal.status == Goal.Status.APPROVED and goal.is_generated and goal.approved_at and goal.chain
    assert AuditEvent.objects.filter(action="goal.demo", object_id=str(goal.pk)).exists()
    assert Indicator.objects.filter(goal=goal).count() == 4


# --- published-looking workbooks ---

YEAR = 2026


def _block_88(ws, top: int, code: str, name: str, *, cost: str = "≤90万元") -> int:
    """A 财预〔2015〕88号-style form from row `top`: title, labelled header cells (values right of or
    below their labels), 中期/年度目标 above their texts, an indicator table with merged 一级/二级 cells
    and inline targets, no 指标性质 or 计量单位 column. Returns the next free row."""
    r = top
    ws.cell(r, 1, f"{YEAR}年项目支出绩效目标申报表")
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=8)
    ws.cell(r + 1, 1, "填报单位（盖章）：")
    ws.cell(r + 2, 1, "项目名称")
    ws.cell(r + 2, 2, name)
    ws.merge_cells(start_row=r + 2, start_column=2, end_row=r + 2, end_column=4)
    ws.cell(r + 2, 5, "项目\n编码")
    ws.cell(r + 2, 6, code)
    ws.cell(r + 3, 1, "主管部门及代码")
    ws.cell(r + 3, 2, "中阳县教育局")
    ws.cell(r + 3, 5, "实施单位")
    ws.cell(r + 3, 6, "中阳县第一中学")
    ws.cell(r + 4, 1, "项目属性")
    ws.cell(r + 4, 2, "新增")
    ws.cell(r + 4, 5, "项目期")
    ws.cell(r + 4, 6, "1年")
    ws.cell(r + 5, 1, "项目资金\n（万元）")
    ws.cell(r + 5, 2, "年度资金总额：")
    ws.cell(r + 5, 3, 100.0)
    ws.cell(r + 6, 1, "总体目标")
    ws.cell(r + 6, 2, "中期目标（2026—2028年）")
    ws.cell(r + 6, 5, "年度目标")
    ws.cell(r + 7, 2, "三年完成全部校舍改造")
    ws.cell(r + 7, 5, "完成校舍维修改造，消除安全隐患")
    ws.merge_cells(start_row=r + 6, start_column=1, end_row=r + 7, end_column=1)
    head = r + 8
    for c, text in enumerate(
        ["绩效指标", "一级指标", "二级指标", "三级指标", "*指标值", "指标解释", "评(扣)分标准", "备注"], 1
    ):
        ws.cell(head, c, text)
    rows = [
        ("产出指标", "数量指标", "维修校舍数量", "≥50个"),
        ("", "", "购置课桌椅批次", "=8个"),
        ("", "质量指标", "验收合格率", "≥100百分比"),
        ("", "成本指标", "维修单位成本", cost),
        ("", "", "项目总成本", "≤202.6万元"),
        ("效益指标", "社会效益指标", "学生安全保障", "应保尽保"),
        ("满意度指标", "服务对象满意度指标", "师生满意度", "≥90%"),
    ]
    for k, (l1, l2, name3, target) in enumerate(rows, start=head + 1):
        ws.cell(k, 2, l1 or None)
        ws.cell(k, 3, l2 or None)
        ws.cell(k, 4, name3)
        ws.cell(k, 5, target).data_type = "s"  # 「=8个」 is text in the published form, not a formula
        ws.cell(k, 7, "未达指标值酌情扣分")
    ws.merge_cells(start_row=head + 1, start_column=1, end_row=head + len(rows), end_column=1)
    ws.merge_cells(start_row=head + 1, start_column=2, end_row=head + 5, end_column=2)
    ws.merge_cells(start_row=head + 1, start_column=3, end_row=head + 2, end_column=3)
    ws.merge_cells(start_row=head + 4, start_column=3, end_row=head + 5, end_column=3)
    ws.cell(head + len(rows) + 1, 2, "填表人：张三    联系电话：")
    return head + len(rows) + 3


def _block_p24(ws, top: int, code: str) -> int:
    """An 一体化-style form starting in column B, labels in other places than the export puts them:
    指标值类型 (定量/定性), *指标值 as a number, 计量单位 and 指标值设定依据 in columns of their own."""
    ws.cell(top, 2, "部门整体绩效目标申报表")
    ws.cell(top + 1, 2, "部门（单位）名称")
    ws.cell(top + 1, 3, "中阳县教育局")
    ws.cell(top + 1, 5, "*项目编码")
    ws.cell(top + 1, 6, code)
    ws.cell(top + 2, 2, "年度总体目标")
    ws.cell(top + 2, 3, "保障教育系统正常运转")
    head = top + 4
    labels = [
        "一级指标",
        "二级指标",
        "三级指标",
        "指标值类型",
        "*指标值",
        "度量单位",
        "*指标解释",
        "*评（扣）分标准",
        "指标值设定依据",
        "备注",
    ]
    for c, text in enumerate(labels, start=2):
        ws.cell(head, c, text)
    rows = [
        (
            "产出指标",
            "数量指标",
            "保障在校学生人数",
            "定量",
            3200,
            "人",
            "在校生",
            "未达指标值酌情扣分",
            "计划标准",
            "",
        ),
        ("", "时效指标", "资金拨付及时率", "定量", 100, "%", "", "", "历史标准", ""),
        ("效益指标", "社会效益指标", "义务教育巩固率", "定量", 99.5, "%", "", "", "行业", ""),
        ("满意度指标", "服务对象满意度指标", "家长满意度", "定量", 90, "%", "", "", "", ""),
    ]
    for k, values in enumerate(rows, start=head + 1):
        for c, v in enumerate(values, start=2):
            if v != "":
                ws.cell(k, c, v)
    return head + len(rows) + 2


def published_workbook(path, codes: dict[str, str]) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目支出"
    nxt = _block_88(ws, 1, codes["a"], "第一中学校舍维修改造项目")
    _block_88(ws, nxt, codes["b"], "农技推广中心智慧农业项目")
    _block_p24(wb.create_sheet("部门整体"), 2, codes["overall"])
    wb.save(path)


def upload(user, path, *, year=YEAR, commit=False):
    from jixiao.imports import services

    with open(path, "rb") as f:
        return services.run_import(
            actor=user, kind="goals", filename=path.name, file=f, commit_rows=commit, options={"year": year}
        )


@pytest.fixture
def codes(world) -> dict[str, str]:
    return {
        "a": world.projects["c1.unit_a.P1"].code,
        "b": world.projects["c1.unit_b.P1"].code,
        "overall": world.projects["c1.dept_a.overall"].code,
    }


def test_reader_finds_blocks_fills_merged_cells_and_reads_labels_anywhere(tmp_path, codes):
    from jixiao.goals import excel

    path = tmp_path / "forms.xlsx"
    published_workbook(path, codes)
    blocks = list(excel.read_blocks(path))
    assert [(b.sheet, b.text("code")) for b in blocks] == [
        ("项目支出", codes["a"]), ("项目支出", codes["b"]), ("部门整体", codes["overall"]),
    ]  # fmt: skip
    first = blocks[0]
    assert first.text("annual_goal") == "完成校舍维修改造，消除安全隐患"
    assert first.text("mid_term_goal") == "三年完成全部校舍改造"
    assert first.text("annual_total") == "100"
    levels = [(cells["level1"], cells["level2"], cells["name"]) for _, cells in first.rows]
    assert levels[1] == ("产出指标", "数量指标", "购置课桌椅批次")
    assert levels[4] == ("产出指标", "成本指标", "项目总成本")
    assert levels[5][:2] == ("效益指标", "社会效益指标")
    assert len(first.rows) == 7  # the signature line under the table is not an indicator
    overall = blocks[2]
    assert overall.text("name") == "中阳县教育局" and overall.text("annual_goal") == "保障教育系统正常运转"
    assert overall.columns["operator"][0] == 4 and overall.columns["unit"][1] == "度量单位"


def test_import_reads_published_forms_with_the_right_targets(world, tmp_path, codes):
    path = tmp_path / "forms.xlsx"
    published_workbook(path, codes)
    batch = upload(world.users["performance"], path)
    assert batch.status == "valid", batch.errors
    assert batch.summary["plan"] == {"created": 3, "updated": 0, "unchanged": 0}
    batch = upload(world.users["performance"], path, commit=True)
    assert batch.status == "committed", batch.message
    goal = Goal.objects.get(project=world.projects["c1.unit_a.P1"])
    got = [(i.level2, i.name, i.operator, i.target_value, i.unit) for i in goal.indicators.order_by("position")]
    assert got == [
        ("数量指标", "维修校舍数量", "≥", Decimal(50), "个"),
        ("数量指标", "购置课桌椅批次", "=", Decimal(8), "个"),
        ("质量指标", "验收合格率", "≥", Decimal(100), "%"),
        ("成本指标", "维修单位成本", "≤", Decimal(90), "万元"),
        ("成本指标", "项目总成本", "≤", Decimal("202.6"), "万元"),
        ("社会效益指标", "学生安全保障", "定性", None, ""),
        ("服务对象满意度指标", "师生满意度", "≥", Decimal(90), "%"),
    ]
    assert goal.indicators.get(name="学生安全保障").target_text == "应保尽保"
    assert goal.indicators.get(name="维修单位成本").scoring_rule == "未达指标值酌情扣分"
    assert goal.mid_term_goal == "三年完成全部校舍改造" and goal.status == Goal.Status.DRAFT
    overall = Goal.objects.get(project=world.projects["c1.dept_a.overall"])
    got = [(i.name, i.operator, i.target_value, i.unit, i.basis) for i in overall.indicators.order_by("position")]
    assert got[0] == ("保障在校学生人数", "=", Decimal(3200), "人", "计划标准")
    assert got[2] == ("义务教育巩固率", "=", Decimal("99.5"), "%", "行业标准")


def test_reimport_writes_nothing(world, tmp_path, codes):
    path = tmp_path / "forms.xlsx"
    published_workbook(path, codes)
    upload(world.users["performance"], path, commit=True)
    events = AuditEvent.objects.filter(action="goal.import").count()
    again = upload(world.users["performance"], path, commit=True)
    assert again.status == "committed"
    assert again.result == {"created": 0, "updated": 0, "unchanged": 3}
    assert AuditEvent.objects.filter(action="goal.import").count() == events == 3


def test_findings_show_in_the_preview_and_do_not_block_a_draft(world, tmp_path, codes):
    path = tmp_path / "forms.xlsx"
    published_workbook(path, codes)
    batch = upload(world.users["performance"], path)
    assert batch.status == "valid"
    warnings = batch.summary["warnings"]
    # 项目总成本 ≤202.6万元 is more than the project's budget (100万元): pointed at its row and target cell.
    over = [w for w in warnings if w["code"] == codes["a"] and "202.6" in w["message"]]
    assert over and over[0]["sheet"] == "项目支出" and over[0]["row"] == 14 and over[0]["column"] == "E"
    assert batch.summary["findings"]["goals"] >= 1
    client_rows = batch.summary["rows"]
    assert [r["cells"][1] for r in client_rows] == [codes["a"], codes["b"], codes["overall"]]


def test_errors_are_located_by_sheet_row_and_column(world, tmp_path, codes):
    import openpyxl

    path = tmp_path / "bad.xlsx"
    published_workbook(path, {**codes, "b": "NO-SUCH-CODE"})
    wb = openpyxl.load_workbook(path)
    ws = wb["项目支出"]
    ws["E12"] = "≥5至10个"  # two numbers: which is the target?
    ws["C13"] = "不存在的指标"  # 二级 of 产出 that the tree does not know
    wb.save(path)
    batch = upload(world.users["performance"], path)
    assert batch.status == "invalid"
    found = {(e["sheet"], e["row"], e["column"]): e["message"] for e in batch.errors}
    assert "多个数字" in found[("项目支出", 12, "E")]
    assert "NO-SUCH-CODE" in found[("项目支出", 21, "F")]
    assert "不存在的指标" in found[("项目支出", 13, "C")]
    assert not Goal.objects.filter(project__code__in=codes.values()).exists()


def test_a_unit_cannot_import_into_another_units_project(world, tmp_path, codes):
    path = tmp_path / "forms.xlsx"
    published_workbook(path, codes)
    batch = upload(world.users["unit"], path)
    assert batch.status == "invalid"
    messages = {e["row"]: e["message"] for e in batch.errors if e["sheet"] == "项目支出"}
    assert codes["b"] in messages[21] and "权限" in messages[21]
    assert any(e["sheet"] == "部门整体" and "权限" in e["message"] for e in batch.errors)
    assert not Goal.objects.filter(project=world.projects["c1.unit_b.P1"]).exists()


def test_a_goal_in_force_changes_only_through_an_adjustment(world, tmp_path):
    path = tmp_path / "forms.xlsx"
    import openpyxl

    wb = openpyxl.Workbook()
    _block_88(wb.active, 1, world.projects["c1.unit_a.P2"].code, "智慧农业")
    wb.save(path)
    batch = upload(world.users["unit"], path, year=2025)
    assert batch.status == "invalid"
    assert "须通过调整申请修改" in batch.errors[0]["message"] and batch.errors[0]["row"] == 3


def test_export_round_trips_and_is_the_import_template(world, tmp_path, codes):
    from jixiao.goals import exports

    path = tmp_path / "forms.xlsx"
    published_workbook(path, codes)
    user = world.users["performance"]
    upload(user, path, commit=True)
    out = tmp_path / "export.xlsx"
    projects = exports.projects_for(user=user, region=world.regions["c1"], year=YEAR)
    assert exports.write_workbook(str(out), exports.forms(projects)) == projects.count()
    again = upload(user, out, commit=True)
    assert again.status == "committed", again.errors[:3]
    assert again.result["updated"] == 0 and again.result["unchanged"] == 3
    # edit → import: the change comes in, the rest stays
    import openpyxl

    wb = openpyxl.load_workbook(out)
    ws = wb["项目支出绩效目标申报表"]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "维修校舍数量")
    ws.cell(cell.row, cell.column + 2, "≥60个")
    wb.save(out)
    edited = upload(user, out, commit=True)
    assert edited.result["updated"] == 1, edited.errors[:3]
    goal = Goal.objects.get(project=world.projects["c1.unit_a.P1"])
    assert goal.indicators.get(name="维修校舍数量").target_value == Decimal(60)


def test_blank_template_and_page(world, client, tmp_path):
    from django.urls import reverse

    client.force_login(world.users["unit"])
    response = client.get(reverse("imports:template") + "?kind=goals")
    assert response.status_code == 200
    path = tmp_path / "template.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    from jixiao.goals import excel

    blocks = list(excel.read_blocks(path))
    assert len(blocks) == 1 and set(excel.REQUIRED_COLUMNS) <= set(blocks[0].columns)


def test_upload_page_asks_for_the_year(world, client, tmp_path, codes):
    from django.urls import reverse

    path = tmp_path / "forms.xlsx"
    published_workbook(path, codes)
    client.force_login(world.users["performance"])
    with open(path, "rb") as f:
        response = client.post(reverse("imports:upload"), {"kind": "goals", "file": f})
    assert "须填写年度" in response.content.decode()
    with open(path, "rb") as f:
        response = client.post(reverse("imports:upload"), {"kind": "goals", "file": f, "year": YEAR})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "自动审核提示" in page and codes["a"] in page


def test_cli_import_and_export(world, tmp_path, codes):
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "forms.xlsx"
    published_workbook(path, codes)
    out = StringIO()
    call_command("import_goals", str(path), user=world.users["performance"].username, year=YEAR, stdout=out)
    text = out.getvalue()
    assert "将新增 3" in text and "自动审核" in text
    call_command(
        "import_goals", str(path), user=world.users["performance"].username, year=YEAR, commit=True, stdout=out
    )
    assert Goal.objects.filter(project__code__in=codes.values()).count() == 3
    target = tmp_path / "out.xlsx"
    call_command(
        "export_goals", user=world.users["department"].username, region="141129", year=YEAR, out=str(target), stdout=out
    )
    assert "已导出 2 个项目" in out.getvalue()
    assert AuditEvent.objects.filter(action="goal.export").exists()
