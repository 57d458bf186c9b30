"""The audit log page of the 审计管理员: read, filter, export. There is no page to edit or delete."""

import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jixiao.core import selectors
from jixiao.core.audit_export import audit_workbook_response
from jixiao.core.filters import AuditEventFilter
from jixiao.core.http import require_cap
from jixiao.orgs.roles import Cap

PAGE_SIZE = 50


def _pretty(value: object) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


def _filtered(request: HttpRequest) -> AuditEventFilter:
    return AuditEventFilter(request.GET, queryset=selectors.audit_events_for(user=request.user))


@login_required
@require_GET
@require_cap(Cap.AUDIT_VIEW)
def audit_list(request: HttpRequest) -> HttpResponse:
    f = _filtered(request)
    page = Paginator(f.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(e, _pretty(e.before), _pretty(e.after)) for e in page]
    return render(request, "core/audit.html", {"filter": f, "page": page, "rows": rows})


@login_required
@require_GET
@require_cap(Cap.AUDIT_VIEW)
def audit_export(request: HttpRequest) -> FileResponse:
    f = _filtered(request)
    return audit_workbook_response(f.qs, actor=request.user, filters=getattr(f.form, "cleaned_data", {}))
