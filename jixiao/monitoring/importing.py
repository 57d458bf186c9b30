"""Importing filled-in 绩效监控表 workbooks (the layout of `form_layout`, as exported or as published): every
sheet that has a 项目编码 (or, on a published form without one such as 黄石's, a 项目名称) is one form, matched
to the uploader's report of that project in an open round of the stated year (and of the form's months, 1-M月,
where several rounds are open). What the unit states is
entered through `services.save_report` (permission, audit, the required causes and measures).

Read from a form: 1-M月执行数 and 全年预计执行数 (万元), 总体目标执行情况, and per indicator (matched by 三级指标
name) the value to date (a number, or words for a 定性 indicator), 全年预计完成情况, 完成目标可能性, 偏差原因
(joined by 、), 偏差原因分析, 相关建议或举措 and 备注. A form stating what is already stored writes nothing: the
same file imported twice changes nothing the second time. Every problem names its sheet, row and column.

A published form may state 偏差或不能完成目标原因分析 and 相关建议或举措 once, in rows below the indicators
(黄石): they then apply to every indicator not 确定能 that states none of its own; such a form has no 偏差原因
ticks, so a stated analysis is recorded under the cause 其他.
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


# Rows below the indicator table that state something for the whole form (label, then the text).
FORM_NOTES = {
    "cause_analysis": _labels("cause_analysis", "偏差原因分析"),
    "measures": _labels("measures", "相关建议或举措"),
}
_AFTER_INDICATORS = {normalize_header(form_layout.REMARK_LABEL), *(t for ls in FORM_NOTES.values() for t in ls)}
PROJECT_NAME = normalize_header("项目名称")


@dataclass
class Form:
    """One sheet as read: where things are, and the cells."""

    sheet: str
    code: str = ""
    name: str = ""  # 项目名称, used when the form has no 项目编码
    code_at: tuple[int, int] = (1, 0)  # where the form names its project (code, or else name)
    month: int | None = None
    funds: dict[str, tuple[int, int, Any]] = field(default_factory=dict)  # key → (row, column, value)
    progress: str | None = None
    header: dict[str, tuple[int, str]] = field(default_factory=dict)  # indicator key → (column, header)
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (Excel row, key → cell)
    notes: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # FORM_NOTES key → (row, column, text)

    def problem(self, row: int, key: str, message: str) -> Problem:
        """At the indicator's cell; for what the form states once (FORM_NOTES), at that cell."""
        if key not in self.header and key in self.notes:
            at, column, _ = self.notes[key]
            return Problem(self.sheet, at, column_letter(column), "", message)
        if key not in self.header and key == "causes" and "cause_analysis" in self.notes:
            at, column, _ = self.notes["cause_analysis"]
            return Problem(self.sheet, at, column_letter(column), "", message)
        column, header = self.header.get(key, self.header.get("likelihood", (-1, "")))
        return Problem(self.sheet, row, column_letter(column) if column >= 0 else "", header, message)

    def names_project(self) -> bool:
        return bool(self.code or self.name)


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
            elif text == PROJECT_NAME and not form.name:
                form.name = next((cell_text(v) for v in grid[n][j + 1 :] if cell_text(v)), "")
                if not form.code:
                    form.code_at = (n + 1, j)
            elif text == normalize_header(form_layout.GOAL_PROGRESS_LABEL):
                form.progress = next((cell_text(v) for v in grid[n][j + 1 :] if cell_text(v)), "")
            elif form_layout.EXECUTED_HEADER.match(text):
                month = form_layout.MONTH_IN_HEADER.match(text)
                form.month = int(month.group(1)) if month else None
                expected = next((k for k, t in enumerate(cells) if t == "全年预计执行数"), None)
                at = _funds_row(grid, n + 1)
                data = grid[at] if at < len(grid) else []
                form.funds["executed"] = (at + 1, j, data[j] if j < len(data) else None)
                if expected is not None:
                    form.funds["expected"] = (at + 1, expected, data[expected] if expected < len(data) else None)
        _read_note(form, grid[n], n + 1)
        found = _indicator_header(cells, names)
        if found:
            form.header = {k: (j, str(grid[n][j])) for k, j in found.items()}
            n = _indicator_rows(form, grid, n + 1)
            continue
        n += 1
    return form


def _funds_row(grid: list[list[Any]], start: int) -> int:
    """The 年度资金总额 row below the funds header (a published form may put other rows first), else the next."""
    for n in range(start, min(start + 5, len(grid))):
        if any(normalize_header(v) == form_layout.FUNDS_ROW for v in grid[n]):
            return n
    return start


