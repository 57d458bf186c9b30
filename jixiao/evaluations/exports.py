"""Export of self-evaluations as 自评表 workbooks, one form per project on its own sheet (named by the project
code), in the layout of the form: national (财预〔2020〕10号 附件1: 项目资金, 年度总体目标, 绩效指标 with 年度指标值,
实际完成值, 分值, 得分, 偏差原因分析及改进措施) or 四川 (预算执行情况 10分 with its reason, 绩效指标 90分 with 指标性质
and 度量单位). Targets and points come prefilled from the approved goal; amounts are in 万元 (kept to the
cent, shown to 2 decimals). The labels are the standard ones, so `importing` (and `jixiao score`) read the
forms back by their labels.

What a cell shows for a row is decided here once (`actual_cell`, `reason_cell`), so that the importer can
tell a row left as exported from one the unit changed.
"""

import re
import tempfile
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.db.models import QuerySet
from django.http import FileResponse

from jixiao.core import audit
from jixiao.evaluations import scoring_bridge
from jixiao.evaluations.models import IndicatorResult, Layout, SelfEvaluation
from jixiao.evaluations.selectors import self_evaluations_for
from jixiao.goals.models import Operator
from jixiao.orgs.models import Region
from jixiao.projects.models import Project
from jixiao.rules import scoring
from jixiao.rules.money import yuan_to_wan
from jixiao.rules.targets import format_target, plain_number

MEASURES = "改进措施："
NOTES = [
    "每个项目一个工作表，工作表名为项目编码；导入时按表中的“项目编码”匹配本年度的自评表，没有编码时按工作表名，再按项目名称。",
    "单位只需填写：全年执行数（万元）、年度总体目标实际完成情况、各指标的实际完成值和偏差原因分析；四川表样另填预算执行偏差原因和各指标权重（绩效指标合计90分）。",
    "实际完成值可连同单位填写，如“480人”“96%”；不适用的指标填“不适用”，并在原因一栏说明理由。",
    "定性指标的实际完成值填写“达成”“部分达成”或“未达成”；后两档须在“得分”栏填写评定得分（达成80%–100%、部分达成60%–80%、未达成60%以下）。",
    f"未完成年度指标值的，原因一栏先写偏差原因，再另起一段以“{MEASURES}”开头写改进措施。",
    "年度指标值、分值（全国表样）和定量指标的得分由系统按绩效目标和计分方法确定，修改不会导入；同一文件重复导入不会改变数据。",
]
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def evaluations_for(*, user: Any, region: Region | None = None, year: int | None = None) -> QuerySet[SelfEvaluation]:
    """The self-evaluations the user may see, optionally of one region (and those below) and year."""
    qs = self_evaluations_for(user=user)
    if region is not None:
        qs = qs.filter(project__region__path__startswith=region.path)
    if year is not None:
        qs = qs.filter(year=year)
    return qs.prefetch_related("indicators").order_by("project__kind", "project__code", "pk")


def actual_cell(row: IndicatorResult, layout: str) -> str:
    """实际完成值 as the form shows it: 不适用; the 定性 tier or the words the unit wrote; the number (with its
    unit in the national layout, which has no 度量单位 column)."""
    if row.not_applicable:
        return "不适用"
    if row.operator == Operator.QUALITATIVE:
        return row.actual_text or row.band
    if row.actual_value is None:
        return row.actual_text
    if row.actual_text:
        return row.actual_text
    number = plain_number(row.actual_value)
    return number if layout == Layout.SICHUAN else f"{number}{row.unit}"


def score_cell(row: IndicatorResult) -> Decimal | None:
    """得分: a 定性 row shows the assessor's score where one was typed."""
    if row.operator == Operator.QUALITATIVE and row.manual_score is not None:
        return row.manual_score
    return row.score


def reason_cell(row: IndicatorResult) -> str:
    """偏差原因分析及改进措施 in one cell (the form has one column): the reason, then the measures after their
    label; for an indicator that does not apply, the reason it does not."""
    if row.not_applicable:
        return row.not_applicable_reason
    parts = [row.deviation_reason.strip()]
    if row.improvement_measures.strip():
        parts.append(MEASURES + row.improvement_measures.strip())
    return "\n".join(p for p in parts if p)


def split_reason(text: str) -> tuple[str, str]:
    """The reverse of `reason_cell`: (偏差原因, 改进措施), split at the measures' label (either colon)."""
    for mark in (MEASURES, "改进措施:"):
        if mark in text:
            before, after = text.split(mark, 1)
            return before.strip(), after.strip()
    return text.strip(), ""


def wan(amount: Decimal | None) -> float | None:
    """元 → 万元 to the cent (6 decimals), so that reading the cell back gives the same amount in 元."""
    return None if amount is None else float(yuan_to_wan(amount, 6))


