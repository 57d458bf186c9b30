"""`jixiao budget_review --user U --region 区划 --year Y CODE --submitted 送审 --approved 审定 --reduced 审减
[--derive] [--wan] [--opinion TEXT]`: record the 预算评审 of a project. 送审 = 审定 + 审减 must hold; with
--derive one of the three may be left out and is worked out from the other two. Amounts are in 元, or in
万元 with --wan. A refused review writes nothing (exit 1)."""

from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.appraisals import services
from jixiao.core import command_lookups as _lookup
from jixiao.core.errors import DomainError
from jixiao.rules.money import MoneyError, format_wan, to_yuan, wan_to_yuan

AMOUNTS = ("submitted", "approved", "reduced")


class Command(BaseCommand):
    help = "录入项目预算评审结果（送审、审定、审减），须满足 送审 = 审定 + 审减"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", metavar="CODE", help="项目编码")
        parser.add_argument("--user", required=True, help="以该用户的身份和权限录入（预算评审中心、预算科）")
        parser.add_argument("--region", required=True, help="区划代码或名称")
        parser.add_argument("--year", type=int, required=True, help="预算年度")
        parser.add_argument("--submitted", help="送审金额")
        parser.add_argument("--approved", help="审定金额")
        parser.add_argument("--reduced", help="审减金额")
        parser.add_argument("--derive", action="store_true", help="只给两项时算出第三项")
        parser.add_argument("--wan", action="store_true", help="金额单位为万元（默认元）")
        parser.add_argument("--opinion", default="", help="评审意见")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = _lookup.user(options["user"])
        area = _lookup.region(options["region"])
        [project] = _lookup.projects(actor, area, options["year"], [options["code"]])
        submitted, approved, reduced = (self._amount(options[k], k, options["wan"]) for k in AMOUNTS)
        amounts = services.ReviewAmounts(submitted, approved, reduced, derive=options["derive"])
        try:
            review = services.save_budget_review(
                actor=actor, project=project, amounts=amounts, opinion=options["opinion"]
            )
        except DomainError as exc:
            raise CommandError(exc.message, returncode=1) from exc
        rate = review.reduction_rate
        self.stdout.write(
            f"已录入：{project.code} {project.name} 送审{format_wan(review.submitted_yuan)}万元，"
            f"审定{format_wan(review.approved_yuan)}万元，审减{format_wan(review.reduced_yuan)}万元，"
            f"审减率{'—' if rate is None else f'{rate}%'}"
        )

    @staticmethod
    def _amount(text: str | None, flag: str, wan: bool) -> Decimal | None:
        if text is None:
            return None
        try:
            return wan_to_yuan(text) if wan else to_yuan(text)
        except MoneyError as exc:
            raise CommandError(f"--{flag}：{exc}", returncode=2) from exc
