"""Payment files through the shared import pipeline (upload page, API, background tasks).

The pipeline takes files up to its upload limit; larger exports go through `jixiao import_payments`,
which reads any size. Through the pipeline a file covers the whole year of the uploader's region (the
region of the finance division the user belongs to) and replaces that year's payments; a month alone
is imported with the command's `--period`. Validation is the import itself run as a dry run (staged,
checked, rolled back); the commit runs it for real in the pipeline's transaction.
"""

from dataclasses import dataclass
from typing import Any

import xlsxwriter

from jixiao.core import scoping
from jixiao.core.errors import DomainError
from jixiao.imports.registry import Checked, Importer, Progress, Source
from jixiao.imports.tables import Problem, Problems
from jixiao.orgs.models import Region
from jixiao.orgs.roles import Cap
from jixiao.payments.services import PaymentImport, PaymentImportRefused, import_payments
from jixiao.rules.money import format_wan


@dataclass
class PaymentsChecked(Checked):
    source: Source | None = None
    region: Region | None = None


def uploader_region(actor: Any) -> Region:
    paths = sorted({g.region_path for g in scoping.grants(actor, Cap.PAYMENT_IMPORT)})
    if not paths:
        raise DomainError("您没有导入支付数据的权限。")
    if len(paths) > 1:
        raise DomainError("您在多个区划有导入支付数据的权限，请用命令 jixiao import_payments 指定区划。")
    return Region.objects.get(path=paths[0])


class PaymentImporter(Importer):
    kind = "payments"
    label = "支付数据"
    cap = Cap.PAYMENT_IMPORT
    reads_file = True
    options = ("year",)

    def write_template(self, path: str) -> None:
        with xlsxwriter.Workbook(path) as book:
            sheet = book.add_worksheet("支付数据")
            bold = book.add_format({"bold": True})
            text = book.add_format({"num_format": "@"})
            for col, (header, width) in enumerate(
                [("项目编码", 24), ("支付日期", 14), ("月份", 8), ("金额（元）", 16), ("资金来源", 20)]
            ):
                sheet.write(0, col, header, bold)
                sheet.set_column(col, col, width, text if col == 0 else None)

    def validate(self, table: Any, *, actor: Any, problems: Problems, progress: Progress) -> Checked:
        source: Source = table
        region = uploader_region(actor)
        try:
            result = self._run(source, region, actor, dry_run=True, progress=progress)
        except PaymentImportRefused as exc:
            _copy(exc.problems, problems)
            return PaymentsChecked(total=exc.problems.count, source=source, region=region)
        summary = {
            "columns": ["区划", "年度", "期间", "金额单位", "支付笔数", "金额（万元）", "项目数", "替换原有笔数"],
            "rows": [
                {
                    "row": "",
                    "cells": [
                        region.name,
                        str(result.fiscal_year),
                        "全年",
                        result.unit,
                        str(result.rows),
                        format_wan(result.amount),
                        str(result.projects),
                        str(result.replaced),
                    ],
                    "error": False,
                }
            ],
            "unchanged": result.unchanged,
        }
        return PaymentsChecked(total=result.rows, summary=summary, source=source, region=region)

    def plan(self, checked: Checked, *, actor: Any, problems: Problems) -> dict[str, int]:
        unchanged = bool(checked.summary.get("unchanged"))
        return {
            "created": 0 if unchanged else checked.total,
            "updated": 0,
            "unchanged": checked.total if unchanged else 0,
        }

    def commit(self, checked: Checked, *, actor: Any, problems: Problems) -> dict[str, int]:
        assert isinstance(checked, PaymentsChecked) and checked.source and checked.region
        try:
            result = self._run(checked.source, checked.region, actor, dry_run=False, progress=None)
        except PaymentImportRefused as exc:
            _copy(exc.problems, problems)
            return {"created": 0, "updated": 0, "unchanged": 0}
        if result.unchanged:
            return {"created": 0, "updated": 0, "unchanged": result.rows}
        return {"created": result.rows, "updated": 0, "unchanged": 0}

    def _run(
        self, source: Source, region: Region, actor: Any, *, dry_run: bool, progress: Progress | None
    ) -> PaymentImport:
        return import_payments(
            actor=actor,
            path=source.path,
            filename=source.filename,
            region=region,
            fiscal_year=int(source.options["year"]),
            dry_run=dry_run,
            progress=progress,
        )


def _copy(found: Problems, problems: Problems) -> None:
    for p in found.items:
        problems.add_problem(p)
    if found.count > len(found.items):
        problems.add_problem(Problem("", None, "", "", f"另有{found.count - len(found.items)}处错误未列出"))
