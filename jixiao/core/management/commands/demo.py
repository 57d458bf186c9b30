"""`jixiao demo`: load the demo data drawn from the five seed work reports (docs/demo.md).

Safe to repeat: a second run finds everything in place and writes nothing.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.core.errors import DomainError
from jixiao.demo.loader import load


class Command(BaseCommand):
    help = "加载演示数据（中阳县、岳池县、吕梁市、蔡甸区、宝鸡市）及演示账号；可重复执行。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="不输出进度和演示账号")

    def handle(self, *args: Any, quiet: bool = False, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("演示数据带有公开密码的演示账号，生产环境（JIXIAO_PRODUCTION=1）不能加载。")
        say = None if quiet else (lambda message: self.stdout.write(f"  {message}"))
        try:
            report = load(progress=say)
        except DomainError as exc:
            raise CommandError(f"演示数据加载失败：{exc}") from exc
        if quiet:
            return
        state = "已加载" if report.changed else "已存在，未作改动"
        self.stdout.write(self.style.SUCCESS(f"演示数据{state}（用时 {report.seconds:.1f} 秒）。"))
        self.stdout.write("演示账号（密码相同）：")
        width = max(len(a.username) for a in report.accounts)
        for a in report.accounts:
            self.stdout.write(f"  {a.username.ljust(width)}  {a.password}  {a.role}  {a.organization}")
