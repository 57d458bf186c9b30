"""Readers for the administration pages (rules, users, login security), scoped to the user."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib.auth.password_validation import password_validators_help_texts
from django.db.models import Max, QuerySet, Sum
from django.utils import timezone

from jixiao.core import scoping
from jixiao.core.errors import NotFound
from jixiao.orgs.models import Organization, Region, RuleSetting, User
from jixiao.orgs.roles import Cap
from jixiao.orgs.selectors import regions_for, users_for

# --- Rules -------------------------------------------------------------------------------------------


def rule_regions(*, user: Any) -> QuerySet[Region]:
    return regions_for(user=user, cap=Cap.RULES_VIEW)


def rule_region(*, user: Any, code: str | None) -> Region:
    """The region whose rules the user asked for; without a code, the highest one he may see."""
    regions = rule_regions(user=user)
    region = regions.filter(code=code).first() if code else regions.order_by("level", "path").first()
    if region is None:
        raise NotFound("区划不存在或不在您的权限范围内。")
    return region


def may_change_rules(*, user: Any, region: Region) -> bool:
    return scoping.reaches_region(user, Cap.RULES_CHANGE, region.path)


def rule_history(*, user: Any, region: Region) -> QuerySet[RuleSetting]:
    """Every version set for the region and the regions above it (whose settings it inherits), newest first."""
    rule_region(user=user, code=region.code)  # NotFound for a region outside the user's scope
    codes = [c for c in region.path.split("/") if c]
    return (
        RuleSetting.objects.filter(region__code__in=codes)
        .select_related("region", "created_by")
        .order_by("-created_at", "-id")
    )


# --- Users -------------------------------------------------------------------------------------------


def managed_users(*, user: Any) -> QuerySet[User]:
    return users_for(user=user).prefetch_related("memberships__organization__region")


def managed_user(*, user: Any, pk: int) -> User:
    try:
        return managed_users(user=user).get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("用户不存在或不在您的管理范围内。") from exc


def managed_organizations(*, user: Any, cap: str = Cap.USERS_MANAGE) -> QuerySet[Organization]:
    """Organizations in the regions the administrator manages, where roles may be granted."""
    q = scoping.region_q(user, cap, "region__path")
    if q is None:
        return Organization.objects.none()
    return Organization.objects.filter(q).select_related("region").order_by("region__path", "path")


# --- Login security ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lockout:
    kind: str  # "username" or "ip"
    value: str
    failures: int
    last_attempt: datetime
    locked_until: datetime

    @property
    def kind_label(self) -> str:
        return "账号" if self.kind == "username" else "IP地址"


def _cool_off() -> timedelta:
    cool_off = settings.AXES_COOLOFF_TIME
    return cool_off if isinstance(cool_off, timedelta) else timedelta(hours=float(cool_off or 0))


def _visible_usernames(user: Any, usernames: set[str]) -> set[str]:
    """Of these login names, those the security administrator may see: accounts with a role in his
    regions, and names that belong to no account with a role elsewhere (guesses, new accounts)."""
    q = scoping.region_q(user, Cap.SECURITY_MANAGE, "memberships__organization__region__path")
    if q is None:
        return set()
    mine = set(User.objects.filter(q, username__in=usernames).values_list("username", flat=True))
    elsewhere = set(
        User.objects.filter(username__in=usernames, memberships__isnull=False)
        .exclude(username__in=mine)
        .values_list("username", flat=True)
    )
    return usernames - elsewhere


def lockouts_for(*, user: Any) -> list[Lockout]:
    """Accounts and addresses locked now: failures within the cool-off reaching the failure limit."""
    if not scoping.has_cap(user, Cap.SECURITY_MANAGE):
        return []
    limit = settings.AXES_FAILURE_LIMIT
    cool_off = _cool_off()
    recent = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off)
    found: list[Lockout] = []
    by_name = {
        r["username"]: r
        for r in recent.exclude(username__isnull=True)
        .values("username")
        .annotate(n=Sum("failures_since_start"), last=Max("attempt_time"))
        if r["n"] >= limit
    }
    for name in sorted(_visible_usernames(user, set(by_name))):
        r = by_name[name]
        found.append(Lockout("username", name, r["n"], r["last"], r["last"] + cool_off))
    for r in (
        recent.exclude(ip_address__isnull=True)
        .values("ip_address")
        .annotate(n=Sum("failures_since_start"), last=Max("attempt_time"))
    ):
        if r["n"] >= limit:
            found.append(Lockout("ip", r["ip_address"], r["n"], r["last"], r["last"] + cool_off))
    return found


def failed_logins_for(*, user: Any, limit: int = 100) -> list[Any]:
    """The latest failed logins (one row per failure when the failure log is on, else per attempt record)."""
    if not scoping.has_cap(user, Cap.SECURITY_MANAGE):
        return []
    model = AccessFailureLog if getattr(settings, "AXES_ENABLE_ACCESS_FAILURE_LOG", False) else AccessAttempt
    rows = list(model.objects.order_by("-attempt_time")[: limit * 2])
    visible = _visible_usernames(user, {r.username for r in rows if r.username})
    return [r for r in rows if not r.username or r.username in visible][:limit]


@dataclass(frozen=True)
class Policy:
    failure_limit: int
    cool_off_minutes: int
    lockout_parameters: str
    idle_timeout_minutes: int
    expire_at_browser_close: bool
    password_rules: list[str]


def security_policy() -> Policy:
    params = []
    for p in settings.AXES_LOCKOUT_PARAMETERS:
        parts = [p] if isinstance(p, str) else list(p)
        params.append(
            "+".join({"username": "账号", "ip_address": "IP地址", "user_agent": "浏览器"}.get(x, x) for x in parts)
        )
    return Policy(
        failure_limit=settings.AXES_FAILURE_LIMIT,
        cool_off_minutes=int(_cool_off().total_seconds() // 60),
        lockout_parameters="、".join(params),
        idle_timeout_minutes=settings.SESSION_COOKIE_AGE // 60,
        expire_at_browser_close=settings.SESSION_EXPIRE_AT_BROWSER_CLOSE,
        password_rules=[str(t) for t in password_validators_help_texts()],
    )
