"""Role-aware navigation: a user sees only the menu entries they can use."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from jixiao.core import scoping
from jixiao.orgs.roles import Cap, Role

MENU = [
    ("首页", "home", None),
    ("项目库", "projects:list", Cap.PROJECT_VIEW),
    ("绩效目标", "goals:list", Cap.PROJECT_VIEW),
    ("待我审核", "goals:inbox", Cap.GOAL_REVIEW),
    ("指标库", "goals:library", Cap.PROJECT_VIEW),
    ("事前评估", "appraisals:worklist", Cap.APPRAISAL_ASSESS),
    ("预算评审", "appraisals:reviews", Cap.PANEL_SIGN),
    ("绩效自评", "evaluations:list", Cap.PROJECT_VIEW),
    ("抽查复核", "evaluations:plans", Cap.RECHECK),
    ("运行监控", "monitoring:rounds", Cap.PROJECT_VIEW),
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
        {"label": label, "url": reverse(name), "active": False}
        for label, name, cap in MENU
        if cap is None or scoping.has_cap(user, cap)
    ]
    # The entry whose address is the longest prefix of the page's is the current one (/goals/inbox/ is
    # 待我审核, not 绩效目标); the home page only matches itself.
    matching = [i for i in items if request.path == i["url"] or (i["url"] != "/" and request.path.startswith(i["url"]))]
    if matching:
        max(matching, key=lambda i: len(i["url"]))["active"] = True
    memberships = list(user.memberships.select_related("organization"))
    return {
        "nav_items": items,
        "nav_roles": [f"{m.organization.name} · {Role(m.role).label}" for m in memberships],
        "nav_role_labels": list(dict.fromkeys(Role(m.role).label for m in memberships)),
    }
