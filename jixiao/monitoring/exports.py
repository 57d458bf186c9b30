"""Downloads of a round: the monitoring forms as a workbook (one sheet per report in the layout of
`form_layout`, which the import reads back), and the round's summary per region and per department in Excel
and in Word. The Word summary fills the template `templates_docx/round_summary.docx`: a bureau may restyle it
(letterhead, fonts) as long as the {{…}} placeholders stay; a table row holding {{list.field}} placeholders
is repeated once per item of that list."""

import copy
import datetime
import re
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import xlsxwriter
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, HttpRequest

from jixiao.core import audit
from jixiao.core.http import domain_errors
from jixiao.monitoring import form_layout, selectors, summary
from jixiao.monitoring.models import IndicatorProgress, MonitoringReport, MonitoringRound
from jixiao.rules.money import format_wan, yuan_to_wan
from jixiao.rules.targets import QUALITATIVE, format_target, plain_number

TEMPLATE = Path(__file__).parent / "templates_docx" / "round_summary.docx"
PLACEHOLDER = re.compile(r"\{\{\s*([\w.]+)\s*\}\}")


def _wan(amount: Decimal | None) -> float | None:
    """元 → 万元 to the cent (6 decimals), so that reading the cell back gives the same amount in 元."""
    return None if amount is None else float(yuan_to_wan(amount, 6))


def _value(number: Decimal | None, text: str) -> str:
    return text if number is None else plain_number(number) + ("" if not text else f"（{text}）")


# --- the monitoring forms ---------------------------------------------------------------------------------


def write_forms(path: str, reports: QuerySet[MonitoringReport]) -> int:
    """One sheet per report, as `form_layout` describes it. Returns how many sheets were written."""
    book = xlsxwriter.Workbook(path)
    title = book.add_format({"bold": True, "font_size": 14, "align": "center"})
    label = book.add_format({"bold": True, "border": 1, "bg_color": "#F2F2F2", "text_wrap": True})
    text = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    entry = book.add_format({"border": 1, "text_wrap": True, "valign": "top", "bg_color": "#FFF9DB"})
    money = book.add_format({"border": 1, "num_format": "0.00"})
    money_entry = book.add_format({"border": 1, "num_format": "0.00", "bg_color": "#FFF9DB"})
    names: set[str] = set()
    count = 0
    for report in reports:
        name, n = form_layout.sheet_name(report.project.code) or "监控表", 2
        while name.lower() in names:
            name, n = f"{form_layout.sheet_name(report.project.code)[:28]}_{n}", n + 1
        names.add(name.lower())
        ws = book.add_worksheet(name)
        month = report.round.cutoff_month
        indicator_columns = form_layout.indicator_columns(month)
        last = len(indicator_columns) - 1
        ws.set_column(0, last, 14)
        ws.merge_range(0, 0, 0, last, form_layout.TITLE, title)
        ws.write_string(1, 0, form_layout.UNIT_NOTE)
        project = report.project
        header = {
            "code": project.code,
            "name": project.name,
            "department": project.department.name if project.department_id else "",
            "owner": project.owner.name,
            "period": f"{report.round.year}年{report.round.period_label}",
        }
        r = 2
        for key, caption in form_layout.HEADER:
            ws.write_string(r, 0, caption, label)
            ws.merge_range(r, 1, r, last, header[key], text)
            r += 1
        for c, (_, caption) in enumerate(form_layout.funds_columns(month)):
            ws.write_string(r, c, caption, label)
        rate = None
        if report.budget and report.executed_to_date is not None:
            rate = f"{(report.executed_to_date * 100 / report.budget).quantize(Decimal('0.01'))}%"
        ws.write_string(r + 1, 0, form_layout.FUNDS_ROW, label)
        for c, value, fmt in (
            (1, _wan(report.budget_initial), money),
            (2, _wan(report.budget), money),
            (3, _wan(report.executed_to_date), money_entry),
            (5, _wan(report.expected_full_year), money_entry),
        ):
            ws.write(r + 1, c, value, fmt) if value is not None else ws.write_blank(r + 1, c, None, fmt)
        ws.write_string(r + 1, 4, rate or "", text)
        r += 2
        for caption, value, fmt in (
            (form_layout.GOAL_LABEL, report.annual_goal, text),
            (form_layout.GOAL_PROGRESS_LABEL, report.annual_goal_progress, entry),
        ):
            ws.write_string(r, 0, caption, label)
            ws.merge_range(r, 1, r, last, value, fmt)
            r += 1
        for c, (_, caption) in enumerate(indicator_columns):
            ws.write_string(r, c, caption, label)
        for row in report.indicators.all():
            r += 1
            target = (
                row.target_text
                if row.operator == QUALITATIVE
                else format_target(row.operator, row.target_value, row.unit)
            )
            cells = {
                "level1": (row.level1, text),
                "level2": (row.level2, text),
                "name": (row.name, text),
                "target": (target or row.target_text, text),
                "value_to_date": (_value(row.value_to_date, row.value_to_date_text), entry),
                "expected": (_value(row.expected_value, row.expected_text), entry),
                "likelihood": (row.likelihood, entry),
                "causes": ("、".join(row.causes), entry),
                "cause_analysis": (row.cause_analysis, entry),
                "measures": (row.measures, entry),
                "remark": (row.remark, entry),
            }
            for c, (key, _) in enumerate(indicator_columns):
                value, fmt = cells[key]
                ws.write_string(r, c, value, fmt)
        r += 1
        ws.write_string(r, 0, form_layout.REMARK_LABEL, label)
        ws.merge_range(r, 1, r, last, report.remark, entry)
        for note in form_layout.NOTES:
            r += 1
            ws.write_string(r, 0, note)
        count += 1
    if count == 0:
        book.add_worksheet("监控表").write_string(0, 0, "没有可导出的绩效监控表")
    book.close()
    return count


