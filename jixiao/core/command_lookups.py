"""What the commands look up from their arguments: the acting user, a region by code or
name, and projects by code within what that user may see."""

from typing import Any

from django.core.management.base import CommandError

from jixiao.core.errors import DomainError
from jixiao.orgs.models import Region, User
from jixiao.orgs.selectors import region_by_code_or_name
from jixiao.projects.models import Project
from jixiao.projects.selectors import projects_for


def user(username: str) -> User:
    try:
        return User.objects.get(username=username, is_active=True)
    except User.DoesNotExist as exc:
        raise CommandError(f"用户“{username}”不存在或已停用", returncode=2) from exc


def region(text: str) -> Region:
    try:
        return region_by_code_or_name(text)
    except DomainError as exc:
        raise CommandError(exc.message, returncode=2) from exc


def projects(actor: Any, area: Region, year: int, codes: list[str]) -> list[Project]:
    """The projects, in the order given; every code must name a project the actor may see."""
    found = {
        p.code: p
        for p in projects_for(user=actor)
        .filter(region=area, fiscal_year=year, code__in=codes)
        .select_related("owner", "region")
    }
    missing = [c for c in dict.fromkeys(codes) if c not in found]
    if missing:
        raise CommandError(
            f"{area.name}{year}年度没有这些项目，或不在您的权限范围内：{'、'.join(missing)}", returncode=2
        )
    return [found[c] for c in dict.fromkeys(codes)]
