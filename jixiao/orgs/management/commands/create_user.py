"""`jixiao create_user USERNAME --name 姓名 [--password …]`: create an account (without a role), as the system.

Without --password the password is asked for twice on the terminal, so that it stays out of the shell
history. Give the account a role with `jixiao grant_role`.
"""

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.core.errors import DomainError
from jixiao.orgs import services


class Command(BaseCommand):
    help = "新建用户（密码须符合密码规则，见“安全管理”页面）；新用户没有角色，用 grant_role 授予"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="用户名")
        parser.add_argument("--name", default="", help="姓名")
        parser.add_argument("--password", help="初始密码（缺省时在终端输入两次，不留在命令历史中）")

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"]
        if password is None:
            password = getpass.getpass("密码：")
            if getpass.getpass("再次输入密码：") != password:
                raise CommandError("两次输入的密码不一致")
        try:
            user = services.create_user(
                actor=None, username=options["username"], password=password, display_name=options["name"]
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"已创建用户“{user.username}”（{user.display_name or '未填姓名'}）")
