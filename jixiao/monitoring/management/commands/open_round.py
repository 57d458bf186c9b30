"""`jixiao open_round`: open a 绩效运行监控 round for a region and year and generate its reports.

    jixiao open_round --user U --region R --year Y [--month 7] [--due 2026-08-31] [--name N] [--json]

The cut-off month and the due date default to the configured rules (1-7月, due by the end of August).
"""

import datetime
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.core import command_lookups as _lookup
from jixiao.core.errors import DomainError
from jixiao.monitoring import services


class Command(BaseCommand):
    help = "绩效运行监控：发起监控轮次并生成各项目的绩效监控表"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="发起监控的财政用户名")
        parser.add_argument("--region", required=True, help="行政区划代码或名称")
        parser.add_argument("--year", required=True, type=int, help="预算年度")
        parser.add_argument("--month", type=int, help="监控截止月份（缺省按规则配置，一般为7）")
        parser.add_argument("--due", type=datetime.date.fromisoformat, help="报送截止日期，如 2026-08-31")
        parser.add_argument("--name", default="", help="轮次名称")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = _lookup.user(options["user"])
        try:
            round_ = services.open_round(
                actor=actor,
                region=_lookup.region(options["region"]),
                year=options["year"],
                cutoff_month=options["month"],
                due_date=options["due"],
                name=options["name"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        result = {
            "round": round_.pk,
            "title": str(round_),
            "cutoff_month": round_.cutoff_month,
            "due_date": round_.due_date.isoformat(),
            "reports": round_.reports.count(),
        }
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"已发起{result['title']}（编号{round_.pk}），报送截止{result['due_date']}，生成绩效监控表{result['reports']}份"
        )
