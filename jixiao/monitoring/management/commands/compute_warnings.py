"""`jixiao compute_warnings`: compute and store the warnings of every report of a monitoring round.

    jixiao compute_warnings --round ID [--user U] [--json]

Without `--user` the round's opener computes them. Prints the reports by their worst colour.
"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count

from jixiao.core import command_lookups as _lookup
from jixiao.core.errors import DomainError
from jixiao.monitoring import compute
from jixiao.monitoring.models import Colour, MonitoringRound


class Command(BaseCommand):
    help = "绩效运行监控：计算监控轮次全部监控表的预警"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--round", required=True, type=int, help="监控轮次编号")
        parser.add_argument("--user", help="财政用户名（缺省为发起该轮次的用户）")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        round_ = MonitoringRound.objects.select_related("region", "created_by").filter(pk=options["round"]).first()
        if round_ is None:
            raise CommandError(f"监控轮次{options['round']}不存在", returncode=2)
        if options["user"]:
            actor = _lookup.user(options["user"])
        elif round_.created_by is not None:
            actor = round_.created_by
        else:
            raise CommandError("请用 --user 指定计算预警的财政用户", returncode=2)
        try:
            stored = compute.compute_warnings(actor=actor, round_=round_)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        counts = dict(
            round_.reports.values_list("worst_colour").annotate(n=Count("id")).values_list("worst_colour", "n")
        )
        by_colour = {label: counts.get(value, 0) for value, label in Colour.choices}
        if options["json"]:
            result = {"round": round_.pk, "warnings": stored, "reports_by_colour": by_colour}
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        shown = "，".join(f"{label}{n}份" for label, n in by_colour.items())
        self.stdout.write(f"{round_}：计算预警{stored}条；监控表按最高预警等级：{shown}")
