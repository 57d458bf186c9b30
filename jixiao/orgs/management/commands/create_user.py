"""`jixiao create_user USERNAME --name 姓名 [--password …]`: create an account (without a role).

Without --password the password is asked for twice on the terminal, so that it stays out of the shell
history. Give the account a role with `jixiao grant_role`.
"""

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.core.errors import DomainError
from jixiao.orgs import services


class Command(BaseCommand):
    help = "新建用户（口令须符合口令规则）；角色用 grant_role 授予"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="姓名")
        parser.add_argument("--password", help="初始口令（缺省时在终端输入）")

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"]
        if password is None:
            password = getpass.getpass("口令：")
            if getpass.getpass("再次输入口令：") != password:
                raise CommandError("两次输入的口令不一致")
        try:
            user = services.create_user(
                actor=None, username=options["username"], password=password, display_name=options["name"]
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"已创建用户“{user.username}”（{user.display_name or '未填姓名'}）")
