"""`jixiao import_payments FILE --user U --region R --year Y [--period M] [--dry-run]`: import a payment file
from the budget system, of any size, streamed (the web import takes files up to the upload limit).

Without `--period` the file covers the whole year and replaces all the region's payments of that year;
with it, only that month's. The same file again changes nothing. Exit code 1 when refused (every
error is printed with its row), 2 for a wrong argument."""

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.core.errors import DomainError
from jixiao.orgs.models import User
from jixiao.orgs.selectors import region_by_code_or_name
from jixiao.payments.services import PaymentImportRefused, import_payments
from jixiao.rules.money import format_wan


class Command(BaseCommand):
    help = "导入预算管理一体化系统的支付数据（.csv 或 .xlsx，流式读取，适用于大文件）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="支付数据文件（.csv 或 .xlsx）")
        parser.add_argument("--user", required=True, help="以该用户的身份和权限导入（预算科或绩效管理）")
        parser.add_argument("--region", required=True, help="行政区划代码或名称")
        parser.add_argument("--year", type=int, required=True, help="预算年度")
        parser.add_argument("--period", type=int, help="月份（1-12）：只替换该月的支付数据；缺省为全年")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--max-errors", type=int, default=200, help="最多打印多少处错误（默认 200）")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}", returncode=2)
        if path.suffix.lower() not in (".csv", ".xlsx"):
            raise CommandError("只能导入 .csv 或 .xlsx 文件", returncode=2)
        try:
            user = User.objects.get(username=options["user"], is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(f"用户“{options['user']}”不存在或已停用", returncode=2) from exc
        try:
            region = region_by_code_or_name(options["region"])
        except DomainError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        start = time.perf_counter()
        try:
            result = import_payments(
                actor=user,
                path=path,
                filename=path.name,
                region=region,
                fiscal_year=options["year"],
                period=options["period"],
                dry_run=options["dry_run"],
            )
        except PaymentImportRefused as exc:
            limit = options["max_errors"]
            for p in exc.problems.items[:limit]:
                self.stderr.write(f"{p.sheet}\t{p.row or ''}\t{p.column}\t{p.header}\t{p.message}")
            if exc.problems.count > limit:
                self.stderr.write(f"……另有 {exc.problems.count - limit} 处错误未列出")
            raise CommandError(exc.message, returncode=1) from exc
        except DomainError as exc:
            raise CommandError(exc.message, returncode=1) from exc
        seconds = time.perf_counter() - start
        period = "全年" if not options["period"] else f"{options['period']}月"
        what = f"{region.name}{options['year']}年{period}"
        if result.unchanged:
            self.stdout.write(f"{what}：与已导入的文件相同（批次 {result.batch.pk if result.batch else ''}），未作改动")
            return
        verb = "校验通过（未写入）" if options["dry_run"] else "已导入"
        self.stdout.write(
            f"{what}{verb}：{result.rows} 笔，{format_wan(result.amount)} 万元，{result.projects} 个项目，"
            f"替换原有 {result.replaced} 笔（金额单位：{result.unit}；用时 {seconds:.1f} 秒）"
        )
