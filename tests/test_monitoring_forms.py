"""The 绩效监控表 workbook end to end: the round's forms downloaded, filled in with a spreadsheet program, and
imported through the import pipeline; and a published form in the 黄石 layout (domain.md §4.6: no 项目编码,
half-year columns, one cause analysis and one measures row for the whole form) entered through the same import,
the warnings then following the configured rule."""

import io
from decimal import Decimal

import openpyxl
import pytest
import xlsxwriter
from django.urls import reverse

from jixiao.core.models import AuditEvent
from jixiao.imports import services as import_services
from jixiao.monitoring import compute, services
from jixiao.monitoring.models import MonitoringReport, MonitoringWarning
from jixiao.monitoring.services import IndicatorEntry, ReportEntry
from jixiao.orgs import services as org_services

pytestmark = pytest.mark.django_db

YEAR = 2025
OWN = "c1.unit_a.P2"  # 第一中学's budgeted project (user "unit"), goal indicators from tests/world.py GOAL


def _open(world, month=7):
    return services.open_round(
        actor=world.users["performance"], region=world.regions["c1"], year=YEAR, cutoff_month=month
    )


def _import(world, data: bytes, user="unit"):
    return import_services.run_import(
        actor=world.users[user],
        kind="monitoring",
        filename="绩效监控表.xlsx",
        file=io.BytesIO(data),
        commit_rows=True,
        options={"year": YEAR},
    )


