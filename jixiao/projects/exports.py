"""Excel export of a filtered 项目库, in the import template's layout."""

import tempfile
from typing import Any

import xlsxwriter
from django.db.models import QuerySet
from django.http import FileResponse

from jixiao.core import audit
from jixiao.projects.columns import COLUMNS, SHEET
from jixiao.projects.models import Project


def row_values(p: Project) -> list[Any]:
    return [
        p.code,
        p.name,
        p.owner.code,
        p.fiscal_year,
        p.get_kind_display(),
        p.category,
        p.budget_type,
        "、".join(t.name for t in p.fund_sources.all()),
        "、".join(t.name for t in p.domain_tags.all()),
        "新增" if p.is_new else "延续",
        p.start_year,
        p.end_year,
        p.amount_requested,
        p.amount_approved,
        p.amount_adjusted,
        p.description,
    ]


def write_workbook(path: str, projects: QuerySet[Project]) -> int:
    """Write the projects to `path`; user text is always written as text, never as a formula."""
    wb = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet(SHEET)
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    money = wb.add_format({"num_format": "#,##0.00"})
    for i, col in enumerate(COLUMNS):
        ws.set_column(i, i, col.width)
        ws.write_string(0, i, col.header, head)
    ws.freeze_panes(1, 0)
    n = 0
    for n, project in enumerate(projects.iterator(chunk_size=2000), start=1):
        for i, value in enumerate(row_values(project)):
            if value is None or value == "":
                continue
            if COLUMNS[i].key.startswith("amount_"):
                # Excel stores numbers as IEEE doubles; amounts in 元 with two decimals below 10^13 元
                # (15 significant digits) round-trip exactly (the importer reads them back through
                # `to_yuan`). Near 2^53 fen they do not: 90071992547409.91 comes back as ….90.
                ws.write_number(n, i, float(value), money)
            elif isinstance(value, int):
                ws.write_number(n, i, value)
            else:
                ws.write_string(n, i, str(value))
    wb.close()
    return n


def project_workbook_response(projects: QuerySet[Project], *, actor: Any) -> FileResponse:
    tmp = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 (closed by FileResponse)
    count = write_workbook(tmp.name, projects.select_related("owner").prefetch_related("fund_sources", "domain_tags"))
    audit.record(actor=actor, action="project.export", message=f"导出项目库{count}条")
    tmp.seek(0)
    return FileResponse(tmp, as_attachment=True, filename="项目库.xlsx")
