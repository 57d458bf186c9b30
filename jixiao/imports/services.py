"""Writers of the staged import: upload, validation and commit. Views, the API, the CLI and the
background tasks all come through here.

upload → guard (size, zip members, unpacked size) → store under MEDIA_ROOT/imports/<sha256> → batch
→ validation (inline, or a background task for large files) → preview → commit: the file is read and
checked again (the data may have changed since the preview) and written in one transaction.
"""

import logging
import unicodedata
from dataclasses import dataclass, field
from functools import partial
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jixiao.core import audit, scoping
from jixiao.core.errors import DomainError, PermissionDenied
from jixiao.imports import files
from jixiao.imports.models import ImportBatch
from jixiao.imports.registry import Checked, Importer, Source, get_importer
from jixiao.imports.tables import Problems, Table, TableError, cell_text, read_table

log = logging.getLogger(__name__)

Status = ImportBatch.Status


def _region_path(actor: Any, cap: str) -> str:
    found = scoping.grants(actor, cap)
    return found[0].region_path if found else ""


def clean_filename(name: str) -> str:
    """The user's file name as metadata only: no folders, no control characters, at most 200 characters."""
    base = PurePath(str(name).replace("\\", "/")).name
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return base[-200:] or "未命名文件"


def _check_cap(actor: Any, importer: Importer) -> None:
    if not scoping.has_cap(actor, importer.cap):
        raise PermissionDenied(f"您没有导入{importer.label}的权限。")


def _check_options(importer: Importer, options: dict[str, Any]) -> dict[str, Any]:
    """The options the importer asks for, checked; the others are dropped."""
    found: dict[str, Any] = {}
    if "year" in importer.options:
        year = options.get("year")
        if year in (None, ""):
            raise DomainError(f"导入{importer.label}须填写年度（文件中项目编码所属的预算年度）", field="year")
        try:
            found["year"] = int(year)
        except (TypeError, ValueError) as exc:
            raise DomainError(f"年度“{year}”应为四位数字，如 2026", field="year") from exc
        if not 2000 <= found["year"] <= 2100:
            raise DomainError(f"年度 {found['year']} 超出范围（2000—2100）", field="year")
    return found


def upload(
    *,
    actor: Any,
    kind: str,
    filename: str,
    file: IO[bytes],
    size: int | None = None,
    inline: bool | None = None,
    options: dict[str, Any] | None = None,
) -> ImportBatch:
    """Accept a file: refuse it before any parsing if it is too big or not what it claims, store it,
    create the batch and validate it (now, or in the background when it has many rows).

    `inline=None` decides by the number of rows (settings.JIXIAO_IMPORT_INLINE_ROWS); `options` are
    what the importer asks for besides the file (`Importer.options`, such as the year)."""
    importer = get_importer(kind)
    _check_cap(actor, importer)
    stated = _check_options(importer, options or {})
    filename = clean_filename(filename)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
        file.seek(0)
    try:
        checked = files.check_upload(file, filename=filename, size=size)
    except files.FileRefused as exc:
        audit.record(
            actor=actor,
            action="import.refused",
            after={"kind": kind, "filename": filename, "size": size},
            region_path=_region_path(actor, importer.cap),
            message=exc.message,
        )
        raise
    sha256, size = files.store(file)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            kind=kind,
            filename=filename,
            sha256=sha256,
            size=size,
            stored_path=f"imports/{sha256}",
            uploaded_by=actor,
            total_rows=max(checked.rows - 1, 0),
            message="已上传，等待校验",
            options=stated,
        )
        audit.record(
            actor=actor,
            action="import.upload",
            obj=batch,
            after={"kind": kind, "filename": filename, "sha256": sha256, "size": size, **stated},
            region_path=_region_path(actor, importer.cap),
        )
    _start(batch, "validate_import", inline)
    batch.refresh_from_db()
    return batch


def commit(*, actor: Any, batch: ImportBatch, inline: bool | None = None) -> ImportBatch:
    """Write a validated batch. The file is read and checked again first; any error writes nothing."""
    importer = get_importer(batch.kind)
    _check_cap(actor, importer)
    if batch.uploaded_by_id != actor.pk:
        raise PermissionDenied("只能确认导入自己上传的文件。")
    moved = ImportBatch.objects.filter(pk=batch.pk, status=Status.VALID).update(
        status=Status.COMMITTING, processed_rows=0, message="等待导入"
    )
    if not moved:
        batch.refresh_from_db()
        if batch.status == Status.COMMITTED:
            raise DomainError("该批次已导入，不能重复导入。")
        raise DomainError(f"该批次当前为“{batch.get_status_display()}”，不能导入。")
    batch.refresh_from_db()
    _start(batch, "commit_import", inline)
    batch.refresh_from_db()
    return batch


