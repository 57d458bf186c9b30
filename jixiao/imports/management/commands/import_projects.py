"""`jixiao import_projects FILE --user USERNAME [--commit]`: check (and with --commit, write) a 项目库
workbook or CSV as that user, through the same pipeline as the web page. Exit code 1 on an invalid file.

Every import command is this one with another `kind`: a subclass names the kind, adds its arguments,
turns them into the importer's options (`import_options`) and may print what its kind adds to the
preview (`describe`)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jixiao.core.errors import DomainError
from jixiao.imports import selectors, services
from jixiao.imports.models import ImportBatch
from jixiao.imports.tables import Problem
from jixiao.orgs.models import User


class Command(BaseCommand):
    help = "导入项目库（.xlsx 或 .csv）：默认只校验并预览，加 --commit 才写入"
    kind = "projects"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="要导入的 .xlsx 或 .csv 文件")
        parser.add_argument("--user", required=True, help="以该用户的身份和权限导入")
        parser.add_argument("--commit", action="store_true", help="校验通过后写入（否则只校验）")
        parser.add_argument("--max-errors", type=int, default=200, help="最多打印多少处错误（默认 200）")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}", returncode=2)
        try:
            user = User.objects.get(username=options["user"], is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(f"用户“{options['user']}”不存在或已停用", returncode=2) from exc
        try:
            with open(path, "rb") as f:
                batch = services.run_import(
                    actor=user,
                    kind=self.kind,
                    filename=path.name,
                    file=f,
                    commit_rows=options["commit"],
                    options=self.import_options(options),
                )
        except DomainError as exc:
            raise CommandError(exc.message, returncode=1) from exc
        self.describe(batch, options)
        self._report(batch, user, options["max_errors"])

    def import_options(self, options: dict[str, Any]) -> dict[str, Any] | None:
        return None

    def describe(self, batch: ImportBatch, options: dict[str, Any]) -> None:
        """Lines a kind adds before the common report."""

    def _report(self, batch: ImportBatch, user: User, max_errors: int) -> None:
        out = self.stdout
        out.write(f"批次 {batch.pk}：{batch.filename}（{batch.get_status_display()}），数据 {batch.total_rows} 行")
        previous = selectors.previous_commit(user=user, batch=batch)
        if previous is not None:
            when = timezone.localtime(previous.finished_at).strftime("%Y-%m-%d %H:%M") if previous.finished_at else ""
            out.write(f"注意：同一文件已于 {when} 导入过（批次 {previous.pk}），再次导入不会改变数据")
        if batch.status in (ImportBatch.Status.INVALID, ImportBatch.Status.FAILED):
            for data in batch.errors[:max_errors]:
                p = Problem.from_dict(data)
                self.stderr.write(f"{p.sheet}\t{p.row or ''}\t{p.column}\t{p.header}\t{p.message}")
            if batch.error_count > max_errors:
                self.stderr.write(f"……另有 {batch.error_count - max_errors} 处错误未列出")
            raise CommandError(batch.message, returncode=1)
        if batch.status == ImportBatch.Status.COMMITTED:
            r = batch.result
            out.write(f"已导入：新增 {r['created']}，更新 {r['updated']}，未变 {r['unchanged']}")
        else:
            plan = batch.summary.get("plan", {})
            out.write(
                f"校验通过（未写入，加 --commit 写入）：将新增 {plan.get('created', 0)}，"
                f"更新 {plan.get('updated', 0)}，未变 {plan.get('unchanged', 0)}"
            )
