"""Excel export of the audit log; exporting is itself an audited event."""

import json
import tempfile
from typing import Any

import xlsxwriter
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone

from jixiao.core import audit
from jixiao.core.models import AuditEvent

SHEET = "审计日志"
COLUMNS = [
    ("时间", 20),
    ("操作人", 16),
    ("IP地址", 16),
    ("渠道", 10),
    ("操作", 16),
    ("操作代码", 22),
    ("对象类型", 20),
    ("对象编号", 10),
    ("对象", 30),
    ("区划路径", 22),
    ("说明", 40),
    ("变更前", 40),
    ("变更后", 40),
    ("请求编号", 34),
]


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def row_values(e: AuditEvent) -> list[str]:
    return [
        timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        e.actor_name,
        e.ip or "",
        e.channel_label,
        e.action_label,
        e.action,
        e.object_type,
        e.object_id,
        e.object_repr,
        e.region_path,
        e.message,
        _json(e.before),
        _json(e.after),
        e.request_id,
    ]


def write_workbook(path: str, events: QuerySet[AuditEvent]) -> int:
    """Write the events to `path`; every cell is text, never a formula or a link."""
    wb = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet(SHEET)
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    for i, (title, width) in enumerate(COLUMNS):
        ws.set_column(i, i, width)
        ws.write_string(0, i, title, head)
    ws.freeze_panes(1, 0)
    n = 0
    for n, event in enumerate(events.iterator(chunk_size=2000), start=1):
        for i, value in enumerate(row_values(event)):
            if value:
                ws.write_string(n, i, value[:32767])
    wb.close()
    return n


def record_export(*, actor: Any, count: int, filters: dict[str, Any]) -> None:
    conditions = {k: str(v) for k, v in filters.items() if v not in (None, "")}
    audit.record(
        actor=actor,
        action="audit.export",
        after={"count": count, "filters": conditions},
        message=f"导出审计日志{count}条",
    )


def audit_workbook_response(events: QuerySet[AuditEvent], *, actor: Any, filters: dict[str, Any]) -> FileResponse:
    tmp = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 (closed by FileResponse)
    count = write_workbook(tmp.name, events)
    record_export(actor=actor, count=count, filters=filters)
    tmp.seek(0)
    return FileResponse(tmp, as_attachment=True, filename="审计日志.xlsx")