def _start(batch: ImportBatch, task_name: str, inline: bool | None) -> None:
    """Run a step now, or enqueue it (after the current transaction commits) for the tasks worker."""
    if inline is None:
        inline = batch.total_rows <= settings.JIXIAO_IMPORT_INLINE_ROWS
    if inline:
        {"validate_import": run_validation, "commit_import": run_commit}[task_name](batch.pk)
        return
    if batch.status == Status.UPLOADED:
        ImportBatch.objects.filter(pk=batch.pk).update(status=Status.VALIDATING, message="已排队，等待后台校验")
    else:
        ImportBatch.objects.filter(pk=batch.pk).update(message="已排队，等待后台导入")
    transaction.on_commit(partial(_enqueue, task_name, batch.pk))


def _enqueue(task_name: str, batch_id: int) -> None:
    from jixiao.imports import tasks

    result = getattr(tasks, task_name).enqueue(batch_id=batch_id)
    ImportBatch.objects.filter(pk=batch_id).update(task_id=str(result.id)[:64])


# --- the steps, run inline or by the tasks ---


@dataclass
class Outcome:
    checked: Checked | None
    problems: Problems
    summary: dict[str, Any] = field(default_factory=dict)
    total: int = 0
    table: Table | None = None


def _progress(batch_id: int) -> Any:
    def report(n: int) -> None:
        ImportBatch.objects.filter(pk=batch_id).update(processed_rows=n)

    return report


def _check(batch: ImportBatch, *, plan: bool = True) -> Outcome:
    """Read the stored file and check every row as the uploader; nothing is written but progress.

    `plan=False` (a commit) leaves the plan to the commit itself, which makes the same checks on the
    data as it is inside the writing transaction."""
    importer = get_importer(batch.kind)
    path = files.stored_path(batch.sha256)
    if importer.reads_file:
        return _check_file(importer, batch, path, plan=plan)
    try:
        table = read_table(
            path,
            fmt=files.file_format(batch.filename),
            filename=batch.filename,
            sheet=importer.sheet,
            columns=importer.columns,
        )
    except TableError as exc:
        problems = Problems()
        for p in exc.problems:
            problems.add_problem(p)
        return Outcome(None, problems)
    total = table.count()
    ImportBatch.objects.filter(pk=batch.pk).update(total_rows=total)
    problems = table.problems()
    checked = importer.validate(table, actor=batch.uploaded_by, problems=problems, progress=_progress(batch.pk))
    counts = importer.plan(checked, actor=batch.uploaded_by, problems=problems) if plan else {}
    return Outcome(checked, problems, _summary(importer, table, problems, counts, len(checked.rows)), total, table)


def _check_file(importer: Importer, batch: ImportBatch, path: Any, *, plan: bool) -> Outcome:
    """`_check` for an importer that reads the stored file itself."""
    source = Source(path, files.file_format(batch.filename), batch.filename, dict(batch.options))
    problems = Problems()
    try:
        checked = importer.validate(source, actor=batch.uploaded_by, problems=problems, progress=_progress(batch.pk))
    except TableError as exc:
        for p in exc.problems:
            problems.add_problem(p)
        return Outcome(None, problems)
    ImportBatch.objects.filter(pk=batch.pk).update(total_rows=checked.total)
    counts = importer.plan(checked, actor=batch.uploaded_by, problems=problems) if plan else {}
    return Outcome(checked, problems, _preview(importer, None, checked, problems, counts), checked.total)


def _preview(
    importer: Importer, table: Table | None, checked: Checked, problems: Problems, plan: dict[str, int]
) -> dict[str, Any]:
    if table is not None:
        return _summary(importer, table, problems, plan, len(checked.rows))
    return {**checked.summary, "plan": plan, "valid_rows": len(checked.rows), "error_rows": len(problems.rows)}


def _summary(importer: Importer, table: Table, problems: Problems, plan: dict[str, int], valid: int) -> dict[str, Any]:
    present = [c for c in importer.columns if c.key in table.positions]
    rows = []
    for n, (row, rec) in enumerate(table.records()):
        if n >= importer.preview_rows:
            break
        rows.append({"row": row, "cells": [cell_text(rec.get(c.key)) for c in present], "error": row in problems.rows})
    return {
        "sheet": table.sheet,
        "header_row": table.header_row,
        "columns": [c.header for c in present],
        "ignored": table.ignored,
        "rows": rows,
        "plan": plan,
        "valid_rows": valid,
        "error_rows": len(problems.rows),
    }


