"""`jixiao score`: 自评表 workbooks in the national and 四川 layouts, written here the way published forms are laid
out (merged cells, labels with notes in brackets, several forms on one sheet), scored and reconciled."""

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from jixiao.imports.tables import TableError
from jixiao.rules import scoring
from jixiao.rules.selfeval_workbook import read_workbook, score


def _national_form(ws, top: int, name: str, funds: list, indicators: list, total, grade: str) -> int:
    """A national 附件1 form from row `top`; returns the row after it."""
    ws.cell(top, 1, "项目支出绩效自评表")
    ws.merge_cells(start_row=top, start_column=1, end_row=top, end_column=9)
    ws.cell(top + 1, 1, "（2023年度）")
    ws.cell(top + 2, 1, "项目名称")
    ws.cell(top + 2, 2, name)
    ws.merge_cells(start_row=top + 2, start_column=2, end_row=top + 2, end_column=9)
    ws.cell(top + 3, 1, "主管部门")
    ws.cell(top + 3, 2, "县民政局")
    ws.cell(top + 3, 5, "实施单位")
    ws.cell(top + 3, 6, "县社会福利中心")
    r = top + 4
    ws.cell(r, 1, "项目资金\n(万元)")
    ws.merge_cells(start_row=r, start_column=1, end_row=r + 2, end_column=1)
    for c, head in enumerate(["", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"], start=2):
        ws.cell(r, c, head or None)
    for c, value in enumerate(["年度资金总额", *funds], start=2):
        ws.cell(r + 1, c, value)
    ws.cell(r + 2, 2, "其中：当年财政拨款")
    ws.cell(r + 2, 3, funds[0])
    r += 3
    ws.cell(r, 1, "年度总体目标")
    ws.cell(r, 2, "预期目标")
    ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=4)
    ws.cell(r, 5, "实际完成情况")
    ws.cell(r + 1, 2, "为500名老人提供居家养老服务")
    ws.cell(r + 1, 5, "为480名老人提供居家养老服务")
    r += 2
    heads = ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]
    for c, head in enumerate([*heads, "偏差原因分析及改进措施"], start=1):
        ws.cell(r, c, head)
    first = r + 1
    level1_start: dict[str, int] = {}
    for i, row in enumerate(indicators):
        level1, *rest = row
        at = first + i
        if level1 not in level1_start:
            level1_start[level1] = at
            ws.cell(at, 2, level1)
        for c, value in enumerate(rest, start=3):
            ws.cell(at, c, value)
    for level1, start in level1_start.items():  # merge each 一级 down its rows, as published forms do
        end = start + sum(1 for row in indicators if row[0] == level1) - 1
        if end > start:
            ws.merge_cells(start_row=start, start_column=2, end_row=end, end_column=2)
    r = first + len(indicators)
    ws.cell(r, 1, "总分")
    ws.cell(r, 7, 100)
    ws.cell(r, 8, total)
    ws.cell(r + 1, 1, "自评等级")
    ws.cell(r + 1, 2, grade)
    return r + 3


