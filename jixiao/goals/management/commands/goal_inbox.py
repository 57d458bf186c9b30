"""`jixiao goal_inbox --user U`: the goals waiting for this user's review, the longest waiting first,
one per line (region, year, project code and name, version, step). Tab-separated, for scripts."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from jixiao.core import command_lookups as _lookup
from jixiao.goals import selectors


class Command(BaseCommand):
    help = "列出该用户待审核的绩效目标（按提交时间，先提交的在前）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="审核人用户名")

    def handle(self, *args: Any, **options: Any) -> None:
        reviewer = _lookup.user(options["user"])
        count = 0
        for review in selectors.inbox_for(user=reviewer).iterator(chunk_size=500):
            goal, project = review.goal, review.goal.project
            submitted = timezone.localtime(goal.submitted_at).strftime("%Y-%m-%d %H:%M") if goal.submitted_at else ""
            version = f"调整{goal.version - 1}" if goal.is_adjustment else "申报"
            self.stdout.write(
                "\t".join(
                    [
                        project.region.name,
                        str(project.fiscal_year),
                        project.code,
                        project.name,
                        version,
                        review.step_label,
                        submitted,
                    ]
                )
            )
            count += 1
        self.stdout.write(f"待审核{count}项" if count else "没有待审核的绩效目标")
