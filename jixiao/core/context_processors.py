"""Role-aware navigation: a user sees only the menu entries they can use."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from jixiao.core import scoping
from jixiao.orgs.roles import Cap, Role

MENU = [
    ("首页", "home", None),
    ("项目库", "projects:list", Cap.PROJECT_VIEW),
    ("数据导入", "imports:list", Cap.PROJECT_CHANGE),
    ("规则配置", "rules", Cap.RULES_VIEW),
    ("用户管理", "users", Cap.USERS_MANAGE),
    ("安全管理", "security", Cap.SECURITY_MANAGE),
    ("审计日志", "audit", Cap.AUDIT_VIEW),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [
        {
            "label": label,
            "url": reverse(name),
            "active": request.path == reverse(name) if name == "home" else request.path.startswith(reverse(name)),
        }
        for label, name, cap in MENU
        if cap is None or scoping.has_cap(user, cap)
    ]
    memberships = list(user.memberships.select_related("organization"))
    return {
        "nav_items": items,
        "nav_roles": [f"{m.organization.name} · {Role(m.role).label}" for m in memberships],
        "nav_role_labels": list(dict.fromkeys(Role(m.role).label for m in memberships)),
    }