class Writer:
    """One sheet per form, in the form's layout."""

    def __init__(self, path: str) -> None:
        self.book = xlsxwriter.Workbook(path)
        b = self.book
        self.title = b.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
        self.label = b.add_format({"bold": True, "border": 1, "bg_color": "#F2F2F2", "text_wrap": True})
        self.text = b.add_format({"border": 1, "text_wrap": True, "valign": "top"})
        self.entry = b.add_format({"border": 1, "text_wrap": True, "valign": "top", "bg_color": "#FFF9DB"})
        self.money = b.add_format({"border": 1, "num_format": "0.00"})
        self.money_entry = b.add_format({"border": 1, "num_format": "0.00", "bg_color": "#FFF9DB"})
        self.number = b.add_format({"border": 1, "num_format": "0.##"})
        self.score = b.add_format({"border": 1, "num_format": "0.00"})
        self.names: set[str] = set()
        self.count = 0

    def close(self) -> None:
        self.book.close()

    def _sheet_name(self, code: str) -> str:
        base = _SHEET_UNSAFE.sub("_", code).strip("'")[:31] or "自评表"
        name, n = base, 2
        while name.lower() in self.names:
            suffix = f"_{n}"
            name, n = base[: 31 - len(suffix)] + suffix, n + 1
        self.names.add(name.lower())
        return name

    def write(self, evaluation: SelfEvaluation, rows: list[IndicatorResult]) -> None:
        project = evaluation.project
        ws = self.book.add_worksheet(self._sheet_name(project.code))
        sichuan = evaluation.layout == Layout.SICHUAN
        last = 10 if sichuan else 8  # the last column of the indicator table
        ws.set_column(0, 0, 14)
        ws.set_column(1, 3, 16)
        ws.set_column(4, last, 14)
        ws.set_column(last, last, 36)
        kind = "部门整体支出" if project.kind == Project.Kind.DEPARTMENT_OVERALL else "项目支出"
        title = f"{evaluation.year}年度{kind}绩效自评表" if sichuan else f"{kind}绩效自评表"
        ws.merge_range(0, 0, 0, last, title, self.title)
        ws.merge_range(1, 0, 1, last, f"（{evaluation.year}年度）", self.text)
        department = project.department.name if project.department_id else ""
        self._pair(ws, 2, "项目名称", project.name, last)
        self._pair(ws, 3, "项目编码", project.code, last)
        ws.write_string(4, 0, "主管部门", self.label)
        ws.merge_range(4, 1, 4, 3, department, self.text)
        ws.write_string(4, 4, "实施单位", self.label)
        ws.merge_range(4, 5, 4, last, project.owner.name, self.text)
        rules = scoring_bridge.rules_for(evaluation)
        weight = scoring_bridge.execution_weight(evaluation.layout, rules)
        r = self._funds(ws, 5, evaluation, weight, scoring_bridge.settings_for(evaluation, rules))
        ws.write_string(r, 0, "年度总体目标", self.label)
        ws.merge_range(r, 1, r, 3, "预期目标", self.label)
        ws.merge_range(r, 4, r, last, "实际完成情况", self.label)
        ws.merge_range(r + 1, 1, r + 1, 3, evaluation.annual_goal_expected, self.text)
        ws.merge_range(r + 1, 4, r + 1, last, evaluation.annual_goal_actual, self.entry)
        ws.write_blank(r + 1, 0, None, self.label)
        self._indicators(ws, r + 2, evaluation, rows, weight)
        self.count += 1

    def _pair(self, ws: Any, r: int, label: str, value: str, last: int) -> None:
        ws.write_string(r, 0, label, self.label)
        ws.merge_range(r, 1, r, last, value, self.text)

    def _funds(self, ws: Any, r: int, evaluation: SelfEvaluation, weight: Decimal, settings: scoring.Settings) -> int:
        sichuan = evaluation.layout == Layout.SICHUAN
        execution = None
        if evaluation.executed is not None:
            execution = scoring.score_execution(scoring_bridge.engine_funds(evaluation, weight), settings)
        if sichuan:
            ws.write_string(r, 0, f"预算执行情况（{plain_number(weight)}分）", self.label)
            heads = ["", "年初预算数", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分", "原因"]
        else:
            ws.write_string(r, 0, "项目资金（万元）", self.label)
            heads = ["", "年初预算数", "全年预算数", "全年执行数", "执行率", "分值", "得分"]
        for c, head in enumerate(heads[1:], start=2):
            ws.write_string(r, c, head, self.label)
        ws.write_string(r, 1, "（万元）", self.label)
        ws.write_string(r + 1, 0, "", self.label)
        ws.write_string(r + 1, 1, "总额" if sichuan else "年度资金总额", self.label)
        for c, amount, fmt in (
            (2, evaluation.budget_initial, self.money),
            (3, evaluation.budget_full_year, self.money),
            (4, evaluation.executed, self.money_entry),
        ):
            value = wan(amount)
            if value is None:
                ws.write_blank(r + 1, c, None, fmt)
            else:
                ws.write_number(r + 1, c, value, fmt)
        rate = execution.rate if execution is not None else None
        shown = "" if rate is None else f"{plain_number(scoring.rounded(rate * 100))}%"
        ws.write_string(r + 1, 5, shown, self.text)
        ws.write_number(r + 1, 6, float(weight), self.number)
        if evaluation.execution_score is None:
            ws.write_blank(r + 1, 7, None, self.score)
        else:
            ws.write_number(r + 1, 7, float(evaluation.execution_score), self.score)
        if sichuan:
            ws.write_string(r + 1, 8, evaluation.execution_reason, self.entry)
        return r + 2

    def _indicators(
        self, ws: Any, r: int, evaluation: SelfEvaluation, rows: list[IndicatorResult], execution_weight: Decimal
    ) -> None:
        sichuan = evaluation.layout == Layout.SICHUAN
        if sichuan:
            heads = ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分"]
            heads += ["未完成原因分析"]
            ws.write_string(r, 0, "绩效指标（90分）", self.label)
        else:
            heads = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]
            heads += ["偏差原因分析及改进措施"]
            ws.write_string(r, 0, "绩效指标", self.label)
        for c, head in enumerate(heads, start=1):
            ws.write_string(r, c, head, self.label)
        for n, row in enumerate(rows, start=r + 1):
            ws.write_string(n, 0, "", self.text)
            cells: list[tuple[Any, Any]] = [(row.level1, self.text), (row.level2, self.text), (row.name, self.text)]
            if sichuan:
                target = row.target_text if row.operator == Operator.QUALITATIVE else _number_text(row.target_value)
                cells += [(row.operator, self.text), (target, self.text), (row.unit, self.text)]
            else:
                target = (
                    row.target_text
                    if row.operator == Operator.QUALITATIVE
                    else format_target(row.operator, row.target_value, row.unit)
                )
                cells.append((target, self.text))
            cells.append((actual_cell(row, evaluation.layout), self.entry))
            cells.append((row.weight, self.entry if sichuan else self.number))
            cells.append((score_cell(row), self.score))
            cells.append((reason_cell(row), self.entry))
            for c, (value, fmt) in enumerate(cells, start=1):
                if value is None:
                    ws.write_blank(n, c, None, fmt)
                elif isinstance(value, Decimal):
                    ws.write_number(n, c, float(value), fmt)
                else:
                    ws.write_string(n, c, str(value), fmt)
        footer = r + 1 + len(rows)
        points = sum((row.weight or Decimal(0) for row in rows), Decimal(0))
        points += execution_weight
        weight_column = 8 if sichuan else 6
        ws.write_string(footer, 0, "合计" if sichuan else "总分", self.label)
        ws.write_number(footer, weight_column, float(points), self.number)
        if evaluation.total_score is None:
            ws.write_blank(footer, weight_column + 1, None, self.score)
        else:
            ws.write_number(footer, weight_column + 1, float(evaluation.total_score), self.score)
        ws.write_string(footer + 1, 0, "自评等级", self.label)
        ws.write_string(footer + 1, 1, evaluation.grade, self.text)


