"""`jixiao admit --user U --region 区划名或代码 --year Y CODE [CODE…]`: admit these submitted projects to
the 项目库, all or none. A project that needs an ex-ante assessment and has no passing conclusion is
refused with the reason; then nothing is admitted (exit 1)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from jixiao.core import command_lookups as _lookup
from jixiao.core.errors import DomainError
from jixiao.projects.services import transition_project


class Command(BaseCommand):
    help = "将已申报项目纳入项目库；须开展事前绩效评估而未通过的项目不能入库，任一项目不能入库则全部不入库"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="+", metavar="CODE", help="项目编码")
        parser.add_argument("--user", required=True, help="以该用户的身份和权限办理（财政部门）")
        parser.add_argument("--region", required=True, help="区划代码或名称")
        parser.add_argument("--year", type=int, required=True, help="预算年度")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = _lookup.user(options["user"])
        area = _lookup.region(options["region"])
        projects = _lookup.projects(actor, area, options["year"], options["codes"])
        refused: list[str] = []
        with transaction.atomic():
            for project in projects:
                try:
                    with transaction.atomic():
                        transition_project(actor=actor, project=project, action="admit")
                except DomainError as exc:
                    refused.append(exc.message)
            if refused:
                transaction.set_rollback(True)
        if refused:
            raise CommandError(
                f"{len(refused)}个项目不能纳入项目库，本批{len(projects)}个项目均未入库。\n" + "\n".join(refused),
                returncode=1,
            )
        for p in projects:
            self.stdout.write(f"已入库：{p.code} {p.name}")
        self.stdout.write(f"共{len(projects)}个项目纳入项目库")
