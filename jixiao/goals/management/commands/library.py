"""`jixiao library list|search|add|refresh`: the 指标库 from the console.

    jixiao library list --user NAME [--scope common|specific] [--level1 产出指标] [--domain 教育]
    jixiao library search 学生资助 --user NAME [--limit 20] [--json]
    jixiao library add --user NAME --scope common --level1 产出指标 --level2 数量指标 --name 新建高标准农田面积
                       --operator ≥ --unit 亩 [--target …] [--explanation …] [--region CODE] [--domain 农业]
    jixiao library refresh [--region CODE]   (usage counts)

Reading and adding go through the same scope and permission as the web pages, as the named user.
"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.core.errors import DomainError
from jixiao.goals import library
from jixiao.goals.models import LibraryIndicator, Operator
from jixiao.orgs.models import Region, User
from jixiao.projects.models import DomainTag


def _user(name: str) -> User:
    try:
        return User.objects.get(username=name, is_active=True)
    except User.DoesNotExist as exc:
        raise CommandError(f"用户“{name}”不存在或已停用") from exc


def _region(code: str | None) -> Region | None:
    if not code:
        return None
    try:
        return Region.objects.get(code=code)
    except Region.DoesNotExist as exc:
        raise CommandError(f"区划代码“{code}”不存在") from exc


class Command(BaseCommand):
    help = "指标库：列出、按词检索、新增指标，刷新使用次数"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="列出本人可见的指标")
        search = sub.add_parser("search", help="按词检索（如“学生资助”）")
        search.add_argument("query")
        for p in (listing, search):
            p.add_argument("--user", required=True, help="以该用户的身份和可见范围")
            p.add_argument("--scope", choices=LibraryIndicator.Scope.values)
            p.add_argument("--level1")
            p.add_argument("--level2")
            p.add_argument("--domain", help="行业领域名称")
            p.add_argument("--limit", type=int, default=50)
            p.add_argument("--json", action="store_true", help="以 JSON 输出")
        add = sub.add_parser("add", help="新增一条指标")
        add.add_argument("--user", required=True)
        add.add_argument("--scope", required=True, choices=LibraryIndicator.Scope.values)
        add.add_argument("--level1", required=True)
        add.add_argument("--level2", required=True)
        add.add_argument("--name", required=True)
        add.add_argument("--operator", required=True, choices=Operator.values)
        add.add_argument("--unit", default="")
        add.add_argument("--target", default="", help="参考指标值")
        add.add_argument("--explanation", default="")
        add.add_argument("--basis", default="")
        add.add_argument("--domain", default="", help="行业领域名称")
        add.add_argument("--region", help="共性指标所属区划代码（缺省：本人所在区划）")
        refresh = sub.add_parser("refresh", help="重新统计使用次数")
        refresh.add_argument("--region", help="区划代码（缺省：全部）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _list(self, options: dict[str, Any]) -> None:
        self._search({**options, "query": ""})

    def _search(self, options: dict[str, Any]) -> None:
        found = library.search_library(
            _user(options["user"]),
            options["query"],
            level1=options["level1"],
            level2=options["level2"],
            domain=options["domain"],
            scope=options["scope"],
            limit=options["limit"],
        )
        if options["json"]:
            rows = [
                {
                    "id": e.pk,
                    "scope": e.scope,
                    "owner": e.owner.name,
                    "level1": e.level1,
                    "level2": e.level2,
                    "name": e.name,
                    "operator": e.operator,
                    "unit": e.unit,
                    "typical_target": e.typical_target,
                    "usage_count": e.usage_count,
                }
                for e in found
            ]
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for e in found:
            target = e.typical_target or f"{e.operator} {e.unit}".strip()  # 参考指标值 as written: 「≥90%」
            scope = e.get_scope_display()
            self.stdout.write(f"{e.pk:>6}  {scope}  {e.level1}/{e.level2}/{e.name}  {target}  使用{e.usage_count}次")
        self.stdout.write(f"共 {len(found)} 条")

    def _add(self, options: dict[str, Any]) -> None:
        domain = None
        if options["domain"]:
            domain = DomainTag.objects.filter(name=options["domain"]).first()
            if domain is None:
                raise CommandError(f"行业领域“{options['domain']}”不存在")
        entry = library.save_entry(
            actor=_user(options["user"]),
            data=library.LibraryInput(
                scope=options["scope"],
                level1=options["level1"],
                level2=options["level2"],
                name=options["name"],
                operator=options["operator"],
                unit=options["unit"],
                typical_target=options["target"],
                explanation=options["explanation"],
                basis=options["basis"],
                domain=domain,
                region=_region(options["region"]),
            ),
        )
        self.stdout.write(self.style.SUCCESS(f"已新增：{entry.pk} {entry}（{entry.owner.name}）"))

    def _refresh(self, options: dict[str, Any]) -> None:
        changed = library.refresh_usage_counts(_region(options["region"]))
        self.stdout.write(f"使用次数已更新：{changed} 条有变化")
