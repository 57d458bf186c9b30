"""自评表 workbooks: the export in the national and 四川 layouts, filling it in as a unit would, and the
import through the staged pipeline — entered through the services, scored on save, errors located by
sheet, row and column, and the same file imported twice writing nothing. Also the CLI commands."""

from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from jixiao.core.models import AuditEvent
from jixiao.evaluations import exports, services
from jixiao.evaluations.models import SelfEvaluation
from jixiao.imports import services as imports

pytestmark = pytest.mark.django_db
YEAR = 2025
TEN_PLACES = Decimal("1e-10")


def prefill(world, key="c1.unit_a.P2", user="unit", layout="national"):
    return services.prefill(actor=world.users[user], project=world.project(key), layout=layout)


def export(world, path, user="unit"):
    exports.write_workbook(str(path), exports.evaluations_for(user=world.users[user], year=YEAR))
    return path


def upload(world, path, user="unit", commit=False):
    with open(path, "rb") as f:
        return imports.run_import(
            actor=world.users[user],
            kind="selfeval",
            filename=path.name,
            file=f,
            commit_rows=commit,
            options={"year": YEAR},
        )


class Sheet:
    """Cells of one exported form, found by their labels as a person would find them."""

    def __init__(self, ws):
        self.ws = ws
        self.table = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "一级指标")
        self.heads = {ws.cell(self.table, c).value: c for c in range(1, ws.max_column + 1)}
        self.funds = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 3).value == "年初预算数")

    def row_of(self, name):
        return next(r for r in range(self.table + 1, self.ws.max_row + 1) if self.ws.cell(r, 4).value == name)

    def cell(self, name, head):
        return self.ws.cell(self.row_of(name), self.heads[head])

    def funds_cell(self, head):
        column = next(c for c in range(1, self.ws.max_column + 1) if self.ws.cell(self.funds, c).value == head)
        return self.ws.cell(self.funds + 1, column)

    def goal_actual(self):
        r = next(r for r in range(1, self.ws.max_row + 1) if self.ws.cell(r, 5).value == "实际完成情况")
        return self.ws.cell(r + 1, 5)


def edit(path, code, change):
    wb = openpyxl.load_workbook(path)
    change(Sheet(wb[code]))
    wb.save(path)


def test_national_export_is_prefilled_and_a_filled_form_imports_through_the_services(world, tmp_path):
    evaluation = prefill(world)
    code = evaluation.project.code
    path = export(world, tmp_path / "selfeval.xlsx")
    wb = openpyxl.load_workbook(path)
    assert code in wb.sheetnames and "填写说明" in wb.sheetnames
    sheet = Sheet(wb[code])
    assert sheet.cell("维修改造校舍面积", "年度指标值").value == "≥1200平方米"
    assert sheet.cell("维修改造校舍面积", "分值").value == 50
    assert sheet.funds_cell("全年预算数").value == pytest.approx(25.00005)  # 250,000.50 元
    assert "偏差原因分析及改进措施" in sheet.heads and "指标性质" not in sheet.heads

    def fill(s):
        s.funds_cell("全年执行数").value = 20
        s.goal_actual().value = "完成校舍维修改造1000平方米"
        s.cell("维修改造校舍面积", "实际完成值").value = "1000平方米"
        s.cell(
            "维修改造校舍面积", "偏差原因分析及改进措施"
        ).value = "材料涨价，部分工程延后\n改进措施：提前锁定材料价格"
        s.cell("校舍安全隐患消除率", "实际完成值").value = "100%"
        s.cell("师生满意度", "实际完成值").value = 95

    edit(path, code, fill)
    checked = upload(world, path)
    assert checked.status == "valid", checked.errors
    assert checked.summary["plan"] == {"created": 0, "updated": 1, "unchanged": 0}
    assert SelfEvaluation.objects.get(pk=evaluation.pk).executed is None  # checking writes nothing

    batch = upload(world, path, commit=True)
    assert batch.status == "committed", batch.errors
    stored = SelfEvaluation.objects.get(pk=evaluation.pk)
    rows = {r.name: r for r in stored.indicators.all()}
    assert stored.executed == Decimal("200000.00")
    assert stored.annual_goal_actual == "完成校舍维修改造1000平方米"
    area = rows["维修改造校舍面积"]
    assert area.actual_value == Decimal(1000) and area.actual_text == ""
    assert area.deviation_reason == "材料涨价，部分工程延后" and area.improvement_measures == "提前锁定材料价格"
    assert area.score == (Decimal(1000) / Decimal(1200) * 50).quantize(TEN_PLACES)  # stored to 10 decimals
    assert rows["师生满意度"].actual_value == Decimal(95) and rows["师生满意度"].score == Decimal(10)
    assert stored.total_score is not None and stored.grade
    event = AuditEvent.objects.get(action="selfeval.import", object_id=str(stored.pk))
    assert event.actor == world.users["unit"]
    # The form is complete: it can be submitted as imported.
    services.submit(actor=world.users["unit"], evaluation=stored)


