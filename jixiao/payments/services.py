"""Importing payment data: streamed into a staging table, checked as a whole, written set-based.

One import is one file for a region, a fiscal year and a period (a month, or the whole year):

1. the file's SHA-256 is compared with the batch in force for that region, year and period: the same
   file again changes nothing;
2. the rows are read one at a time (`jixiao.payments.reading`) and written in chunks to a temporary
   staging table: PostgreSQL through COPY, SQLite through executemany;
3. the import is refused, writing nothing, if any row is wrong or names a project code that the region
   has not for that year (every such row is reported by its row number): a payment file is the
   budget system's ledger, and importing part of it would show execution rates that are silently low;
4. in one transaction: the period's payments of the region are deleted (a corrected file replaces
   them), the staged rows are inserted with their project by INSERT … SELECT, the batch in force before
   is marked superseded, the per-project monthly aggregates of the region and year are rebuilt, and
   one audit event records the counts.
"""

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from jixiao.core import audit, scoping
from jixiao.core.errors import DomainError, PermissionDenied
from jixiao.imports.tables import Problems, TableError
from jixiao.orgs.models import Region
from jixiao.orgs.roles import Cap
from jixiao.payments.models import WHOLE_YEAR, Payment, PaymentBatch, ProjectMonth
from jixiao.payments.reading import Reading, Row
from jixiao.projects.models import Project

CHUNK_ROWS = 5000
STAGE = "payments_stage"
UNKNOWN_LISTED = 1000  # unknown codes reported row by row, at most this many (all are counted)


class PaymentImportRefused(DomainError):
    """The file was read but not imported; `problems` locates every error (row, column, message)."""

    def __init__(self, message: str, problems: Problems) -> None:
        super().__init__(message, field="file")
        self.problems = problems


@dataclass
class PaymentImport:
    """What an import did (or, for a dry run, would do)."""

    region: Region
    fiscal_year: int
    period: int
    sha256: str
    unit: str = "元"
    rows: int = 0
    amount: Decimal = Decimal(0)
    projects: int = 0
    replaced: int = 0
    unchanged: bool = False  # the same file was in force already: nothing was done
    batch: PaymentBatch | None = None
    problems: Problems = field(default_factory=Problems)

    def counts(self) -> dict[str, Any]:
        return {
            "fiscal_year": self.fiscal_year,
            "period": self.period,
            "unit": self.unit,
            "rows": self.rows,
            "amount": self.amount,
            "projects": self.projects,
            "replaced": self.replaced,
            "unchanged": self.unchanged,
        }


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def check_can_import(actor: Any, region: Region) -> None:
    if not scoping.reaches_region(actor, Cap.PAYMENT_IMPORT, region.path):
        raise PermissionDenied(f"您没有导入{region.name}支付数据的权限（须为该区划财政部门的预算科或绩效管理角色）。")


def import_payments(
    *,
    actor: Any,
    path: Path,
    filename: str,
    region: Region,
    fiscal_year: int,
    period: int | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> PaymentImport:
    """Import one payment file (see the module's docstring); `period` None is the whole year.

    Raises `PaymentImportRefused` (nothing written) when any row is wrong or unknown."""
    check_can_import(actor, region)
    if period is not None and not 1 <= period <= 12:
        raise DomainError(f"期间须为1到12月，现为{period}", field="period")
    result = PaymentImport(region, fiscal_year, period or WHOLE_YEAR, file_sha256(path))
    current = _in_force(region, fiscal_year, result.period)
    if current is not None and current.sha256 == result.sha256:
        result.unchanged, result.batch = True, current
        result.rows, result.amount, result.projects, result.unit = (
            current.rows,
            current.amount,
            current.projects,
            current.unit,
        )
        if not dry_run:
            _audit(actor, result, filename)
        return result
    fmt = "csv" if path.suffix.lower() == ".csv" or filename.lower().endswith(".csv") else "xlsx"
    reading = Reading(path, fmt, filename, fiscal_year, period)
    with transaction.atomic():
        Region.objects.select_for_update().filter(pk=region.pk).exists()  # one import of a region at a time
        # A refusal or a dry run rolls the staging table back with everything else.
        _load(reading, result, progress)
        _check_codes(result)
        if result.problems:
            raise _refused(result)
        result.replaced = _period_rows(result).count()
        if dry_run:
            transaction.set_rollback(True)
            return result
        _write(actor, result, filename)
        _drop_stage()
    return result


def _in_force(region: Region, fiscal_year: int, period: int) -> PaymentBatch | None:
    return (
        PaymentBatch.objects.filter(region=region, fiscal_year=fiscal_year, period=period, superseded_by=None)
        .order_by("-pk")
        .first()
    )


def _period_rows(result: PaymentImport) -> Any:
    rows = Payment.objects.filter(region=result.region, fiscal_year=result.fiscal_year)
    return rows if result.period == WHOLE_YEAR else rows.filter(month=result.period)


def _refused(result: PaymentImport) -> PaymentImportRefused:
    problems = result.problems
    if not problems.rows and problems.items:
        return PaymentImportRefused(f"支付数据未导入：{problems.items[0]}", problems)
    return PaymentImportRefused(
        f"支付数据未导入：{len(problems.rows)}行有误，共{problems.count}处错误（见错误清单），请修改后重新导入",
        problems,
    )


# --- staging ---


def _create_stage() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
        suffix = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGE} (source_row integer NOT NULL, code varchar(40) NOT NULL, "
            f"month smallint NOT NULL, paid_on date NULL, amount numeric(18, 2) NOT NULL, "
            f"fund_source varchar(60) NOT NULL){suffix}"
        )


def _drop_stage() -> None:
    if connection.vendor == "postgresql":
        return  # ON COMMIT DROP
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")