def _temporary(suffix: str) -> Any:
    return tempfile.NamedTemporaryFile(suffix=suffix)  # noqa: SIM115 (closed, and so removed, by FileResponse)


def _download(tmp: Any, filename: str) -> FileResponse:
    tmp.seek(0)
    return FileResponse(tmp, as_attachment=True, filename=filename)


def _record(actor: Any, round_: MonitoringRound, what: str) -> None:
    audit.record(
        actor=actor, action="monitoring.export", obj=round_, region_path=round_.region.path, message=f"导出{what}"
    )


@login_required
@domain_errors
def forms_download(request: HttpRequest, pk: int) -> FileResponse:
    """The round's forms the user may see (a unit: its own), filtered like the reports list by status."""
    round_ = selectors.round_detail(user=request.user, pk=pk)
    reports = (
        selectors.reports_for(user=request.user)
        .filter(round=round_)
        .prefetch_related(Prefetch("indicators", queryset=IndicatorProgress.objects.order_by("position", "id")))
        .order_by("project__code")
    )
    if request.GET.get("status") in MonitoringReport.Status.values:
        reports = reports.filter(status=request.GET["status"])
    tmp = _temporary(".xlsx")
    count = write_forms(tmp.name, reports)
    _record(request.user, round_, f"绩效监控表{count}份")
    return _download(tmp, f"绩效监控表（{round_.region.name}{round_.year}年{round_.period_label}）.xlsx")


# --- the round's summary --------------------------------------------------------------------------------


def round_figures(round_: MonitoringRound, reports: QuerySet[MonitoringReport]) -> dict[str, Any]:
    return {
        "total": summary.total(reports),
        "regions": summary.by(reports, "project__region", "project__region__name"),
        "departments": summary.by(reports, "project__department", "project__department__name"),
        "dispositions": summary.dispositions(reports),
    }


def _percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def _row(g: summary.Group) -> dict[str, str]:
    return {
        "name": g.name,
        "projects": str(g.projects),
        "budget": format_wan(g.budget),
        "executed": format_wan(g.executed),
        "rate": _percent(g.rate),
        "key": str(g.key),
        **{c: str(n) for c, _, n in g.colour_counts()},
        "disposed": format_wan(g.disposed),
    }


def write_summary_xlsx(path: str, round_: MonitoringRound, figures: dict[str, Any]) -> None:
    book = xlsxwriter.Workbook(path)
    bold = book.add_format({"bold": True, "border": 1, "bg_color": "#F2F2F2"})
    cell = book.add_format({"border": 1})
    colours = [label for _, label, _ in figures["total"].colour_counts()]
    head = ["项目数", "预算数（万元）", "执行数（万元）", "执行率", "重点监控", *colours, "收回及调减（万元）"]
    keys = ["projects", "budget", "executed", "rate", "key", *summary.COLOURS, "disposed"]
    for sheet, first, groups in (
        ("按区划", "区划", figures["regions"]),
        ("按部门", "主管部门", figures["departments"]),
    ):
        ws = book.add_worksheet(sheet)
        ws.set_column(0, 0, 24)
        ws.set_column(1, len(head), 12)
        ws.write_string(0, 0, f"{round_}汇总（{sheet}）")
        for c, caption in enumerate([first, *head]):
            ws.write_string(1, c, caption, bold)
        for r, g in enumerate([*groups, figures["total"]], start=2):
            values = _row(g)
            for c, key in enumerate(["name", *keys]):
                ws.write_string(r, c, values[key], bold if g is figures["total"] else cell)
    ws = book.add_worksheet("处置情况")
    for c, caption in enumerate(["处理方式", "项数", "已批准", "批准金额（万元）", "整改事项"]):
        ws.write_string(0, c, caption, bold)
    for r, d in enumerate(figures["dispositions"], start=1):
        for c, value in enumerate([d["label"], d["count"], d["approved"], format_wan(d["amount"]), d["items"]]):
            ws.write_string(r, c, str(value), cell)
    book.close()


