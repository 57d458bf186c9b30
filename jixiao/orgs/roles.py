"""Roles and what each may do, and over which scope.

This table is the single statement of the permission model (docs/permissions.md shows it as a matrix).
A capability is granted over one of three reaches:

- REGION: the organization's region and every region below it (finance bureau, 人大, 审计);
- TREE: the organization and its subordinate units (主管部门);
- OWN: the organization alone (预算单位).
"""

from django.db import models


class Role(models.TextChoices):
    PERFORMANCE = "performance", "绩效管理"
    BUDGET = "budget", "预算科"
    SECTOR = "sector", "归口科室"
    REVIEW_CENTER = "review_center", "预算评审中心"
    DEPARTMENT = "department", "主管部门"
    UNIT = "unit", "预算单位"
    AGENCY = "agency", "第三方机构"
    EXPERT = "expert", "专家"
    CONGRESS = "congress", "人大"
    AUDIT = "audit", "审计"
    SYSADMIN = "sysadmin", "系统管理员"
    SECADMIN = "secadmin", "安全管理员"
    AUDITADMIN = "auditadmin", "审计管理员"


class Reach(models.TextChoices):
    REGION = "region", "本区划及下级区划"
    TREE = "tree", "本单位及下属单位"
    OWN = "own", "本单位"


class Cap:
    PROJECT_VIEW = "project.view"
    PROJECT_CHANGE = "project.change"  # create, edit, submit
    PROJECT_DECIDE = "project.decide"  # admit to the library, approve the budget, return
    # Goals belong to their project: PROJECT_VIEW reads them and PROJECT_CHANGE declares them. Reviewing
    # takes GOAL_REVIEW over the project *and* the role that the chain's current step names.
    GOAL_REVIEW = "goal.review"
    # The indicator library: 共性 indicators by the finance bureau, 个性 ones by a department for itself.
    LIBRARY_CHANGE = "library.change"
    RULES_VIEW = "rules.view"
    RULES_CHANGE = "rules.change"
    AUDIT_VIEW = "audit.view"
    USERS_MANAGE = "users.manage"
    SECURITY_MANAGE = "security.manage"


_FINANCE_READ = {Cap.PROJECT_VIEW: Reach.REGION, Cap.RULES_VIEW: Reach.REGION, Cap.GOAL_REVIEW: Reach.REGION}

CAPABILITIES: dict[str, dict[str, str]] = {
    Role.PERFORMANCE: {
        **_FINANCE_READ,
        Cap.PROJECT_CHANGE: Reach.REGION,
        Cap.PROJECT_DECIDE: Reach.REGION,
        Cap.RULES_CHANGE: Reach.REGION,
        Cap.LIBRARY_CHANGE: Reach.REGION,
    },
    Role.BUDGET: {**_FINANCE_READ, Cap.PROJECT_CHANGE: Reach.REGION, Cap.PROJECT_DECIDE: Reach.REGION},
    Role.SECTOR: dict(_FINANCE_READ),
    Role.REVIEW_CENTER: dict(_FINANCE_READ),
    Role.DEPARTMENT: {
        Cap.PROJECT_VIEW: Reach.TREE,
        Cap.PROJECT_CHANGE: Reach.TREE,
        Cap.GOAL_REVIEW: Reach.TREE,
        Cap.LIBRARY_CHANGE: Reach.TREE,
    },
    Role.UNIT: {Cap.PROJECT_VIEW: Reach.OWN, Cap.PROJECT_CHANGE: Reach.OWN},
    # Agencies and experts see only what they are assigned to; assignments come with the stages that
    # use them (ex-ante assessment, key evaluation), so in the 项目库 they see nothing yet.
    Role.AGENCY: {},
    Role.EXPERT: {},
    Role.CONGRESS: {Cap.PROJECT_VIEW: Reach.REGION, Cap.RULES_VIEW: Reach.REGION},
    Role.AUDIT: {Cap.PROJECT_VIEW: Reach.REGION, Cap.RULES_VIEW: Reach.REGION},
    # 三员: each administrator does one job and sees no business data.
    Role.SYSADMIN: {Cap.USERS_MANAGE: Reach.REGION},
    Role.SECADMIN: {Cap.SECURITY_MANAGE: Reach.REGION},
    Role.AUDITADMIN: {Cap.AUDIT_VIEW: Reach.REGION},
}

# Which kind of organization a role may be held in.
ROLE_ORG_KINDS: dict[str, tuple[str, ...]] = {
    Role.PERFORMANCE: ("finance_division",),
    Role.BUDGET: ("finance_division",),
    Role.SECTOR: ("finance_division",),
    Role.REVIEW_CENTER: ("finance_division",),
    Role.DEPARTMENT: ("department",),
    Role.UNIT: ("department", "unit"),
    Role.AGENCY: ("agency",),
    Role.EXPERT: ("agency", "expert_pool"),
    Role.CONGRESS: ("congress",),
    Role.AUDIT: ("audit_office",),
    Role.SYSADMIN: ("finance_bureau",),
    Role.SECADMIN: ("finance_bureau",),
    Role.AUDITADMIN: ("finance_bureau",),
}
