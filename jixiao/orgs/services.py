"""Writers for regions, organizations, users, memberships and rule settings."""

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from jixiao.core import audit, scoping
from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.orgs.models import Membership, Organization, Region, RuleSetting, User
from jixiao.orgs.roles import ROLE_ORG_KINDS, Cap, Role
from jixiao.rules.config import RuleValueError, definition


def _validation_message(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _full_clean(obj: Any) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise DomainError(_validation_message(exc)) from exc


@transaction.atomic
def create_region(*, actor: Any, code: str, name: str, parent: Region | None) -> Region:
    level = Region.Level.PROVINCE if parent is None else parent.level + 1
    if level > Region.Level.COUNTY:
        raise DomainError("区划最多三级（省、市、县）", field="parent")
    region = Region(code=code, name=name, level=level, parent=parent)
    region.path = (parent.path if parent else "") + f"{code}/"
    _full_clean(region)
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
    if kind == Organization.Kind.FINANCE_DIVISION and (
        parent is None or parent.kind != Organization.Kind.FINANCE_BUREAU
    ):
        raise DomainError("财政内设机构须隶属于财政部门", field="parent")
    if kind == Organization.Kind.UNIT and (parent is None or not parent.is_budget_unit):
        raise DomainError("下属预算单位须隶属于主管部门或其他预算单位", field="parent")
    if parent is not None and parent.region_id != region.pk:
        raise DomainError("上级机构须在同一区划", field="parent")
    org = Organization(
        code=code, name=name, kind=kind, region=region, parent=parent, division=division, is_generated=is_generated
    )
    org.path = (parent.path if parent else f"{region.code}:") + f"{code}/"
    _full_clean(org)
    org.save()
    audit.record(actor=actor, action="organization.create", obj=org, after=audit.snapshot(org), region_path=region.path)
    return org


@transaction.atomic
def create_user(*, actor: Any, username: str, password: str, display_name: str = "", password_hash: str = "") -> User:
    """`password_hash`, when given, is `make_password(password)` worked out once by a loader that creates many
    accounts with one password (the demo): Argon2 is slow by design, and hashing is most of an account's cost."""
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(f"用户名“{username}”已存在", field="username")
    user = User(username=username, display_name=display_name)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(_validation_message(exc), field="password") from exc
    if password_hash:  # not re-checked against `password`: that would cost the hash it saves
        user.password = password_hash
    else:
        user.set_password(password)
    _full_clean(user)
    user.save()
    audit.record(
        actor=actor, action="user.create", obj=user, after={"username": username, "display_name": display_name}
    )
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
    if not scoping.reaches_region(actor, Cap.RULES_CHANGE, region.path):
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
        after={
            "key": key,
            "region": region.code,
            "fiscal_year": fiscal_year,
            "version": version,
            "value": checked,
            "source": source,
        },
        region_path=region.path,
    )
    return setting


# --- Administration by the 三员: granting roles, deactivating users, unlocking logins ---------------
# `actor=None` is the console operator (`jixiao grant_role …`), who stands above every region.

ADMIN_ROLES = (Role.SYSADMIN, Role.SECADMIN, Role.AUDITADMIN)


def _check_manages_user(actor: Any, user: User, cap: str) -> None:
    """The user must belong to a region the actor administers (a user without any role: anyone may)."""
    paths = [m.organization.region.path for m in user.memberships.select_related("organization__region")]
    if paths and not any(scoping.reaches_region(actor, cap, p) for p in paths):
        raise NotFound("用户不存在或不在您的管理范围内。")


def _check_user_admin(actor: Any, organization: Organization | None = None) -> None:
    if actor is None:
        return
    if not scoping.has_cap(actor, Cap.USERS_MANAGE):
        raise PermissionDenied("只有系统管理员可以管理用户。")
    if organization is not None and not scoping.reaches_region(actor, Cap.USERS_MANAGE, organization.region.path):
        raise NotFound("机构不存在或不在您的管理范围内。")


@transaction.atomic
def grant_role(*, actor: Any, user: User, organization: Organization, role: str) -> Membership:
    """A system administrator gives a user a role in an organization of the regions he manages.

    Nobody grants himself a role, and a 三员 role is never held together with any other role."""
    if role not in Role.values:
        raise DomainError(f"没有名为“{role}”的角色", field="role")
    _check_user_admin(actor, organization)
    if actor is not None:
        if user.pk == actor.pk:
            raise PermissionDenied("不能为自己授予角色。")
        _check_manages_user(actor, user, Cap.USERS_MANAGE)
    if not user.is_active:
        raise DomainError(f"用户“{user.username}”已停用，不能授予角色", field="user")
    held = set(user.memberships.values_list("role", flat=True)) - {role}
    if role in ADMIN_ROLES and held:
        labels = "、".join(Role(r).label for r in sorted(held))
        raise DomainError(f"三员角色不能与其他角色兼任：用户“{user.username}”已有“{labels}”角色", field="role")
    if role not in ADMIN_ROLES and held & set(ADMIN_ROLES):
        admin = next(r for r in ADMIN_ROLES if r in held)
        raise DomainError(f"用户“{user.username}”是{Role(admin).label}，三员不能兼任其他角色", field="role")
    return add_membership(actor=actor, user=user, organization=organization, role=role)


@transaction.atomic
def register_user(
    *, actor: Any, username: str, password: str, display_name: str, organization: Organization, role: str
) -> User:
    """Create a user and give him his first role, in one step (a user without a role belongs nowhere)."""
    _check_user_admin(actor, organization)
    user = create_user(actor=actor, username=username, password=password, display_name=display_name)
    grant_role(actor=actor, user=user, organization=organization, role=role)
    return user


@transaction.atomic
def deactivate_user(*, actor: Any, user: User) -> User:
    """Disable an account: it can no longer sign in, and its open sessions end at the next request."""
    _check_user_admin(actor)
    if actor is not None:
        if user.pk == actor.pk:
            raise PermissionDenied("不能停用自己的账号。")
        _check_manages_user(actor, user, Cap.USERS_MANAGE)
    if not user.is_active:
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit.record(
        actor=actor, action="user.deactivate", obj=user, before={"is_active": True}, after={"is_active": False}
    )
    return user


@transaction.atomic
def unlock_login(*, actor: Any, username: str = "", ip: str = "") -> int:
    """A security administrator clears the failed logins of an account or an address (lifting a lockout).

    Returns how many failure records were cleared."""
    from axes.utils import reset

    username, ip = username.strip(), ip.strip()
    if not username and not ip:
        raise DomainError("请填写要解锁的用户名或IP地址", field="username")
    if actor is not None:
        if not scoping.has_cap(actor, Cap.SECURITY_MANAGE):
            raise PermissionDenied("只有安全管理员可以解锁账号。")
        target = User.objects.filter(username=username).first() if username else None
        if target is not None:
            _check_manages_user(actor, target, Cap.SECURITY_MANAGE)
    cleared = int(reset(ip=ip or None, username=username or None))
    what = "、".join(part for part in (username and f"账号“{username}”", ip and f"地址{ip}") if part)
    audit.record(
        actor=actor,
        action="security.unlock",
        after={"username": username, "ip": ip, "cleared": cleared},
        message=f"解锁{what}，清除登录失败记录{cleared}条",
    )
    return cleared