def _record_problems(batch: ImportBatch, outcome: Outcome, message: str) -> None:
    batch.status = Status.INVALID
    batch.errors = [p.as_dict() for p in outcome.problems.items]
    batch.error_count = outcome.problems.count
    if outcome.summary:
        batch.summary = outcome.summary
    batch.total_rows = outcome.total or batch.total_rows
    batch.processed_rows = batch.total_rows
    batch.message = message
    batch.finished_at = timezone.now()
    batch.save()


def _fail(batch_id: int, message: str) -> None:
    ImportBatch.objects.filter(pk=batch_id).update(status=Status.FAILED, message=message, finished_at=timezone.now())


def run_validation(batch_id: int) -> None:
    batch = ImportBatch.objects.select_related("uploaded_by").get(pk=batch_id)
    if batch.status not in (Status.UPLOADED, Status.VALIDATING):
        return
    ImportBatch.objects.filter(pk=batch_id).update(status=Status.VALIDATING, processed_rows=0, message="正在校验")
    try:
        outcome = _check(batch)
    except Exception:
        log.exception("import batch %s: validation failed", batch_id)
        _fail(batch_id, "校验时发生内部错误，请联系系统管理员")
        return
    batch.refresh_from_db()
    if outcome.problems:
        rows = outcome.summary.get("error_rows", 0)
        where = f"{rows}行数据有误，" if rows else ""
        _record_problems(batch, outcome, f"校验未通过：{where}共{outcome.problems.count}处错误，请修改后重新上传")
        return
    plan = outcome.summary["plan"]
    batch.status = Status.VALID
    batch.errors = []
    batch.error_count = 0
    batch.summary = outcome.summary
    batch.total_rows = batch.processed_rows = outcome.total
    batch.message = f"校验通过：将新增{plan['created']}条、更新{plan['updated']}条，{plan['unchanged']}条与现有数据相同"
    batch.save()


def run_commit(batch_id: int) -> None:
    batch = ImportBatch.objects.select_related("uploaded_by").get(pk=batch_id)
    if batch.status != Status.COMMITTING:
        return
    importer = get_importer(batch.kind)
    actor = batch.uploaded_by
    ImportBatch.objects.filter(pk=batch_id).update(processed_rows=0, message="正在重新校验")
    changed = "预览之后数据发生了变化，重新校验未通过，未导入任何数据"
    try:
        outcome = _check(batch, plan=False)
        batch.refresh_from_db()
        if outcome.problems or outcome.checked is None:
            _record_problems(batch, outcome, changed)
            return
        ImportBatch.objects.filter(pk=batch_id).update(message="正在写入数据")
        with transaction.atomic():
            result = importer.commit(outcome.checked, actor=actor, problems=outcome.problems)
            outcome.summary = _preview(importer, outcome.table, outcome.checked, outcome.problems, result)
            if outcome.problems:
                transaction.set_rollback(True)
            else:
                batch.status = Status.COMMITTED
                batch.result = result
                batch.summary = outcome.summary
                batch.total_rows = batch.processed_rows = outcome.total
                batch.finished_at = timezone.now()
                batch.message = (
                    f"已导入：新增{result['created']}条、更新{result['updated']}条，{result['unchanged']}条未变"
                )
                batch.save()
                audit.record(
                    actor=actor,
                    action="import.commit",
                    obj=batch,
                    after={"kind": batch.kind, "filename": batch.filename, "sha256": batch.sha256, **result},
                    region_path=_region_path(actor, importer.cap),
                )
        if outcome.problems:
            batch.refresh_from_db()
            _record_problems(batch, outcome, changed)
    except DomainError as exc:
        _fail(batch_id, f"导入失败，未导入任何数据：{exc.message}")
    except Exception:
        log.exception("import batch %s: commit failed", batch_id)
        _fail(batch_id, "导入时发生内部错误，未导入任何数据，请联系系统管理员")


def run_import(
    *,
    actor: Any,
    kind: str,
    filename: str,
    file: IO[bytes],
    commit_rows: bool,
    inline: bool = True,
    options: dict[str, Any] | None = None,
) -> ImportBatch:
    """Upload and, if asked and valid, commit: what the CLI does in one go."""
    batch = upload(actor=actor, kind=kind, filename=filename, file=file, inline=inline, options=options)
    if commit_rows and batch.status == Status.VALID:
        batch = commit(actor=actor, batch=batch, inline=inline)
    return batch