def _fill_text(paragraph: Any, values: dict[str, str]) -> None:
    """Replace the placeholders of a paragraph; the text goes into its first run (keeping that run's style)."""
    whole = "".join(run.text for run in paragraph.runs)
    if "{{" not in whole:
        return
    filled = PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), whole)
    for n, run in enumerate(paragraph.runs):
        run.text = filled if n == 0 else ""


def _fill_tables(document: Any, lists: dict[str, list[dict[str, str]]]) -> None:
    for table in document.tables:
        for row in list(table.rows):
            found = PLACEHOLDER.findall("".join(c.text for c in row.cells))
            names = {key.split(".", 1)[0] for key in found if "." in key}
            if len(names) != 1:
                continue
            name = names.pop()
            for item in lists.get(name, []):
                new = copy.deepcopy(row._tr)
                row._tr.addprevious(new)
                for cell_xml in new.iter(docx.oxml.ns.qn("w:p")):
                    _fill_text(
                        docx.text.paragraph.Paragraph(cell_xml, None), {f"{name}.{k}": v for k, v in item.items()}
                    )
            row._tr.getparent().remove(row._tr)


def write_summary_docx(path: str, round_: MonitoringRound, figures: dict[str, Any], issuer: str) -> None:
    whole = figures["total"]
    colours = "，".join(f"{label}{n}个" for _, label, n in whole.colour_counts() if n)
    disposed = [d for d in figures["dispositions"] if d["count"]]
    values = {
        "title": f"{round_.region.name}{round_.year}年度预算绩效运行监控情况汇总",
        "period": f"{round_.year}年{round_.period_label}",
        "overview": (
            f"本轮监控项目{whole.projects}个，全年预算{format_wan(whole.budget)}万元，截至{round_.cutoff_month}月末"
            f"执行{format_wan(whole.executed)}万元，执行率{_percent(whole.rate)}；其中重点监控项目{whole.key}个。"
        ),
        "warnings": f"按预警颜色（取各项目最严重的预警）：{colours or '尚未计算预警'}。",
        "dispositions": "处置情况："
        + ("；".join(f"{d['label']}{d['count']}项（已批准{d['approved']}项）" for d in disposed) or "暂无")
        + f"；收回及调减资金合计{format_wan(whole.disposed)}万元。",
        "issuer": issuer,
        "date": datetime.date.today().strftime("%Y年%m月%d日"),
    }
    document = docx.Document(str(TEMPLATE))
    for paragraph in document.paragraphs:
        _fill_text(paragraph, values)
    kinds = [
        {
            "kind": d["label"],
            "count": str(d["count"]),
            "amount": format_wan(d["amount"]),
            "approved": str(d["approved"]),
            "items": str(d["items"]),
        }
        for d in figures["dispositions"]
    ]
    _fill_tables(
        document,
        {
            "regions": [_row(g) for g in [*figures["regions"], whole]],
            "departments": [_row(g) for g in [*figures["departments"], whole]],
            "kinds": kinds,
        },
    )
    document.save(path)


def _round_reports(request: HttpRequest, pk: int) -> tuple[MonitoringRound, QuerySet[MonitoringReport]]:
    round_ = selectors.round_detail(user=request.user, pk=pk)
    return round_, selectors.reports_for(user=request.user).filter(round=round_)


@login_required
@domain_errors
def summary_xlsx_download(request: HttpRequest, pk: int) -> FileResponse:
    round_, reports = _round_reports(request, pk)
    tmp = _temporary(".xlsx")
    write_summary_xlsx(tmp.name, round_, round_figures(round_, reports))
    _record(request.user, round_, "监控汇总表（Excel）")
    return _download(tmp, f"绩效运行监控汇总（{round_.region.name}{round_.year}年{round_.period_label}）.xlsx")


@login_required
@domain_errors
def summary_docx_download(request: HttpRequest, pk: int) -> FileResponse:
    round_, reports = _round_reports(request, pk)
    tmp = _temporary(".docx")
    issuer = next((m.organization.name for m in request.user.memberships.select_related("organization")), "")
    write_summary_docx(tmp.name, round_, round_figures(round_, reports), issuer)
    _record(request.user, round_, "监控汇总报告（Word）")
    return _download(tmp, f"绩效运行监控汇总（{round_.region.name}{round_.year}年{round_.period_label}）.docx")
