"""`jixiao import_selfeval FILE --user U --year Y [--commit]`: check (and with --commit, enter) filled-in
自评表 as that user, through the same pipeline as the import page. Prints the forms found, errors by
sheet/row/column, and what was written. Exit code 1 on an invalid file."""

from typing import Any

from django.core.management.base import CommandParser

from jixiao.imports.management.commands.import_projects import Command as ImportCommand
from jixiao.imports.models import ImportBatch


class Command(ImportCommand):
    help = "导入绩效自评表（.xlsx）：默认只校验并预览，加 --commit 才写入"
    kind = "selfeval"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--year", type=int, required=True, help="自评表所属的评价年度（项目的预算年度）")

    def import_options(self, options: dict[str, Any]) -> dict[str, Any]:
        return {"year": options["year"]}

    def describe(self, batch: ImportBatch, options: dict[str, Any]) -> None:
        for row in batch.summary.get("rows", []):
            self.stdout.write("\t".join(row["cells"]))
