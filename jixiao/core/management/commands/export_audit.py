"""`jixiao export_audit OUTPUT.xlsx --user AUDITADMIN [--since D] [--until D] [--actor U] [--action P] [--q T]`.

Exports what that audit administrator may see, with the same filters as the audit page; the export is
itself recorded in the audit log.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.core import scoping, selectors
from jixiao.core.audit_export import record_export, write_workbook
from jixiao.core.filters import AuditEventFilter
from jixiao.orgs.models import User
from jixiao.orgs.roles import Cap

FILTERS = ("since", "until", "actor", "action", "q")


class Command(BaseCommand):
    help = "导出审计日志到 Excel（按该审计管理员可见的范围，筛选条件同审计日志页面）；导出本身记入审计日志"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("output", help="输出文件（.xlsx）")
        parser.add_argument("--user", required=True, help="审计管理员用户名")
        parser.add_argument("--since", help="起始日期 YYYY-MM-DD")
        parser.add_argument("--until", help="截止日期 YYYY-MM-DD")
        parser.add_argument("--actor", help="操作人用户名（完全一致）")
        parser.add_argument("--action", help="操作前缀，如 rule. 或 user.create")
        parser.add_argument("--q", help="对象名称、类型、编号或说明中包含的文字")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["user"], is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(f"用户“{options['user']}”不存在或已停用") from exc
        if not scoping.has_cap(user, Cap.AUDIT_VIEW):
            raise CommandError(f"用户“{user.username}”不是审计管理员，不能导出审计日志")
        data = {k: options[k] for k in FILTERS if options.get(k)}
        f = AuditEventFilter(data, queryset=selectors.audit_events_for(user=user))
        if not f.is_valid():
            problems = "；".join(f"{f.form.fields[k].label}：{'、'.join(v)}" for k, v in f.errors.items())
            raise CommandError(f"筛选条件有误：{problems}")
        count = write_workbook(options["output"], f.qs)
        record_export(actor=user, count=count, filters=f.form.cleaned_data)
        self.stdout.write(f"已导出审计日志{count}条到 {options['output']}")