def _download(client, world, round_) -> bytes:
    client.force_login(world.users["unit"])
    response = client.get(reverse("monitoring:export_forms", args=[round_.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _saved(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _find(ws, text):
    """(row, column) of the first cell holding `text`."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == text:
                return cell.row, cell.column
    raise AssertionError(f"{text} not on the sheet")


class Sheet:
    """The exported sheet of one project, edited cell by cell as a unit would."""

    def __init__(self, book, code):
        self.ws = book[code]
        self.header_row, _ = _find(self.ws, "完成目标可能性")
        self.columns = {c.value: c.column for c in self.ws[self.header_row] if c.value}

    def indicator(self, name, **values):
        row, _ = _find(self.ws, name)
        for header, value in values.items():
            self.ws.cell(row, self.columns[header], value)
        return row

    def executed(self, wan):
        row, column = _find(self.ws, "1-7月执行数")
        self.ws.cell(row + 1, column, wan)


def test_the_exported_forms_come_back_through_the_import(world, client):
    round_ = _open(world)
    report = MonitoringReport.objects.get(round=round_, project=world.project(OWN))
    area = report.indicators.get(name="维修改造校舍面积")
    stated = IndicatorEntry(id=area.pk, value_to_date=Decimal(600), value_to_date_text="主体完工", likelihood="确定能")
    services.save_report(actor=world.users["unit"], report=report, data=ReportEntry(indicators=[stated]))
    exported = _download(client, world, round_)

    # Imported as downloaded (a value with words included), the forms change nothing.
    batch = _import(world, exported)
    assert batch.status == "committed", batch.errors
    assert batch.result["updated"] == 0
    assert not AuditEvent.objects.filter(action="monitoring.import").exists()
    area.refresh_from_db()
    assert (area.value_to_date, area.value_to_date_text) == (Decimal(600), "主体完工")

    book = openpyxl.load_workbook(io.BytesIO(exported))
    sheet = Sheet(book, report.project.code)
    sheet.executed(12.5)
    sheet.indicator("维修改造校舍面积", **{"1-7月执行情况": 700, "全年预计完成情况": 1200, "完成目标可能性": "确定能"})
    sheet.indicator(
        "校舍安全隐患消除率",
        **{
            "1-7月执行情况": "40",
            "全年预计完成情况": 90,
            "完成目标可能性": "有可能",
            "偏差原因": "经费保障、人员保障",
            "偏差原因分析": "上级资金未到位",
            "相关建议或举措": "争取追加资金",
        },
    )
    sheet.indicator("师生满意度", **{"1-7月执行情况": "92", "完成目标可能性": "确定能"})
    edited = _saved(book)

    batch = _import(world, edited)
    assert batch.status == "committed", batch.errors
    assert batch.result["updated"] == 1
    report.refresh_from_db()
    assert report.executed_to_date == Decimal("125000.00")
    row = report.indicators.get(name="校舍安全隐患消除率")
    assert (row.value_to_date, row.expected_value, row.likelihood) == (Decimal(40), Decimal(90), "有可能")
    assert (row.causes, row.cause_analysis, row.measures) == (
        ["经费保障", "人员保障"],
        "上级资金未到位",
        "争取追加资金",
    )
    assert report.indicators.get(name="维修改造校舍面积").value_to_date == Decimal(700)
    assert AuditEvent.objects.filter(action="monitoring.import", object_id=str(report.pk)).count() == 1

    # The same file a second time writes nothing.
    batch = _import(world, edited)
    assert batch.status == "committed" and (batch.result["updated"], batch.result["unchanged"]) == (0, 1)
    assert AuditEvent.objects.filter(action="monitoring.import", object_id=str(report.pk)).count() == 1

    # Downloaded again, the form shows what was imported.
    again = openpyxl.load_workbook(io.BytesIO(_download(client, world, round_)))
    sheet = Sheet(again, report.project.code)
    row_at = sheet.indicator("校舍安全隐患消除率")
    assert sheet.ws.cell(row_at, sheet.columns["偏差原因"]).value == "经费保障、人员保障"


def test_an_error_names_the_sheet_row_and_column_and_nothing_is_written(world, client):
    round_ = _open(world)
    report = MonitoringReport.objects.get(round=round_, project=world.project(OWN))
    book = openpyxl.load_workbook(io.BytesIO(_download(client, world, round_)))
    sheet = Sheet(book, report.project.code)
    row = sheet.indicator("师生满意度", **{"完成目标可能性": "不可能", "偏差原因": "其他"})
    bad_cause = sheet.indicator("维修改造校舍面积", **{"完成目标可能性": "确定能", "偏差原因": "天气"})
    sheet.executed("约十万")

    batch = _import(world, _saved(book))
    assert batch.status != "committed"
    by_row = {(p["sheet"], p["row"], p["column"]): p["message"] for p in batch.errors}
    measures = openpyxl.utils.get_column_letter(sheet.columns["相关建议或举措"])
    causes = openpyxl.utils.get_column_letter(sheet.columns["偏差原因"])
    assert "须填写相关建议或举措" in by_row[(report.project.code, row, measures)]
    assert "偏差原因“天气”无效" in by_row[(report.project.code, bad_cause, causes)]
    executed_row, executed_column = _find(sheet.ws, "1-7月执行数")
    where = (report.project.code, executed_row + 1, openpyxl.utils.get_column_letter(executed_column))
    assert "“约十万”不是金额" in by_row[where]
    report.refresh_from_db()
    assert not report.indicators.exclude(likelihood="").exists()


def _huangshi(path_or_buffer, project, rows, analysis="", measures="", executed=6, budget=25.0005):
    """A half-year form as published by 黄石市 (2019): no 项目编码, the project found by its name; the cause
    analysis and the measures once for the whole form, below the indicators."""
    book = xlsxwriter.Workbook(path_or_buffer, {"in_memory": True})
    ws = book.add_worksheet("Sheet1")
    ws.write_row(0, 0, ["项目支出绩效监控表"])
    ws.write_row(1, 0, ["（2025年半年）"])
    ws.write_row(2, 0, ["项目名称", project.name, "", "主管部门", "教育局"])
    ws.write_row(3, 0, ["项目执行单位", "第一中学"])
    ws.write_row(4, 0, ["项目属性", "经常性项目", "", "项目类型", "其他"])
    ws.write_row(5, 0, ["项目资金(万元)", "年初预算数", "1-6月执行数", "全年预计执行数"])
    ws.write_row(6, 0, ["年度资金总额", budget, executed, budget])
    ws.write_row(7, 0, ["其中：当年一般公共预算拨款", budget, executed, budget])
    ws.write_row(8, 0, ["绩效指标"])
    ws.write_row(
        9, 0, ["一级指标", "指标名称", "指标值", "半年度指标执行情况", "完成目标可能性(确定能、有可能、不可能)", "备注"]
    )
    for n, row in enumerate(rows):
        ws.write_row(10 + n, 0, row)
    end = 10 + len(rows)
    ws.write_row(end, 0, ["偏差或不能完成目标原因分析", analysis])
    ws.write_row(end + 1, 0, ["相关建议或举措", measures])
    ws.write_row(
        end + 2,
        0,
        ["注：完成目标可能性：对应所设定的实现绩效目标的路径，分确定能、有可能、不可能三级综合判断完成的可能性。"],
    )
    book.close()


def _huangshi_bytes(project, rows, **kwargs) -> bytes:
    out = io.BytesIO()
    _huangshi(out, project, rows, **kwargs)
    return out.getvalue()


ROWS = [
    ["产出指标", "维修改造校舍面积", "≥1200平方米", 300, "有可能", "雨季停工"],
    ["效益指标", "校舍安全隐患消除率", "100%", 50, "确定能", ""],
    ["满意度指标", "师生满意度", "≥90%", 93, "确定能", ""],
]


def test_a_published_half_year_form_without_code_imports_and_drives_the_configured_warnings(world):
    round_ = _open(world, month=6)
    project = world.project(OWN)
    report = MonitoringReport.objects.get(round=round_, project=project)

    # 有可能 without the form's cause analysis and measures is refused, pointing at the cells to fill in.
    batch = _import(world, _huangshi_bytes(project, ROWS))
    assert batch.status != "committed"
    by_place = {(p["sheet"], p["row"], p["column"]): p["message"] for p in batch.errors}
    assert set(by_place) == {("Sheet1", 14, "B"), ("Sheet1", 15, "B")}
    assert "维修改造校舍面积" in by_place[("Sheet1", 14, "B")]
    assert "须填写偏差或不能完成目标原因分析" in by_place[("Sheet1", 14, "B")]
    assert "须填写相关建议或举措" in by_place[("Sheet1", 15, "B")]

    data = _huangshi_bytes(project, ROWS, analysis="雨季影响施工进度", measures="增加施工班组，9月底前完成")
    batch = _import(world, data)
    assert batch.status == "committed", batch.errors
    report.refresh_from_db()
    assert report.executed_to_date == Decimal("60000.00")
    row = report.indicators.get(name="维修改造校舍面积")
    assert (row.value_to_date, row.likelihood, row.remark) == (Decimal(300), "有可能", "雨季停工")
    assert (row.causes, row.cause_analysis, row.measures) == (["其他"], "雨季影响施工进度", "增加施工班组，9月底前完成")
    assert report.indicators.get(name="校舍安全隐患消除率").measures == ""
    assert _import(world, data).result["updated"] == 0

    # Spending 6 of 25 万元 by June: 24% of the budget against 50% of the year, 48% of time progress → red.
    compute.compute_report_warnings(actor=world.users["performance"], report=report)
    execution = MonitoringWarning.objects.get(report=report, rule="execution_progress")
    assert execution.colour == "red"
    assert execution.message == "执行进度 24.0% ÷ 时间进度 50.0% = 48.0%，低于红色预警线 60%"
    possible = MonitoringWarning.objects.get(report=report, rule="declared_likelihood", indicator=row)
    assert possible.colour == "yellow" and "有可能" in possible.message

    # With the red line configured at 40%, the same form is yellow, below the 80% line.
    org_services.set_rule(
        actor=world.users["performance"],
        key="monitoring.execution_red_below_percent",
        value=40,
        region=world.regions["c1"],
        fiscal_year=YEAR,
        source="试行",
    )
    compute.compute_report_warnings(actor=world.users["performance"], report=report)
    execution = MonitoringWarning.objects.get(report=report, rule="execution_progress")
    assert execution.colour == "yellow" and execution.message.endswith("= 48.0%，低于黄色预警线 80%")


def test_a_form_naming_a_project_twice_or_unknown_is_refused_with_its_place(world):
    _open(world, month=6)
    project = world.project(OWN)
    project.name = "不存在的项目"
    batch = _import(world, _huangshi_bytes(project, ROWS[1:]))
    assert batch.status != "committed"
    problem = batch.errors[0]
    assert (problem["sheet"], problem["row"], problem["column"]) == ("Sheet1", 3, "B")
    assert "项目名称“不存在的项目”" in problem["message"]