def _number_text(value: Decimal | None) -> str:
    return "" if value is None else plain_number(value)


def write_workbook(path: str, evaluations: Iterable[SelfEvaluation]) -> int:
    writer = Writer(path)
    for evaluation in evaluations:
        writer.write(evaluation, list(evaluation.indicators.all()))
    if writer.count == 0:
        writer.book.add_worksheet("自评表")
    _notes(writer)
    writer.close()
    return writer.count


def _notes(writer: Writer) -> None:
    notes = writer.book.add_worksheet("填写说明")
    notes.set_column(0, 0, 120)
    for r, line in enumerate(NOTES):
        notes.write_string(r, 0, f"{r + 1}. {line}")


def write_instructions(path: str) -> None:
    """The import template: the forms to fill in are the export of one's own self-evaluations."""
    writer = Writer(path)
    writer.book.add_worksheet("自评表").write_string(
        0, 0, "请在“绩效自评”页面或用 jixiao export_selfeval 导出本单位的自评表，填写后导入。"
    )
    _notes(writer)
    writer.close()


def workbook_response(
    evaluations: QuerySet[SelfEvaluation], *, actor: Any, region: Region | None = None
) -> FileResponse:
    """The workbook as a download, the export recorded in the audit trail."""
    tmp = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 (closed by FileResponse)
    count = write_workbook(tmp.name, evaluations)
    record_export(actor, count, region)
    tmp.seek(0)
    return FileResponse(tmp, as_attachment=True, filename="绩效自评表.xlsx")


def record_export(actor: Any, count: int, region: Region | None, year: int | None = None) -> None:
    where = region.name if region is not None else ""
    when = f"{year}年度" if year else ""
    audit.record(
        actor=actor,
        action="selfeval.export",
        region_path=region.path if region is not None else "",
        message=f"导出{where}{when}绩效自评表{count}份",
    )
