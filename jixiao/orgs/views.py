"""Pages of rule configuration (绩效科) and of the 三员: user management and login security."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.core.http import add_domain_error, domain_errors, require_cap
from jixiao.orgs import admin_selectors, services
from jixiao.orgs.forms import GrantForm, RuleForm, UnlockForm, UserCreateForm, display_value, format_value
from jixiao.orgs.models import Region
from jixiao.orgs.roles import Cap
from jixiao.orgs.rules_config import resolve_all
from jixiao.rules.config import DEFINITIONS

# --- Rule configuration ------------------------------------------------------------------------------


def _year(text: str | None) -> int:
    try:
        year = int(text or "")
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@login_required
@require_cap(Cap.RULES_VIEW)
@domain_errors
def rules(request: HttpRequest) -> HttpResponse:
    """Effective rules of a region and year, where each comes from, and (绩效科) a form per rule."""
    data = request.POST if request.method == "POST" else request.GET
    region = admin_selectors.rule_region(user=request.user, code=data.get("region"))
    year = _year(data.get("year"))
    can_change = admin_selectors.may_change_rules(user=request.user, region=region)
    bound: RuleForm | None = None
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied("您没有修改该区划规则的权限。")
        bound = _save_rule(request, region)
        if bound is None:
            return redirect(f"{reverse('rules')}?region={region.code}&year={year}")
    rows = [
        {
            "rule": rule,
            "definition": DEFINITIONS[key],
            "display": display_value(key, rule.value),
            "form": _rule_form(key, rule.value, bound) if can_change else None,
            "open": bound is not None and bound.key == key,
        }
        for key, rule in resolve_all(region, year).items()
    ]
    history = Paginator(admin_selectors.rule_history(user=request.user, region=region), 50).get_page(
        request.GET.get("page")
    )
    history_rows = [
        (
            s,
            DEFINITIONS[s.key].label if s.key in DEFINITIONS else s.key,
            display_value(s.key, s.value) if s.key in DEFINITIONS else str(s.value),
        )
        for s in history
    ]
    return render(
        request,
        "orgs/rules.html",
        {
            "region": region,
            "year": year,
            "regions": admin_selectors.rule_regions(user=request.user),
            "rows": rows,
            "can_change": can_change,
            "history": history,
            "history_rows": history_rows,
        },
        status=200 if bound is None else 400,
    )


def _rule_form(key: str, value: Any, bound: RuleForm | None) -> RuleForm:
    """The form of one rule: the one just posted, with its errors, or a fresh one showing the value in force."""
    if bound is not None and bound.key == key:
        return bound
    return RuleForm(key=key, initial={"value": format_value(key, value), "fiscal_year": None})


def _save_rule(request: HttpRequest, region: Region) -> RuleForm | None:
    """Record the posted rule value; None once saved, else the bound form with its errors."""
    key = request.POST.get("key", "")
    if key not in DEFINITIONS:
        raise NotFound(f"没有名为“{key}”的规则")
    form = RuleForm(request.POST, key=key)
    if not form.is_valid():
        return form
    d = form.cleaned_data
    try:
        setting = services.set_rule(
            actor=request.user,
            key=key,
            region=region,
            fiscal_year=d["fiscal_year"],
            value=d["value"],
            source=d["source"],
            note=d["note"],
        )
    except DomainError as exc:
        add_domain_error(form, exc)
        return form
    scope = f"{setting.fiscal_year}年度" if setting.fiscal_year else "各年度"
    messages.success(request, f"已保存“{DEFINITIONS[key].label}”：{region.name}{scope}第{setting.version}版")
    return None


# --- User management (系统管理员) --------------------------------------------------------------------


def _users_page(
    request: HttpRequest, *, create: UserCreateForm | None = None, grant: GrantForm | None = None, status: int = 200
) -> HttpResponse:
    users = admin_selectors.managed_users(user=request.user)
    orgs = admin_selectors.managed_organizations(user=request.user)
    q = request.GET.get("q", "").strip()
    shown = users.filter(Q(username__icontains=q) | Q(display_name__icontains=q)) if q else users
    page = Paginator(shown, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "orgs/users.html",
        {
            "page": page,
            "q": q,
            "create_form": create or UserCreateForm(organizations=orgs),
            "grant_form": grant or GrantForm(users=users.filter(is_active=True), organizations=orgs),
        },
        status=status,
    )


@login_required
@require_cap(Cap.USERS_MANAGE)
def users(request: HttpRequest) -> HttpResponse:
    return _users_page(request)


@login_required
@require_POST
@require_cap(Cap.USERS_MANAGE)
@domain_errors
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST, organizations=admin_selectors.managed_organizations(user=request.user))
    if form.is_valid():
        d = form.cleaned_data
        try:
            user = services.register_user(
                actor=request.user,
                username=d["username"].strip(),
                password=d["password"],
                display_name=d["display_name"].strip(),
                organization=d["organization"],
                role=d["role"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已创建用户“{user.username}”")
            return redirect("users")
    return _users_page(request, create=form, status=400)


@login_required
@require_POST
@require_cap(Cap.USERS_MANAGE)
@domain_errors
def user_grant(request: HttpRequest) -> HttpResponse:
    users = admin_selectors.managed_users(user=request.user).filter(is_active=True)
    form = GrantForm(request.POST, users=users, organizations=admin_selectors.managed_organizations(user=request.user))
    if form.is_valid():
        d = form.cleaned_data
        try:
            membership = services.grant_role(
                actor=request.user, user=d["user"], organization=d["organization"], role=d["role"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已授予：{membership}")
            return redirect("users")
    return _users_page(request, grant=form, status=400)


@login_required
@require_POST
@require_cap(Cap.USERS_MANAGE)
@domain_errors
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user = admin_selectors.managed_user(user=request.user, pk=pk)
    services.deactivate_user(actor=request.user, user=user)
    messages.success(request, f"已停用用户“{user.username}”")
    return redirect("users")


# --- Login security (安全管理员) ---------------------------------------------------------------------


def _security_page(request: HttpRequest, form: UnlockForm | None = None, status: int = 200) -> HttpResponse:
    return render(
        request,
        "orgs/security.html",
        {
            "lockouts": admin_selectors.lockouts_for(user=request.user),
            "failures": admin_selectors.failed_logins_for(user=request.user),
            "policy": admin_selectors.security_policy(),
            "form": form or UnlockForm(),
        },
        status=status,
    )


@login_required
@require_cap(Cap.SECURITY_MANAGE)
def security(request: HttpRequest) -> HttpResponse:
    return _security_page(request)


@login_required
@require_POST
@require_cap(Cap.SECURITY_MANAGE)
@domain_errors
def security_unlock(request: HttpRequest) -> HttpResponse:
    form = UnlockForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            cleared = services.unlock_login(actor=request.user, username=d["username"] or "", ip=d["ip"] or "")
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            what = "、".join(filter(None, [d["username"] and f"账号“{d['username']}”", d["ip"] and f"地址{d['ip']}"]))
            messages.success(request, f"已解锁{what}，清除登录失败记录{cleared}条")
            return redirect("security")
    return _security_page(request, form, status=400)
