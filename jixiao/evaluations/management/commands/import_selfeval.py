"""`jixiao import_selfeval FILE --user U --year Y [--commit]`: check (and with --commit, enter) filled-in
自评表 as that user, through the same pipeline as the import page. Prints the forms found, errors by
sheet/row/column, and what was written. Exit code 1 on an invalid file."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from jixiao.core.errors import DomainError
from jixiao.goals.management.commands import _lookup
from jixiao.imports import services
from jixiao.imports.management.commands.import_projects import Command as ImportCommand


class Command(ImportCommand):
    help = "导入绩效自评表（.xlsx）：默认只校验并预览，加 --commit 才写入"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--year", type=int, required=True, help="自评表所属的评价年度（项目的预算年度）")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}", returncode=2)
        user = _lookup.user(options["user"])
        try:
            with open(path, "rb") as f:
                batch = services.run_import(
                    actor=user,
                    kind="selfeval",
                    filename=path.name,
                    file=f,
                    commit_rows=options["commit"],
                    options={"year": options["year"]},
                )
        except DomainError as exc:
            raise CommandError(exc.message, returncode=1) from exc
        for row in batch.summary.get("rows", []):
            self.stdout.write("\t".join(row["cells"]))
        self._report(batch, user, options["max_errors"])