def _read_note(form: Form, cells: list[Any], row: int) -> None:
    """A row stating a FORM_NOTES item for the whole form: its label, then the text in the next cells."""
    for j, value in enumerate(cells):
        text = normalize_header(value)
        if not text:
            continue
        for key, labels in FORM_NOTES.items():
            if text in labels and key not in form.notes:
                stated = next((cell_text(v) for v in cells[j + 1 :] if cell_text(v)), "")
                form.notes[key] = (row, j + 1, stated)
        return  # only the row's first cell is a label


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
        first = next((normalize_header(v) for v in raw if cell_text(v)), "")
        if not name or name.startswith("注") or first in _AFTER_INDICATORS:
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


# The export writes a value with words as "600（主体完工）" (exports._value).
_NUMBER_WITH_TEXT = re.compile(r"^(-?[\d,]+(?:\.\d+)?)\s*[（(](.+)[）)]$", re.DOTALL)


def _stated(value: Any) -> tuple[Decimal | None, str]:
    """A value as (number, words): a number, words (a 定性 indicator), or a number with words in brackets."""
    number = _number(value)
    if number is not None:
        return number, ""
    text = cell_text(value)
    both = _NUMBER_WITH_TEXT.match(text)
    if both:
        return _number(both.group(1)), both.group(2).strip()
    return None, text


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
            "请从“绩效运行监控”页面导出本单位的绩效监控表填写后导入：每个工作表为一个项目，按项目编码（表中没有编码时按项目名称）匹配。",
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
        forms = [f for f in forms if f.names_project()]
        if not forms:
            message = "工作簿中没有绩效监控表：没有写明“项目编码”或“项目名称”的工作表"
            raise TableError([Problem(book.sheet_names[0] if book.sheet_names else "", None, "", "", message)])
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
    by = {"project__code": form.code} if form.code else {"project__name": form.name}
    named = f"项目编码“{form.code}”" if form.code else f"项目名称“{form.name}”"
    where = Problem(form.sheet, row, column_letter(column + 1), "项目编码" if form.code else "项目名称", "")
    qs = reports_for(user=actor).filter(**by, round__year=year, round__status=MonitoringRound.Status.OPEN)
    if form.month is not None:
        qs = qs.filter(round__cutoff_month=form.month)
    found = list(qs.prefetch_related("indicators")[:2])
    period = f"1-{form.month}月" if form.month else ""
    if not found:
        message = f"{named}在{year}年进行中的{period}监控轮次中没有您可填报的绩效监控表"
        problems.add_problem(Problem(where.sheet, row, where.column, where.header, message))
        return None
    if len(found) > 1 and not form.code and found[0].round_id == found[1].round_id:
        message = f"{named}对应多个项目，请在表中写明“项目编码”"
        problems.add_problem(Problem(where.sheet, row, where.column, where.header, message))
        return None
    if len(found) > 1:
        message = f"{named}对应多个进行中的监控轮次，请在表中写明“1-M月执行数”"
        problems.add_problem(Problem(where.sheet, row, where.column, where.header, message))
        return None
    report = found[0]
    if report.pk in seen:
        message = f"{named}与工作表“{seen[report.pk]}”重复"
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
    stated, stated_text = _stated(values.get("value_to_date"))
    expected, expected_text = _stated(values.get("expected"))
    analysis, measures = cell_text(values.get("cause_analysis")), cell_text(values.get("measures"))
    if likelihood and likelihood != Likelihood.CERTAIN:
        # What the form states once for all its indicators (黄石: rows below the table).
        analysis = analysis or form.notes.get("cause_analysis", (0, 0, ""))[2]
        measures = measures or form.notes.get("measures", (0, 0, ""))[2]
        if "causes" not in form.header and analysis:
            causes = [Cause.OTHER]
    return IndicatorEntry(
        id=pk,
        value_to_date=stated,
        value_to_date_text=stated_text,
        expected_value=expected,
        expected_text=expected_text,
        likelihood=likelihood,
        causes=causes,
        cause_analysis=analysis,
        measures=measures,
        remark=cell_text(values.get("remark")),
    )


_FIELD_KEYS = {"causes": "causes", "measures": "measures", "likelihood": "likelihood", "id": "name"}


def _located(item: Matched, error: DomainError) -> Problem:
    parts = (error.field or "").split(".")
    if len(parts) == 3 and parts[0] == "indicators" and parts[1].isdigit() and int(parts[1]) < len(item.rows):
        message = error.message
        if parts[2] == "causes" and "causes" not in item.form.header:  # a form without the ticks (黄石)
            message = message.replace("须勾选偏差原因", "须填写偏差或不能完成目标原因分析")
        return item.form.problem(item.rows[int(parts[1])], _FIELD_KEYS.get(parts[2], parts[2]), message)
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