def national_workbook(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "民政局"
    nxt = _national_form(
        ws,
        1,
        "居家养老服务补助",
        [100, 120, 103.44, 10, "86.2%", 9],
        [
            ["产出指标", "数量指标", "服务老人人数", "≥500人", "480人", 20, 19, "部分老人迁出本县"],
            ["产出指标", "", "组织培训场次", "≥10次", 12, 10, 10, ""],
            ["产出指标", "质量指标", "服务合格率", "≥95%", "96%", 10, 10, ""],
            ["产出指标", "成本指标", "人均补助成本", "≤2000元", 2200, 10, 9, "物价上涨"],
            ["效益指标", "社会效益指标", "老人生活质量", "明显改善", "部分达成", 30, 22, "服务内容尚需丰富"],
            ["满意度指标", "服务对象满意度指标", "服务对象满意度", "≥90%", 0.93, 10, 10, ""],
        ],
        89,
        "良",
    )
    _national_form(
        ws,
        nxt,
        "农村公路养护",
        [50, 50, 50, 10, "100%", 10],
        [
            ["产出指标", "数量指标", "养护里程", "≥100公里", 100, 50, 50, ""],
            ["效益指标", "经济效益指标", "通行时间节约率", "≥10%", "不适用", 30, None, "本年未测算"],
            ["满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "95%", 10, 10, ""],
        ],
        100,
        "优",
    )
    # the 满意度 actual is a percentage-formatted cell: it holds 0.93
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == 0.93:
                cell.number_format = "0%"
    wb.save(path)
    return path


def sichuan_workbook(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "四川"
    ws["A1"] = "2023年度项目支出绩效自评表"
    ws.merge_cells("A1:K1")
    ws["A2"], ws["B2"], ws["E2"], ws["F2"] = "项目名称", "乡村振兴衔接资金", "主管部门", "县农业农村局"
    ws["A3"] = "预算执行情况（10分）"
    ws.merge_cells("A3:A5")
    for c, head in enumerate(["", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分", "原因"], 2):
        ws.cell(3, c, head or None)
    for c, value in enumerate(["总额", 200, 250, 200, "80%", 10, 8, ""], 2):
        ws.cell(4, c, value)
    ws["B5"], ws["C5"] = "财政资金", 200
    ws["A6"] = "绩效指标（90分）"
    ws.merge_cells("A6:A10")
    heads = ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分"]
    for c, head in enumerate([*heads, "未完成原因分析"], 2):
        ws.cell(6, c, head)
    rows = [
        ["产出指标", "数量指标", "新建产业基地", "≥", 5, "个", 4, 30, 24, "资金到位晚"],
        [None, "时效指标", "项目完工及时率", "=", 100, "%", 100, 15, 15, ""],
        ["效益指标", "经济效益指标", "带动农户增收", "≥", 500, "万元", 520, 22.5, 22.5, ""],
        [None, "可持续影响指标", "耕地撂荒率", "≤", 2, "%", 3, 22.5, 15, "部分农户外出务工"],
    ]
    for i, row in enumerate(rows, start=7):
        for c, value in enumerate(row, 2):
            ws.cell(i, c, value)
    ws.merge_cells("B7:B8")
    ws.merge_cells("B9:B10")
    ws["A11"], ws["I11"], ws["J11"] = "合计", 100, 84.5
    ws["A12"], ws["B12"] = "评价结论", "良"
    ws["A13"], ws["B13"] = "存在问题", "部分资金到位晚"
    wb.save(path)
    return path


def test_national_workbook_is_read_by_its_labels(tmp_path):
    forms = read_workbook(national_workbook(tmp_path / "national.xlsx"))
    assert [f.name for f in forms] == ["居家养老服务补助", "农村公路养护"]
    first = forms[0]
    assert first.layout == scoring.NATIONAL and first.row == 1 and forms[1].row == 20
    assert first.header["department"] == "县民政局" and first.header["unit"] == "县社会福利中心"
    assert first.funds == scoring.Funds(Decimal("120"), Decimal("103.44"), Decimal("100"), Decimal("10"))
    assert first.published_execution == Decimal("9")
    assert first.expected_goal == "为500名老人提供居家养老服务"
    # the merged 一级 cells read as the value above
    assert [i.level1 for i in first.indicators] == ["产出指标"] * 4 + ["效益指标", "满意度指标"]
    assert first.indicators[1].level2 == "数量指标"
    assert first.indicators[0].target == Decimal("500") and first.indicators[0].actual == Decimal("480")
    assert first.indicators[4].tier == scoring.PARTIAL and first.indicators[4].points == Decimal("22")
    assert first.indicators[5].actual == Decimal("93.00")  # 0.93 in a percentage cell is 93%
    assert first.published_total == Decimal("89") and first.published_grade == "良"
    assert forms[1].indicators[1].applicable is False


def test_national_form_is_scored_and_reconciled(tmp_path):
    forms = read_workbook(national_workbook(tmp_path / "national.xlsx"))
    first = score(forms[0], scoring.Settings())
    # execution 103.44 ÷ 120 = 86.2% → 8.62; 19.2 + 10 + 10 + 9 + 22 + 10 = 80.2
    assert first.result.execution.score == Decimal("8.62")
    assert [s.score for s in first.result.indicators] == [Decimal(v) for v in ("19.2", "10", "10", "9", "22", "10")]
    assert first.result.total == Decimal("88.82") and first.result.grade == "良"
    rec = first.reconciliation
    found = {d.item: (d.published, d.computed, d.difference, d.rounding) for d in rec.differences}
    assert found == {
        "服务老人人数": (Decimal("19"), Decimal("19.2"), Decimal("-0.2"), "取整"),
        scoring.EXECUTION: (Decimal("9"), Decimal("8.62"), Decimal("0.38"), "取整"),
        scoring.TOTAL: (Decimal("89"), Decimal("88.82"), Decimal("0.18"), "取整"),
    }
    assert rec.compared == 8 and not rec.grade_differs and rec.notes == ()
    second = score(forms[1], scoring.Settings())
    # 通行时间节约率 does not apply: (10 + 50 + 10) ÷ 70 × 100
    assert second.result.raw_total == Decimal("70") and second.result.total == Decimal("100")
    assert second.result.grade == "优" and second.reconciliation.differences == ()


def test_sichuan_workbook_with_the_ratio_formula_published(tmp_path):
    forms = read_workbook(sichuan_workbook(tmp_path / "sc.xlsx"))
    (form,) = forms
    assert form.layout == scoring.SICHUAN and form.name == "乡村振兴衔接资金"
    assert [i.operator for i in form.indicators] == ["≥", "=", "≥", "≤"]
    assert [i.level1 for i in form.indicators] == ["产出指标", "产出指标", "效益指标", "效益指标"]
    assert form.published_total == Decimal("84.5") and form.published_grade == ""
    assert scoring.template_problems(scoring.SICHUAN, form.indicators, form.funds.weight) == []
    linear = score(form, scoring.Settings())
    # 8 + 4/5 × 30 + 15 + 22.5 + (1 − 1/2) × 22.5 = 80.75
    assert linear.result.total == Decimal("80.75") and linear.result.grade == "良"
    assert "预算执行率 80% 低于 90%，须说明原因" in linear.result.warnings
    (diff, total) = linear.reconciliation.differences
    assert (diff.item, diff.difference, diff.rounding) == ("耕地撂荒率", Decimal("3.75"), "")
    assert (total.item, total.difference) == (scoring.TOTAL, Decimal("3.75"))
    ratio = score(form, scoring.Settings(negative_formula=scoring.RATIO))
    assert ratio.result.total == Decimal("84.5") and ratio.reconciliation.differences == ()


def test_cli_prints_formulas_and_the_reconciliation(tmp_path, capsys):
    path = national_workbook(tmp_path / "national.xlsx")
    call_command("score", str(path))
    out = capsys.readouterr().out
    assert "【居家养老服务补助】工作表“民政局”第1行起，全国样式" in out
    assert "预算执行率：执行数 103.44 ÷ 全年预算数 120 = 86.2%；86.2% × 分值 10 = 8.62" in out
    assert "服务老人人数（分值 20.00）：得分 19.20；正向指标：实际值 480 ÷ 指标值 500 × 分值 20 = 19.2" in out
    assert "总分 88.82，等级 良" in out
    assert "服务老人人数：表中 19，计算 19.2000，相差 -0.2000，取整所致" in out
    assert "总分 100.00，等级 优" in out
    call_command("score", str(path), "--round", "0")
    assert "总分 89，等级 良" in capsys.readouterr().out


def test_cli_json_has_exact_and_shown_values(tmp_path, capsys):
    call_command("score", str(sichuan_workbook(tmp_path / "sc.xlsx")), "--json", "--formula", "ratio")
    data = json.loads(capsys.readouterr().out)
    (form,) = data["forms"]
    assert form["layout"] == "sichuan" and form["grade"] == "良"
    assert form["total"] == {"value": "84.5", "shown": "84.50"}
    assert form["execution"]["rate"]["value"] == "80"
    last = form["indicators"][-1]
    assert last["row"] == 10 and last["score"] == {"value": "15", "shown": "15.00"}
    assert last["explanation"].startswith("反向指标（比值公式）：指标值 2 ÷ 实际值 3 × 分值 22.5 = 15")
    assert form["reconciliation"]["differences"] == [] and form["reconciliation"]["compared"] == 6


def test_errors_are_located_by_sheet_row_and_column(tmp_path):
    path = sichuan_workbook(tmp_path / "bad.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb["四川"]
    ws["F7"] = "5到10"  # two numbers in a target
    ws["H8"] = None  # a missing actual value
    ws["I9"] = "二十"  # points that are not a number
    wb.save(path)
    with pytest.raises(TableError) as exc:
        read_workbook(path)
    text = [str(p) for p in exc.value.problems]
    assert text[0].startswith("工作表“四川” 第7行 F列 （指标值）：指标值“5到10”中有多个数字")
    assert text[1] == "工作表“四川” 第8行 H列 （完成值）：缺少实际完成值"
    assert text[2] == "工作表“四川” 第9行 I列 （权重）：分值“二十”不是数字"
    with pytest.raises(CommandError, match="第8行 H列"):
        call_command("score", str(path))


def test_a_qualitative_score_outside_every_band_is_refused(tmp_path):
    path = national_workbook(tmp_path / "q.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb["民政局"]["H15"] = 35  # more than the 30 points of 老人生活质量
    wb.save(path)
    with pytest.raises(TableError) as exc:
        read_workbook(path)
    assert str(exc.value.problems[0]) == "工作表“民政局” 第15行 H列 （得分）：得分 35 超出分值 30"


def test_cli_runs_without_a_database(tmp_path):
    path = sichuan_workbook(tmp_path / "sc.xlsx")
    env = {**os.environ, "DATABASE_URL": "postgres://nobody:none@127.0.0.1:9/none", "JIXIAO_DATA_DIR": str(tmp_path)}
    jixiao = Path(sys.executable).with_name("jixiao")
    run = subprocess.run(  # noqa: S603 (our own console script)
        [str(jixiao), "score", str(path), "--json"], capture_output=True, text=True, env=env, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["forms"][0]["total"]["value"] == "80.75"
