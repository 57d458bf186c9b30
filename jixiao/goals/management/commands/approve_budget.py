"""`jixiao approve_budget --user U --region 区划名或代码 --year Y CODE [CODE…]`: approve the budgets of
these projects at their requested amounts, with their goals, all or none. A project whose category
needs a goal and has none approved is refused with the reason; then nothing is approved (exit 1)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.core import command_lookups as _lookup
from jixiao.core.errors import DomainError
from jixiao.projects.services import approve_budgets
from jixiao.rules.money import format_wan


class Command(BaseCommand):
    help = "批复项目预算（按申报金额），绩效目标随预算一并批复；任一项目不能批复则全部不批复"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="+", metavar="CODE", help="项目编码")
        parser.add_argument("--user", required=True, help="以该用户的身份和权限批复（财政部门）")
        parser.add_argument("--region", required=True, help="区划代码或名称")
        parser.add_argument("--year", type=int, required=True, help="预算年度")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = _lookup.user(options["user"])
        area = _lookup.region(options["region"])
        projects = _lookup.projects(actor, area, options["year"], options["codes"])
        try:
            approved = approve_budgets(actor=actor, projects=projects)
        except DomainError as exc:
            raise CommandError(exc.message, returncode=1) from exc
        for p in approved:
            self.stdout.write(f"已批复：{p.code} {p.name}，{format_wan(p.amount_approved)}万元")
        self.stdout.write(f"共批复{len(approved)}个项目的预算及绩效目标")
