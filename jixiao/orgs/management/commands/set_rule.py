"""`jixiao set_rule KEY VALUE --region CODE [--year Y] --source TEXT --user USERNAME`.

VALUE is JSON (`'[{"grade": "优", "min": "90"}, …]'`, `5000000`, `'["人员类", "公用经费"]'`) or the
friendly text of the web form ("人员类,公用经费"). The user must be allowed to change the region's rules.
"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.core.errors import DomainError
from jixiao.orgs import services
from jixiao.orgs.forms import parse_value
from jixiao.orgs.models import Region, User
from jixiao.rules.config import DEFINITIONS, RuleValueError


class Command(BaseCommand):
    help = "为区划（及年度）记录规则的新版本（记入审计日志）。规则：" + "、".join(
        f"{key}（{d.label}）" for key, d in DEFINITIONS.items()
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("key", choices=sorted(DEFINITIONS), metavar="key", help="规则代码（见上）")
        parser.add_argument("value", help="取值（JSON 或页面上的简写）")
        parser.add_argument("--region", required=True, help="区划代码")
        parser.add_argument("--year", type=int, help="适用年度（缺省：各年度）")
        parser.add_argument("--source", required=True, help="依据：文件名称及文号")
        parser.add_argument("--note", default="", help="说明")
        parser.add_argument("--user", required=True, help="操作人用户名（须有该区划的规则修改权限）")

    def handle(self, *args: Any, **options: Any) -> None:
        key = options["key"]
        try:
            value = json.loads(options["value"])
        except json.JSONDecodeError:
            try:
                value = parse_value(key, options["value"])
            except RuleValueError as exc:
                raise CommandError(str(exc)) from exc
        try:
            region = Region.objects.get(code=options["region"])
        except Region.DoesNotExist as exc:
            raise CommandError(f"区划代码“{options['region']}”不存在") from exc
        try:
            actor = User.objects.get(username=options["user"], is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(f"用户“{options['user']}”不存在或已停用") from exc
        try:
            setting = services.set_rule(
                actor=actor,
                key=key,
                region=region,
                fiscal_year=options["year"],
                value=value,
                source=options["source"],
                note=options["note"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        scope = f"{setting.fiscal_year}年度" if setting.fiscal_year else "各年度"
        self.stdout.write(f"已设定 {key}：{region.name}{scope} 第{setting.version}版")
