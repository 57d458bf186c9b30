"""`jixiao review_goal --user U --region R --year Y CODE --result 优|良|中|差 [--comment …]`: decide the
pending review step of the project's goal, as that user. 中 and 差 need --comment (what to fix)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.core import command_lookups as _lookup
from jixiao.core.errors import DomainError
from jixiao.goals import selectors, services
from jixiao.goals.models import Goal, ReviewResult


class Command(BaseCommand):
    help = "审核项目的绩效目标（当前待审核环节）：优、良进入下一环节，中退回修改，差不得进入预算"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", metavar="CODE", help="项目编码")
        parser.add_argument("--user", required=True, help="审核人用户名")
        parser.add_argument("--region", required=True, help="区划代码或名称")
        parser.add_argument("--year", type=int, required=True, help="预算年度")
        parser.add_argument("--result", required=True, choices=ReviewResult.values, help="审核结果")
        parser.add_argument("--comment", default="", help="需补充完善事项（中、差必填）")
        parser.add_argument("--completeness", default="", help="完整性审核意见")
        parser.add_argument("--relevance", default="", help="相关性审核意见")
        parser.add_argument("--appropriateness", "--reasonableness", default="", help="适当性（合理性）审核意见")
        parser.add_argument("--feasibility", default="", help="可行性审核意见")

    def handle(self, *args: Any, **options: Any) -> None:
        reviewer = _lookup.user(options["user"])
        area = _lookup.region(options["region"])
        (project,) = _lookup.projects(reviewer, area, options["year"], [options["code"]])
        goal = selectors.goals_for(user=reviewer).filter(project=project, status=Goal.Status.IN_REVIEW).first()
        if goal is None:
            raise CommandError(f"项目“{project.code} {project.name}”没有审核中的绩效目标", returncode=1)
        try:
            goal = services.review_goal(
                actor=reviewer,
                goal=goal,
                result=options["result"],
                comment=options["comment"],
                completeness=options["completeness"],
                relevance=options["relevance"],
                appropriateness=options["appropriateness"],
                feasibility=options["feasibility"],
            )
        except DomainError as exc:
            raise CommandError(exc.message, returncode=1) from exc
        self.stdout.write(
            f"已审核：{project.code} {project.name}，结果“{options['result']}”，目标{goal.get_status_display()}"
        )
