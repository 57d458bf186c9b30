"""`jixiao unlock --username U` / `--ip A`: lift a login lockout (audited)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.core.errors import DomainError
from jixiao.orgs import services


class Command(BaseCommand):
    help = "解锁被锁定的账号或IP地址：清除其登录失败记录，并记入审计日志；--username 与 --ip 至少填一项"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="", help="用户名")
        parser.add_argument("--ip", default="", help="IP地址")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            cleared = services.unlock_login(actor=None, username=options["username"], ip=options["ip"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"已解锁，清除登录失败记录{cleared}条")
