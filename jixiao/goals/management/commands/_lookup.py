"""What the goal workflow commands look up from their arguments: the acting user, a region by code or
name, and projects by code within what that user may see."""

from typing import Any

from django.core.management.base import CommandError
from django.db.models import Q

from jixiao.orgs.models import Region, User
from jixiao.projects.models import Project
from jixiao.projects.selectors import projects_for


def user(username: str) -> User:
    try:
        return User.objects.get(username=username, is_active=True)
    except User.DoesNotExist as exc:
        raise CommandError(f"用户“{username}”不存在或已停用", returncode=2) from exc


def region(text: str) -> Region:
    found = list(Region.objects.filter(Q(code=text) | Q(name=text))[:2])
    if not found:
        raise CommandError(f"区划“{text}”不存在（可写区划代码或名称）", returncode=2)
    if len(found) > 1:
        raise CommandError(f"名为“{text}”的区划不止一个，请写区划代码", returncode=2)
    return found[0]


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