def test_the_same_file_twice_and_a_fresh_export_write_nothing(world, tmp_path):
    evaluation = prefill(world)
    code = evaluation.project.code
    path = export(world, tmp_path / "selfeval.xlsx")
    edit(path, code, lambda s: setattr(s.cell("师生满意度", "实际完成值"), "value", "92%"))
    assert upload(world, path, commit=True).result == {"created": 0, "updated": 1, "unchanged": 0}
    events = AuditEvent.objects.filter(action="selfeval.import").count()

    again = upload(world, path, commit=True)
    assert again.result == {"created": 0, "updated": 0, "unchanged": 1}
    fresh = upload(world, export(world, tmp_path / "fresh.xlsx"), commit=True)
    assert fresh.result == {"created": 0, "updated": 0, "unchanged": 1}
    assert AuditEvent.objects.filter(action="selfeval.import").count() == events
    assert SelfEvaluation.objects.get(pk=evaluation.pk).indicators.get(name="师生满意度").actual_value == 92


def test_sichuan_layout_round_trip_with_points_split_and_the_execution_reason(world, tmp_path):
    evaluation = prefill(world, "c1.unit_b.P2", user="unit_b", layout="sichuan")
    code = evaluation.project.code
    path = export(world, tmp_path / "sc.xlsx", user="unit_b")
    sheet = Sheet(openpyxl.load_workbook(path)[code])
    assert {"指标性质", "度量单位", "权重", "未完成原因分析"} <= set(sheet.heads)
    assert sheet.ws.cell(sheet.funds, 1).value.startswith("预算执行情况")
    assert sheet.cell("维修改造校舍面积", "指标性质").value == "≥"
    assert sheet.cell("维修改造校舍面积", "指标值").value == "1200"

    def fill(s):
        s.funds_cell("预算执行数").value = 30  # 60% of 50.0001 万元: below 90%, so a reason
        s.funds_cell("原因").value = "项目延期开工"
        for name, actual, points in (("维修改造校舍面积", 1200, 40), ("校舍安全隐患消除率", 100, 30)):
            s.cell(name, "完成值").value = actual
            s.cell(name, "权重").value = points
        s.cell("师生满意度", "完成值").value = 88
        s.cell("师生满意度", "权重").value = 20
        s.cell("师生满意度", "未完成原因分析").value = "宣传不足\n改进措施：加强沟通"

    edit(path, code, fill)
    batch = upload(world, path, user="unit_b", commit=True)
    assert batch.status == "committed", batch.errors
    stored = SelfEvaluation.objects.get(pk=evaluation.pk)
    assert stored.execution_reason == "项目延期开工" and stored.executed == Decimal("300000.00")
    assert [(r.name, r.weight) for r in stored.indicators.all()] == [
        ("维修改造校舍面积", Decimal(40)),
        ("校舍安全隐患消除率", Decimal(30)),
        ("师生满意度", Decimal(20)),
    ]
    assert stored.indicators.get(name="师生满意度").score == (Decimal(88) / Decimal(90) * 20).quantize(TEN_PLACES)
    services.submit(actor=world.users["unit_b"], evaluation=stored)
    assert upload(world, path, user="unit_b", commit=True).result["unchanged"] == 1  # submitted, unchanged: fine


