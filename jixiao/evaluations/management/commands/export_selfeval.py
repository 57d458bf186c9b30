"""`jixiao export_selfeval --user U [--region R] [--year Y] --out FILE`: the self-evaluations the user may see
as 自评表 workbooks, one form per project in its layout (national or 四川), which `import_selfeval` reads back."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jixiao.core import command_lookups as _lookup
from jixiao.evaluations import exports


class Command(BaseCommand):
    help = "导出绩效自评表（.xlsx，每个项目一个工作表，填写后可重新导入）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="以该用户的身份和权限导出")
        parser.add_argument("--region", help="区划代码或名称（含下级区划）；不填为用户可见的全部")
        parser.add_argument("--year", type=int, help="评价年度（项目的预算年度）")
        parser.add_argument("--out", required=True, help="输出文件（.xlsx）")

    def handle(self, *args: Any, **options: Any) -> None:
        user = _lookup.user(options["user"])
        region = _lookup.region(options["region"]) if options["region"] else None
        out = Path(options["out"])
        evaluations = exports.evaluations_for(user=user, region=region, year=options["year"])
        count = exports.write_workbook(str(out), evaluations)
        exports.record_export(user, count, region, options["year"])
        self.stdout.write(f"已导出 {count} 张绩效自评表：{out}")