def _chunks(rows: Iterator[Row]) -> Iterator[list[Row]]:
    while chunk := list(islice(rows, CHUNK_ROWS)):
        yield chunk


def _load(reading: Reading, result: PaymentImport, progress: Callable[[int], None] | None) -> None:
    """Stream the file into the staging table, chunk by chunk; the amounts are summed on the way."""
    _create_stage()
    total = Decimal(0)
    count = 0
    columns = "source_row, code, month, paid_on, amount, fund_source"
    try:
        with connection.cursor() as cursor:
            for chunk in _chunks(reading.rows()):
                if reading.problems:
                    continue  # keep reading to report every error, but stage nothing more
                if connection.vendor == "postgresql":
                    with cursor.cursor.copy(f"COPY {STAGE} ({columns}) FROM STDIN") as copy:
                        for r in chunk:
                            copy.write_row((r.row, r.code, r.month, r.paid_on, r.amount, r.fund_source))
                else:
                    cursor.executemany(
                        f"INSERT INTO {STAGE} ({columns}) VALUES (%s, %s, %s, %s, %s, %s)",  # noqa: S608
                        [(r.row, r.code, r.month, r.paid_on, str(r.amount), r.fund_source) for r in chunk],
                    )
                total += sum((r.amount for r in chunk), Decimal(0))
                count += len(chunk)
                if progress is not None:
                    progress(reading.total)
    except TableError as exc:
        for p in exc.problems:
            reading.problems.add_problem(p)
    result.problems = reading.problems
    result.unit = reading.header.unit if reading.header is not None else "元"
    result.rows, result.amount = count, total
    if not reading.problems and count == 0:
        reading.problems.add(None, "", "文件中没有支付数据行")


def _check_codes(result: PaymentImport) -> None:
    """Every staged code must be a project of the region and year; each row that is not is reported."""
    if result.problems:
        return
    project = Project._meta.db_table
    where = f"FROM {STAGE} s LEFT JOIN {project} p ON p.code = s.code AND p.region_id = %s AND p.fiscal_year = %s"
    params = [result.region.pk, result.fiscal_year]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) {where} WHERE p.id IS NULL", params)
        unknown = cursor.fetchone()[0]
        if not unknown:
            cursor.execute(f"SELECT COUNT(DISTINCT code) FROM {STAGE}")  # noqa: S608
            result.projects = cursor.fetchone()[0]
            return
        cursor.execute(
            f"SELECT s.source_row, s.code {where} WHERE p.id IS NULL ORDER BY s.source_row LIMIT %s",
            [*params, UNKNOWN_LISTED],
        )
        listed = cursor.fetchall()
    year, name = result.fiscal_year, result.region.name
    for row, code in listed:
        result.problems.add(row, "code", f"项目编码“{code}”不是{name}{year}年度项目库中的项目")
    if unknown > len(listed):
        result.problems.add(
            None, "code", f"另有{unknown - len(listed)}行的项目编码不在项目库中（仅列出前{len(listed)}行）"
        )


# --- writing ---


def _write(actor: Any, result: PaymentImport, filename: str) -> None:
    batch = PaymentBatch.objects.create(
        region=result.region,
        fiscal_year=result.fiscal_year,
        period=result.period,
        sha256=result.sha256,
        filename=filename[-200:],
        unit=result.unit,
        rows=result.rows,
        amount=result.amount,
        projects=result.projects,
        replaced=result.replaced,
        imported_by=actor,
    )
    result.batch = batch
    _period_rows(result).delete()
    superseded = PaymentBatch.objects.filter(
        region=result.region, fiscal_year=result.fiscal_year, superseded_by=None
    ).exclude(pk=batch.pk)
    if result.period != WHOLE_YEAR:
        superseded = superseded.filter(period=result.period)
    superseded.update(superseded_by=batch)
    payment, project = Payment._meta.db_table, Project._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {payment} (batch_id, project_id, region_id, fiscal_year, month, paid_on, amount, "  # noqa: S608
            f"fund_source, source_row) "
            f"SELECT %s, p.id, %s, %s, s.month, s.paid_on, s.amount, s.fund_source, s.source_row "
            f"FROM {STAGE} s JOIN {project} p ON p.code = s.code AND p.region_id = %s AND p.fiscal_year = %s",
            [batch.pk, result.region.pk, result.fiscal_year, result.region.pk, result.fiscal_year],
        )
    rebuild_months(region_id=result.region.pk, fiscal_year=result.fiscal_year)
    _audit(actor, result, filename)


def rebuild_months(*, region_id: int, fiscal_year: int) -> int:
    """Recompute ProjectMonth of every project of the region and year from its payments, set-based."""
    months, payment, project = ProjectMonth._meta.db_table, Payment._meta.db_table, Project._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {months} WHERE project_id IN "  # noqa: S608
            f"(SELECT id FROM {project} WHERE region_id = %s AND fiscal_year = %s)",
            [region_id, fiscal_year],
        )
        cursor.execute(
            f"INSERT INTO {months} (project_id, month, paid, cumulative) "  # noqa: S608
            f"SELECT project_id, month, SUM(amount), SUM(SUM(amount)) OVER (PARTITION BY project_id ORDER BY month) "
            f"FROM {payment} WHERE region_id = %s AND fiscal_year = %s GROUP BY project_id, month",
            [region_id, fiscal_year],
        )
        return int(cursor.rowcount)


def _audit(actor: Any, result: PaymentImport, filename: str) -> None:
    audit.record(
        actor=actor,
        action="payment.import",
        obj=result.batch,
        after={"filename": filename, "sha256": result.sha256, **result.counts()},
        region_path=result.region.path,
        message="与已导入的文件相同，未作改动" if result.unchanged else "",
    )