def test_errors_are_located_by_sheet_row_and_column_and_nothing_is_written(world, tmp_path):
    evaluation = prefill(world)
    code = evaluation.project.code
    path = export(world, tmp_path / "bad.xlsx")
    rows = {}

    def spoil(s):
        rows["area"] = s.row_of("维修改造校舍面积")
        rows["rate"] = s.row_of("校舍安全隐患消除率")
        s.cell("维修改造校舍面积", "实际完成值").value = "很多"
        s.cell("校舍安全隐患消除率", "三级指标").value = "不在目标中的指标"

    edit(path, code, spoil)
    batch = upload(world, path, commit=True)
    assert batch.status == "invalid"
    found = {(e["sheet"], e["row"], e["column"]): e["message"] for e in batch.errors}
    assert "很多" in found[(code, rows["area"], "F")]
    assert "不在目标中的指标" in found[(code, rows["rate"], "D")]
    assert SelfEvaluation.objects.get(pk=evaluation.pk).indicators.filter(actual_value__isnull=False).count() == 0


def test_forms_are_matched_by_sheet_name_then_by_project_name(world, tmp_path):
    evaluation = prefill(world)
    code = evaluation.project.code
    path = export(world, tmp_path / "names.xlsx")

    def no_code(s):
        s.ws.cell(4, 2).value = None  # 项目编码 left empty: the sheet name says which project
        s.cell("师生满意度", "实际完成值").value = "91%"

    edit(path, code, no_code)
    assert upload(world, path, commit=True).result["updated"] == 1
    wb = openpyxl.load_workbook(path)
    wb[code].title = "我的自评表"  # neither code nor sheet name: the project name
    Sheet(wb["我的自评表"]).cell("师生满意度", "实际完成值").value = "93%"
    wb.save(path)
    assert upload(world, path, commit=True).result["updated"] == 1
    assert SelfEvaluation.objects.get(pk=evaluation.pk).indicators.get(name="师生满意度").actual_value == 93


def test_another_units_form_and_a_submitted_form_are_refused(world, tmp_path):
    evaluation = prefill(world)
    code = evaluation.project.code
    path = export(world, tmp_path / "a.xlsx")
    edit(path, code, lambda s: setattr(s.cell("师生满意度", "实际完成值"), "value", "91%"))
    batch = upload(world, path, user="unit_b")
    assert batch.status == "invalid"
    assert any(e["row"] == 4 and e["column"] == "B" and "未找到" in e["message"] for e in batch.errors)

    evaluation.status = SelfEvaluation.Status.SUBMITTED  # as if submitted after the export
    evaluation.save(update_fields=["status"])
    batch = upload(world, path)
    assert batch.status == "invalid"
    assert any("不能修改" in e["message"] for e in batch.errors)


def test_cli_export_then_import_with_commit(world, tmp_path, capsys):
    evaluation = prefill(world)
    path = tmp_path / "cli.xlsx"
    user = world.users["unit"].username
    call_command(
        "export_selfeval", "--user", user, "--region", world.regions["c1"].code, "--year", "2025", "--out", str(path)
    )
    assert "已导出 1 张" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="selfeval.export", actor=world.users["unit"]).exists()
    edit(path, evaluation.project.code, lambda s: setattr(s.cell("师生满意度", "实际完成值"), "value", "97%"))

    call_command("import_selfeval", str(path), "--user", world.users["unit"].username, "--year", "2025")
    out = capsys.readouterr().out
    assert "校验通过" in out and "修改1个指标" in out
    assert SelfEvaluation.objects.get(pk=evaluation.pk).indicators.get(name="师生满意度").actual_value is None
    call_command("import_selfeval", str(path), "--user", world.users["unit"].username, "--year", "2025", "--commit")
    assert "更新 1" in capsys.readouterr().out
    assert SelfEvaluation.objects.get(pk=evaluation.pk).indicators.get(name="师生满意度").actual_value == 97

    edit(path, evaluation.project.code, lambda s: setattr(s.cell("师生满意度", "实际完成值"), "value", "很高"))
    with pytest.raises(CommandError):
        call_command("import_selfeval", str(path), "--user", world.users["unit"].username, "--year", "2025", "--commit")
    assert "很高" in capsys.readouterr().err
