"""Writers for regions, organizations, users, memberships and rule settings."""

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from jixiao.core import audit, scoping
from jixiao.core.errors import DomainError, PermissionDenied
from jixiao.orgs.models import Membership, Organization, Region, RuleSetting, User
from jixiao.orgs.roles import ROLE_ORG_KINDS, Cap, Role
from jixiao.rules.config import RuleValueError, definition


def _validation_message(exc: ValidationError) -> str:
    return "；".join(exc.messages)


@transaction.atomic
def create_region(*, actor: Any, code: str, name: str, parent: Region | None) -> Region:
    level = Region.Level.PROVINCE if parent is None else parent.level + 1
    if level > Region.Level.COUNTY:
        raise DomainError("区划最多三级（省、市、县）", field="parent")
    region = Region(code=code, name=name, level=level, parent=parent)
    region.path = (parent.path if parent else "") + f"{code}/"
    try:
        region.full_clean()
    except ValidationError as exc:
        raise DomainError(_validation_message(exc)) from exc
    region.save()
    audit.record(actor=actor, action="region.create", obj=region, after=audit.snapshot(region), region_path=region.path)
    return region


@transaction.atomic
def create_organization(
    *,
    actor: Any,
    code: str,
    name: str,
    kind: str,
    region: Region,
    parent: Organization | None = None,
    division: str = "",
    is_generated: bool = False,
) -> Organization:
    if kind == Organization.Kind.FINANCE_DIVISION and (parent is None or parent.kind != Organization.Kind.FINANCE_BUREAU):
        raise DomainError("财政内设机构须隶属于财政部门", field="parent")
    if kind == Organization.Kind.UNIT and (parent is None or not parent.is_budget_unit):
        raise DomainError("下属预算单位须隶属于主管部门或其他预算单位", field="parent")
    if parent is not None and parent.region_id != region.pk:
        raise DomainError("上级机构须在同一区划", field="parent")
    org = Organization(
        code=code, name=name, kind=kind, region=region, parent=parent, division=division, is_generated=is_generated
    )
    org.path = (parent.path if parent else f"{region.code}:") + f"{code}/"
    try:
        org.full_clean()
    except ValidationError as exc:
        raise DomainError(_validation_message(exc)) from exc
    org.save()
    audit.record(actor=actor, action="organization.create", obj=org, after=audit.snapshot(org), region_path=region.path)
    return org


@transaction.atomic
def create_user(*, actor: Any, username: str, password: str, display_name: str = "") -> User:
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(f"用户名“{username}”已存在", field="username")
    user = User(username=username, display_name=display_name)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(_validation_message(exc), field="password") from exc
    user.set_password(password)
    try:
        user.full_clean()
    except ValidationError as exc:
        raise DomainError(_validation_message(exc)) from exc
    user.save()
    audit.record(actor=actor, action="user.create", obj=user, after={"username": username, "display_name": display_name})
    return user


@transaction.atomic
def add_membership(*, actor: Any, user: User, organization: Organization, role: str) -> Membership:
    if organization.kind not in ROLE_ORG_KINDS.get(role, ()):
        raise DomainError(f"“{Role(role).label}”角色不能设在“{organization.get_kind_display()}”类机构", field="role")
    membership, created = Membership.objects.get_or_create(user=user, organization=organization, role=role)
    if created:
        audit.record(
            actor=actor,
            action="membership.add",
            obj=membership,
            after={"user": user.username, "organization": organization.code, "role": role},
            region_path=organization.region.path,
        )
    return membership


@transaction.atomic
def set_rule(
    *,
    actor: Any,
    key: str,
    region: Region | None,
    fiscal_year: int | None,
    value: Any,
    source: str,
    note: str = "",
) -> RuleSetting:
    """Record a new version of a rule for a region and year. National defaults (region None) come from
    the catalogue and change only with the code; a finance bureau sets its own region and those below."""
    if region is None:
        raise DomainError("全国默认值随规则目录发布，只能为具体区划设定规则", field="region")
    if not scoping.reaches(actor, Cap.RULES_CHANGE, owner_path="", owner_id=-1, region_path=region.path):
        raise PermissionDenied("您没有修改该区划规则的权限。")
    if not source.strip():
        raise DomainError("请填写规则依据（文件名称及文号）", field="source")
    try:
        checked = definition(key).check(value)
    except RuleValueError as exc:
        raise DomainError(str(exc), field="value") from exc
    same = RuleSetting.objects.select_for_update().filter(key=key, region=region, fiscal_year=fiscal_year)
    version = (same.aggregate(v=Max("version"))["v"] or 0) + 1
    setting = RuleSetting.objects.create(
        key=key,
        region=region,
        fiscal_year=fiscal_year,
        version=version,
        value=checked,
        source=source.strip(),
        note=note,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        actor=actor,
        action="rule.set",
        obj=setting,
        after={"key": key, "region": region.code, "fiscal_year": fiscal_year, "version": version, "value": checked, "source": source},
        region_path=region.path,
    )
    return setting
