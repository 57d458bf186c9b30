"""`jixiao import_goals FILE --user USERNAME --year YEAR [--commit]`: check (and with --commit, write) a
workbook of 绩效目标申报表 as that user, through the same pipeline as the import page. Prints the preview:
counts, errors by sheet/row/column, and what the automatic checks found. Exit code 1 on an invalid file."""

from typing import Any

from django.core.management.base import CommandParser

from jixiao.imports.management.commands.import_projects import Command as ImportCommand
from jixiao.imports.models import ImportBatch


class Command(ImportCommand):
    help = "导入绩效目标申报表（.xlsx）：默认只校验并预览，加 --commit 才写入"
    kind = "goals"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--year", type=int, required=True, help="项目编码所属的预算年度")
        parser.add_argument("--max-findings", type=int, default=50, help="最多打印多少条自动审核提示（默认 50）")

    def import_options(self, options: dict[str, Any]) -> dict[str, Any]:
        return {"year": options["year"]}

    def describe(self, batch: ImportBatch, options: dict[str, Any]) -> None:
        self._findings(batch, options["max_findings"])

    def _findings(self, batch: ImportBatch, limit: int) -> None:
        summary = batch.summary
        if "goals" in summary:
            self.stdout.write(f"申报表 {summary['goals']} 份（工作表：{summary.get('sheet', '')}）")
        counts = summary.get("findings") or {}
        if not counts.get("goals"):
            return
        self.stdout.write(
            f"自动审核：{counts['goals']} 个项目有提示，须修改后才能提交 {counts['blocking']} 处，"
            f"提示 {counts['warning']} 处（不影响导入为草稿）"
        )
        warnings = summary.get("warnings", [])
        for w in warnings[:limit]:
            self.stdout.write(
                f"{w['sheet']}\t{w['row'] or ''}\t{w['column']}\t{w['code']}\t{w['severity']}\t{w['message']}"
            )
        if len(warnings) > limit:
            self.stdout.write(f"……另有 {len(warnings) - limit} 条提示未列出")
