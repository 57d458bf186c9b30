"""Importing filled-in 绩效监控表 workbooks (the layout of `form_layout`, as exported or as published): every
sheet that has a 项目编码 is one form, matched to the uploader's report of that project in an open round of
the stated year (and of the form's months, 1-M月, where several rounds are open). What the unit states is
entered through `services.save_report` (permission, audit, the required causes and measures).

Read from a form: 1-M月执行数 and 全年预计执行数 (万元), 总体目标执行情况, and per indicator (matched by 三级指标
name) the value to date (a number, or words for a 定性 indicator), 全年预计完成情况, 完成目标可能性, 偏差原因
(joined by 、), 偏差原因分析, 相关建议或举措 and 备注. A form stating what is already stored writes nothing: the
same file imported twice changes nothing the second time. Every problem names its sheet, row and column.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import xlsxwriter
from python_calamine import CalamineWorkbook

from jixiao.core.errors import DomainError
from jixiao.imports.registry import Checked, Importer, Progress, Source
from jixiao.imports.tables import Problem, Problems, TableError, cell_text, column_letter, normalize_header
from jixiao.monitoring import form_layout, services
from jixiao.monitoring.models import Cause, Likelihood, MonitoringReport, MonitoringRound
from jixiao.monitoring.selectors import reports_for
from jixiao.monitoring.services import IndicatorEntry, ReportEntry
from jixiao.orgs.roles import Cap

TEN_THOUSAND = Decimal(10000)
CENT = Decimal("0.01")
_SEPARATORS = re.compile(r"[、,，;；/\s]+")


def _labels(key: str, label: str) -> set[str]:
    return {normalize_header(label), *(normalize_header(a) for a in form_layout.ALIASES.get(key, ()))}


@dataclass
class Form:
    """One sheet as read: where things are, and the cells."""

    sheet: str
    code: str = ""
    code_at: tuple[int, int] = (1, 0)
    month: int | None = None
    funds: dict[str, tuple[int, int, Any]] = field(default_factory=dict)  # key → (row, column, value)
    progress: str | None = None
    header: dict[str, tuple[int, str]] = field(default_factory=dict)  # indicator key → (column, header)
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (Excel row, key → cell)

    def problem(self, row: int, key: str, message: str) -> Problem:
        column, header = self.header.get(key, (-1, ""))
        return Problem(self.sheet, row, column_letter(column) if column >= 0 else "", header, message)


def read_form(sheet: str, grid: list[list[Any]]) -> Form:
    form = Form(sheet)
    code_labels = _labels("code", "项目编码")
    indicator_columns = form_layout.indicator_columns(7)
    names = {key: _labels(key, label) for key, label in indicator_columns}
    n = 0
    while n < len(grid):
        cells = [normalize_header(c) for c in grid[n]]
        for j, text in enumerate(cells):
            if text in code_labels and not form.code:
                form.code = next((cell_text(v) for v in grid[n][j + 1 :] if cell_text(v)), "")
                form.code_at = (n + 1, j)
            elif text == normalize_header(form_layout.GOAL_PROGRESS_LABEL):
                form.progress = next((cell_text(v) for v in grid[n][j + 1 :] if cell_text(v)), "")
            elif form_layout.EXECUTED_HEADER.match(text):
                month = form_layout.MONTH_IN_HEADER.match(text)
                form.month = int(month.group(1)) if month else None
                expected = next((k for k, t in enumerate(cells) if t == "全年预计执行数"), None)
                data = grid[n + 1] if n + 1 < len(grid) else []
                form.funds["executed"] = (n + 2, j, data[j] if j < len(data) else None)
                if expected is not None:
                    form.funds["expected"] = (n + 2, expected, data[expected] if expected < len(data) else None)
        found = _indicator_header(cells, names)
        if found:
            form.header = {k: (j, str(grid[n][j])) for k, j in found.items()}
            n = _indicator_rows(form, grid, n + 1)
            continue
        n += 1
    return form


def _indicator_header(cells: list[str], names: dict[str, set[str]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for j, text in enumerate(cells):
        for key, labels in names.items():
            if key not in found and (
                text in labels or (key == "value_to_date" and form_layout.VALUE_TO_DATE_HEADER.match(text))
            ):
                found[key] = j
                break
    return found if {"name", "likelihood"} <= set(found) else {}


def _indicator_rows(form: Form, grid: list[list[Any]], start: int) -> int:
    n = start
    while n < len(grid):
        raw = grid[n]
        values = {k: raw[j] if j < len(raw) else None for k, (j, _) in form.header.items()}
        name = cell_text(values.get("name"))
        if not name or name.startswith("注"):
            break
        form.rows.append((n + 1, values))
        n += 1
    return n


def _amount(value: Any) -> Decimal | None:
    text = cell_text(value).replace(",", "")
    if not text:
        return None
    return (Decimal(text) * TEN_THOUSAND).quantize(CENT)


def _number(value: Any) -> Decimal | None:
    text = cell_text(value).replace(",", "")
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


@dataclass
class Matched:
    form: Form
    report: MonitoringReport
    entry: ReportEntry
    rows: list[int] = field(default_factory=list)  # Excel row of each entry of `entry.indicators`
    changed: bool = False


class MonitoringImporter(Importer):
    kind = "monitoring"
    label = "绩效监控表"
    cap = Cap.PROJECT_CHANGE
    reads_file = True
    options = ("year",)

    def write_template(self, path: str) -> None:
        """The forms to fill in are the export of the unit's own reports; the template shows the layout."""
        book = xlsxwriter.Workbook(path)
        sheet = book.add_worksheet("填写说明")
        lines = [
            form_layout.TITLE,
            "请从“绩效运行监控”页面导出本单位的绩效监控表填写后导入：每个工作表为一个项目，按项目编码匹配。",
            f"指标表各列：{'、'.join(h for _, h in form_layout.indicator_columns(7))}（月份随监控轮次）。",
            *form_layout.NOTES,
        ]
        for n, line in enumerate(lines):
            sheet.write(n, 0, line)
        book.close()

    def validate(self, table: Any, *, actor: Any, problems: Problems, progress: Progress) -> Checked:
        source: Source = table
        if source.fmt != "xlsx":
            raise TableError([Problem("", None, "", "", "绩效监控表须为 .xlsx 工作簿")])
        year = int(source.options["year"])
        book = CalamineWorkbook.from_path(str(source.path))
        forms = [
            read_form(name, book.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in book.sheet_names
        ]
        forms = [f for f in forms if f.code]
        progress(sum(len(f.rows) for f in forms))
        checked = Checked(total=sum(len(f.rows) for f in forms))
        seen: dict[int, str] = {}
        for form in forms:
            before = problems.count
            item = _match(form, actor, year, problems, seen)
            if item is not None:
                _state(item, problems)
            if item is not None and problems.count == before:
                checked.rows.append((form.code_at[0], item))
        changed = sum(1 for _, i in checked.rows if i.changed)
        checked.summary = {"forms": len(forms), "changed": changed}
        return checked

    def plan(self, checked: Checked, *, actor: Any, problems: Problems) -> dict[str, int]:
        changed = sum(1 for _, item in checked.rows if item.changed)
        return {"created": 0, "updated": changed, "unchanged": len(checked.rows) - changed}

    def commit(self, checked: Checked, *, actor: Any, problems: Problems) -> dict[str, int]:
        for _, item in checked.rows:
            if not item.changed:
                continue
            try:
                services.save_report(actor=actor, report=item.report, data=item.entry, action="monitoring.import")
            except DomainError as exc:
                problems.add_problem(Problem(item.form.sheet, item.form.code_at[0], "", "", exc.message))
        return self.plan(checked, actor=actor, problems=problems)


def _match(form: Form, actor: Any, year: int, problems: Problems, seen: dict[int, str]) -> Matched | None:
    row, column = form.code_at
    where = Problem(form.sheet, row, column_letter(column + 1), "项目编码", "")
    qs = reports_for(user=actor).filter(
        project__code=form.code, round__year=year, round__status=MonitoringRound.Status.OPEN
    )
    if form.month is not None:
        qs = qs.filter(round__cutoff_month=form.month)
    found = list(qs.prefetch_related("indicators")[:2])
    period = f"1-{form.month}月" if form.month else ""
    if not found:
        message = f"项目编码“{form.code}”在{year}年进行中的{period}监控轮次中没有您可填报的绩效监控表"
        problems.add_problem(Problem(where.sheet, row, where.column, where.header, message))
        return None
    if len(found) > 1:
        message = f"项目编码“{form.code}”对应多个进行中的监控轮次，请在表中写明“1-M月执行数”"
        problems.add_problem(Problem(where.sheet, row, where.column, where.header, message))
        return None
    report = found[0]
    if report.pk in seen:
        message = f"项目编码“{form.code}”与工作表“{seen[report.pk]}”重复"
        problems.add_problem(Problem(where.sheet, row, where.column, where.header, message))
        return None
    seen[report.pk] = form.sheet
    return Matched(form, report, ReportEntry())


def _state(item: Matched, problems: Problems) -> None:
    """The form's statement as a ReportEntry, checked by the services' rules; `changed` when it differs
    from what is stored."""
    form, report, entry = item.form, item.report, item.entry
    for key, name in (("executed", "executed_to_date"), ("expected", "expected_full_year")):
        if key not in form.funds:
            setattr(entry, name, getattr(report, name))
            continue
        row, column, value = form.funds[key]
        try:
            setattr(entry, name, _amount(value) if _amount(value) is not None else getattr(report, name))
        except InvalidOperation:
            problems.add_problem(Problem(form.sheet, row, column_letter(column), "", f"“{cell_text(value)}”不是金额"))
    entry.annual_goal_progress = form.progress if form.progress is not None else report.annual_goal_progress
    entry.remark = report.remark
    stored = {normalize_header(r.name): r for r in report.indicators.all()}
    for row, values in form.rows:
        name = cell_text(values.get("name"))
        target = stored.get(normalize_header(name))
        if target is None:
            message = f"指标“{name}”不在项目“{report.project.name}”的绩效监控表中（指标来自已批复的绩效目标）"
            problems.add_problem(form.problem(row, "name", message))
            continue
        stated = _row_entry(form, row, values, target.pk, problems)
        if stated is not None:
            entry.indicators.append(stated)
            item.rows.append(row)
    for error in services.entry_errors(report, entry, {r.pk: r for r in report.indicators.all()}):
        problems.add_problem(_located(item, error))
    item.changed = _differs(report, entry)


def _row_entry(form: Form, row: int, values: dict[str, Any], pk: int, problems: Problems) -> IndicatorEntry | None:
    likelihood = cell_text(values.get("likelihood"))
    likelihood = Likelihood.IMPOSSIBLE if likelihood == "完全不可能" else likelihood
    causes = [c for c in _SEPARATORS.split(cell_text(values.get("causes"))) if c]
    unknown = [c for c in causes if c not in Cause.values]
    if unknown:
        message = f"偏差原因“{'、'.join(unknown)}”无效（可选：{'、'.join(Cause.values)}，以“、”分隔）"
        problems.add_problem(form.problem(row, "causes", message))
        return None
    stated, expected = values.get("value_to_date"), values.get("expected")
    return IndicatorEntry(
        id=pk,
        value_to_date=_number(stated),
        value_to_date_text="" if _number(stated) is not None else cell_text(stated),
        expected_value=_number(expected),
        expected_text="" if _number(expected) is not None else cell_text(expected),
        likelihood=likelihood,
        causes=causes,
        cause_analysis=cell_text(values.get("cause_analysis")),
        measures=cell_text(values.get("measures")),
        remark=cell_text(values.get("remark")),
    )


_FIELD_KEYS = {"causes": "causes", "measures": "measures", "likelihood": "likelihood", "id": "name"}


def _located(item: Matched, error: DomainError) -> Problem:
    parts = (error.field or "").split(".")
    if len(parts) == 3 and parts[0] == "indicators" and parts[1].isdigit() and int(parts[1]) < len(item.rows):
        return item.form.problem(item.rows[int(parts[1])], _FIELD_KEYS.get(parts[2], parts[2]), error.message)
    funds = {"executed_to_date": "executed", "expected_full_year": "expected"}.get(error.field or "")
    if funds and funds in item.form.funds:
        row, column, _ = item.form.funds[funds]
        return Problem(item.form.sheet, row, column_letter(column), "", error.message)
    return Problem(item.form.sheet, item.form.code_at[0], "", "", error.message)


def _differs(report: MonitoringReport, entry: ReportEntry) -> bool:
    if (entry.executed_to_date, entry.expected_full_year, entry.annual_goal_progress) != (
        report.executed_to_date,
        report.expected_full_year,
        report.annual_goal_progress,
    ):
        return True
    rows = {r.pk: r for r in report.indicators.all()}
    return any(
        any(getattr(rows[e.id], name) != getattr(e, name) for name in services.ENTRY_FIELDS) for e in entry.indicators
    )
