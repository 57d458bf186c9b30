"""`jixiao grant_role USERNAME ORG_CODE ROLE`: give a user a role in an organization, as the system
(not limited to a region; the rules of `services.grant_role` on 三员 roles still hold)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.core.errors import DomainError
from jixiao.orgs import services
from jixiao.orgs.models import Organization, User
from jixiao.orgs.roles import Role


class Command(BaseCommand):
    help = "为用户授予机构中的角色（三员角色不能与其他角色兼任）。角色：" + "、".join(
        f"{r.value}（{r.label}）" for r in Role
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="用户名")
        parser.add_argument("org_code", help="机构编码")
        parser.add_argument("role", choices=Role.values, metavar="role", help="角色代码（见上）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist as exc:
            raise CommandError(f"用户“{options['username']}”不存在") from exc
        try:
            org = Organization.objects.select_related("region").get(code=options["org_code"])
        except Organization.DoesNotExist as exc:
            raise CommandError(f"机构编码“{options['org_code']}”不存在") from exc
        try:
            membership = services.grant_role(actor=None, user=user, organization=org, role=options["role"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"已授予：{membership}")
