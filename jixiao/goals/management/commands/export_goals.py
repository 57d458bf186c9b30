"""`jixiao export_goals --user USERNAME [--region CODE] [--year YEAR] --out FILE`: the goals of the
projects the user may see, as 绩效目标申报表 (the layout `import_goals` reads back)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.core import audit
from jixiao.goals import exports
from jixiao.orgs.models import Region, User


class Command(BaseCommand):
    help = "导出绩效目标申报表（.xlsx，每个项目一张，可修改后重新导入）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="以该用户的身份和权限导出")
        parser.add_argument("--region", help="区划编码或名称（含下级区划）；不填为用户可见的全部")
        parser.add_argument("--year", type=int, help="预算年度")
        parser.add_argument("--out", required=True, help="输出文件（.xlsx）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["user"], is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(f"用户“{options['user']}”不存在或已停用", returncode=2) from exc
        region = None
        if options["region"]:
            region = (
                Region.objects.filter(code=options["region"]).first()
                or Region.objects.filter(name=options["region"]).first()
            )
            if region is None:
                raise CommandError(f"区划“{options['region']}”不存在", returncode=2)
        out = Path(options["out"])
        projects = exports.projects_for(user=user, region=region, year=options["year"])
        count = exports.write_workbook(str(out), exports.forms(projects))
        where = f"{region.name}" if region else ""
        year = f"{options['year']}年度" if options["year"] else ""
        audit.record(
            actor=user,
            action="goal.export",
            region_path=region.path if region else "",
            message=f"导出{where}{year}绩效目标申报表{count}份",
        )
        self.stdout.write(f"已导出 {count} 个项目的绩效目标申报表：{out}")
