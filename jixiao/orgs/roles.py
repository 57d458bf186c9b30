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
    # 事前绩效评估: assessments are read with PROJECT_VIEW over the project, except by an agency, which reads
    # and scores only the assessments assigned to its organization (Assessment.assessor_org).
    APPRAISAL_ASSESS = "appraisal.assess"  # open, score and submit an assessment
    APPRAISAL_CONCLUDE = "appraisal.conclude"  # conclude by the bands, record the expert panel's override
    BUDGET_REVIEW = "budget_review.change"  # record 送审/审定/审减 and function-point reviews
    PANEL_SIGN = "budget_review.sign"  # sign for the 联评联审 panel, in the role the panel names
    # 绩效自评 is read with PROJECT_VIEW and filled in with PROJECT_CHANGE over its project; reviewing it takes
    # SELFEVAL_REVIEW as 主管部门 (first step) or as 绩效管理/归口科室 (finance step).
    SELFEVAL_REVIEW = "selfeval.review"
    SAMPLING_MANAGE = "sampling.manage"  # create sampling plans for 抽查复核 and draw them
    # Re-check sampled self-evaluations; an agency reaches only the re-checks assigned to its organization.
    RECHECK = "recheck.change"
    REEVALUATE = "reevaluation.change"  # 再评价 of departments' own performance management
    # 绩效运行监控: reports are read with PROJECT_VIEW and filled in with PROJECT_CHANGE over their project.
    MONITORING_MANAGE = "monitoring.manage"  # open rounds, compute warnings, select 重点监控, propose dispositions
    MONITORING_REVIEW = "monitoring.review"  # the 主管部门 approves or returns its units' reports
    MONITORING_RECHECK = "monitoring.recheck"  # the finance bureau re-checks its selection and records findings
    # Approving a disposition changes a project's available budget or stops its payments: the budget division's.
    DISPOSITION_APPROVE = "disposition.approve"
    # Import the budget system's payment data for the region (the finance roles that hold it).
    PAYMENT_IMPORT = "payment.import"
    RULES_VIEW = "rules.view"
    RULES_CHANGE = "rules.change"
    AUDIT_VIEW = "audit.view"
    USERS_MANAGE = "users.manage"
    SECURITY_MANAGE = "security.manage"


_FINANCE_READ = {Cap.PROJECT_VIEW: Reach.REGION, Cap.RULES_VIEW: Reach.REGION, Cap.GOAL_REVIEW: Reach.REGION}
_APPRAISAL_FINANCE = {
    Cap.APPRAISAL_ASSESS: Reach.REGION,
    Cap.APPRAISAL_CONCLUDE: Reach.REGION,
    Cap.PANEL_SIGN: Reach.REGION,
}

CAPABILITIES: dict[str, dict[str, str]] = {
    Role.PERFORMANCE: {
        **_FINANCE_READ,
        **_APPRAISAL_FINANCE,
        Cap.PROJECT_CHANGE: Reach.REGION,
        Cap.PROJECT_DECIDE: Reach.REGION,
        Cap.RULES_CHANGE: Reach.REGION,
        Cap.LIBRARY_CHANGE: Reach.REGION,
        Cap.SELFEVAL_REVIEW: Reach.REGION,
        Cap.SAMPLING_MANAGE: Reach.REGION,
        Cap.RECHECK: Reach.REGION,
        Cap.REEVALUATE: Reach.REGION,
        Cap.MONITORING_MANAGE: Reach.REGION,
        Cap.MONITORING_RECHECK: Reach.REGION,
        Cap.PAYMENT_IMPORT: Reach.REGION,
    },
    Role.BUDGET: {
        **_FINANCE_READ,
        **_APPRAISAL_FINANCE,
        Cap.PROJECT_CHANGE: Reach.REGION,
        Cap.PROJECT_DECIDE: Reach.REGION,
        Cap.BUDGET_REVIEW: Reach.REGION,
        Cap.DISPOSITION_APPROVE: Reach.REGION,
        Cap.PAYMENT_IMPORT: Reach.REGION,
    },
    Role.SECTOR: {**_FINANCE_READ, Cap.PANEL_SIGN: Reach.REGION, Cap.SELFEVAL_REVIEW: Reach.REGION},
    Role.REVIEW_CENTER: {
        **_FINANCE_READ,
        Cap.BUDGET_REVIEW: Reach.REGION,
        Cap.PANEL_SIGN: Reach.REGION,
        Cap.RECHECK: Reach.REGION,
        Cap.MONITORING_RECHECK: Reach.REGION,
    },
    Role.DEPARTMENT: {
        Cap.PROJECT_VIEW: Reach.TREE,
        Cap.PROJECT_CHANGE: Reach.TREE,
        Cap.GOAL_REVIEW: Reach.TREE,
        Cap.LIBRARY_CHANGE: Reach.TREE,
        Cap.APPRAISAL_ASSESS: Reach.TREE,
        Cap.SELFEVAL_REVIEW: Reach.TREE,
        Cap.MONITORING_REVIEW: Reach.TREE,
    },
    Role.UNIT: {Cap.PROJECT_VIEW: Reach.OWN, Cap.PROJECT_CHANGE: Reach.OWN, Cap.APPRAISAL_ASSESS: Reach.OWN},
    # Agencies see only what they are assigned to: for an agency, APPRAISAL_ASSESS over its own organization
    # reaches the assessments whose assessor is that organization (jixiao.appraisals.selectors), and no
    # project of the 项目库. Experts act through the panel's override, recorded by the finance bureau.
    Role.AGENCY: {Cap.APPRAISAL_ASSESS: Reach.OWN, Cap.RECHECK: Reach.OWN},
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
