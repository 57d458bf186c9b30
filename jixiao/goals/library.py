"""The 指标库: writers, the scoped reader, usage counts and a search that understands Chinese words.

Who keeps what:
- 共性指标 are kept by the finance bureau of a region (Cap.LIBRARY_CHANGE over the region, the 绩效科);
- 个性指标 by a department for itself (Cap.LIBRARY_CHANGE over its tree; the region's 绩效科 may correct them).

Who sees what (`library_for`): everyone the 共性 entries of their region and of the regions above it,
and the 个性 entries of their own department's tree; finance staff (a REGION grant) everything kept in
their region and below.

Search segments text with jieba in search-engine mode (a long word also yields the shorter words in it,
so 「高标准农田」 is found by 「农田」) and ranks by BM25 (`jixiao.rules.textsim`), ties broken by usage.
Each entry's words are stored in `search_words` when it is saved; the word index over all entries is
built once per process and rebuilt when the library changes (its count or latest `updated_at` moves).
"""

import logging
import re
import threading
import warnings
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from jixiao.core import audit, scoping
from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.goals.models import Basis, Goal, Indicator, LibraryIndicator, Operator
from jixiao.orgs.models import Organization, Region
from jixiao.orgs.roles import Cap, Reach
from jixiao.orgs.rules_config import resolve
from jixiao.projects.models import DomainTag
from jixiao.rules.textsim import Bm25, normalise_name

with warnings.catch_warnings():  # jieba 0.42 has regex literals that Python 3.12+ warns about on compile
    warnings.simplefilter("ignore", SyntaxWarning)
    import jieba

# --- Words ----------------------------------------------------------------------------------------------

# Domain words jieba's general dictionary splits or misses; kept whole so that they rank as one word
# (search-engine mode still yields the shorter words inside them).
DOMAIN_WORDS = (
    "高标准农田",
    "满意度",
    "及时率",
    "合格率",
    "覆盖率",
    "完成率",
    "达标率",
    "知晓率",
    "使用率",
    "到位率",
    "验收合格率",
    "受益人数",
    "受益群众",
    "脱贫人口",
    "脱贫户",
    "建档立卡",
    "家庭经济困难",
    "义务教育",
    "学前教育",
    "农村饮水",
    "人居环境",
    "村集体经济",
    "公共服务",
    "三公经费",
)
# Words that say nothing about what an indicator measures.
STOP_WORDS = frozenset("的 了 和 与 及 或 等 对 在 为 是 按 其 中 之 以 由 于 把 被 年 度 项 个".split())
_KEEP = re.compile(r"[\w%]")
_tokenizer: jieba.Tokenizer | None = None
_tokenizer_lock = threading.Lock()


def _jieba() -> jieba.Tokenizer:
    """One tokenizer per process, loaded on first use without jieba's progress lines on stderr."""
    global _tokenizer
    with _tokenizer_lock:
        if _tokenizer is None:
            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            for word in DOMAIN_WORDS:
                tokenizer.add_word(word, freq=20000)
            _tokenizer = tokenizer
    return _tokenizer


def words(text: str) -> list[str]:
    """The words of a text for search and similarity: jieba's search-engine segmentation, lower case,
    without punctuation, bare numbers and stop words."""
    out = []
    for token in _jieba().cut_for_search(text):
        word = token.strip().lower()
        if word and _KEEP.search(word) and not word.isdigit() and word not in STOP_WORDS:
            out.append(word)
    return out


def entry_words(name: str, explanation: str) -> str:
    """What `search_words` stores: the name counts twice, as it says what the indicator is."""
    return " ".join(words(name) * 2 + words(explanation))


# --- Reading --------------------------------------------------------------------------------------------


def _ancestor_paths(region_path: str) -> list[str]:
    """「140000/141100/141129/」 → the paths of the province, the city and the county itself."""
    parts = region_path.strip("/").split("/")
    return ["/".join(parts[: n + 1]) + "/" for n in range(len(parts))]


def _department_path(org_path: str) -> str:
    """The path of the top organization of a tree (a unit's department: 「141129:141129-JY/」)."""
    return org_path.split("/", 1)[0] + "/"


def visible_q(user: Any) -> Q | None:
    """Which entries a user may see, as a filter; None when none at all. Anyone who may read projects
    reads the library."""
    q: Q | None = None
    for g in scoping.grants(user, Cap.PROJECT_VIEW):
        part = Q(scope=LibraryIndicator.Scope.COMMON, region__path__in=_ancestor_paths(g.region_path))
        if g.reach == Reach.REGION:
            part |= Q(region__path__startswith=g.region_path)
        else:
            part |= Q(scope=LibraryIndicator.Scope.SPECIFIC, owner__path__startswith=_department_path(g.org_path))
        q = part if q is None else q | part
    return q


def library_for(user: Any, *, include_retired: bool = False) -> QuerySet[LibraryIndicator]:
    q = visible_q(user)
    if q is None:
        return LibraryIndicator.objects.none()
    qs = LibraryIndicator.objects.filter(q).select_related("domain", "owner", "region")
    return qs if include_retired else qs.filter(is_active=True)


def library_entry(*, user: Any, pk: Any, include_retired: bool = True) -> LibraryIndicator:
    try:
        return library_for(user, include_retired=include_retired).get(pk=pk)
    except (LibraryIndicator.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("指标库指标不存在或不在您的权限范围内。") from exc


def seen_from(project: Any) -> QuerySet[LibraryIndicator]:
    """The active entries offered to a project: 共性 ones of its region and the regions above, 个性 ones
    of its department."""
    return LibraryIndicator.objects.filter(
        Q(scope=LibraryIndicator.Scope.COMMON, region__path__in=_ancestor_paths(project.region.path))
        | Q(scope=LibraryIndicator.Scope.SPECIFIC, owner_id=project.department_id),
        is_active=True,
    )


# --- Search ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _SearchIndex:
    version: tuple[Any, ...]
    bm25: Bm25


_search_cache: dict[str, _SearchIndex] = {}
SCOPE_CHUNK = 500
_search_lock = threading.Lock()


def _search_index() -> _SearchIndex:
    row = LibraryIndicator.objects.order_by().aggregate(n=Count("id"), last=Max("updated_at"), top=Max("id"))
    version = (row["n"], row["last"], row["top"])
    with _search_lock:
        cached = _search_cache.get("all")
        if cached is not None and cached.version == version:
            return cached
        rows = LibraryIndicator.objects.order_by().values_list("id", "search_words", "name", "explanation")
        docs = [(pk, (stored or entry_words(name, explanation)).split()) for pk, stored, name, explanation in rows]
        index = _SearchIndex(version, Bm25(docs))
        _search_cache["all"] = index
        return index


def _filtered(
    qs: QuerySet[LibraryIndicator],
    *,
    level1: str | None,
    level2: str | None,
    domain: DomainTag | int | str | None,
    scope: str | None,
) -> QuerySet[LibraryIndicator]:
    if level1:
        qs = qs.filter(level1=level1)
    if level2:
        qs = qs.filter(level2=level2)
    if isinstance(domain, DomainTag | int):
        qs = qs.filter(domain=domain)
    elif domain:
        qs = qs.filter(domain__name=domain)
    if scope:
        qs = qs.filter(scope=scope)
    return qs


def search_library(
    qs_or_user: Any,
    query: str,
    *,
    level1: str | None = None,
    level2: str | None = None,
    domain: DomainTag | int | str | None = None,
    scope: str | None = None,
    limit: int = 50,
) -> list[LibraryIndicator]:
    """Entries matching the words of `query`, best first (BM25, then usage count, then name).

    `qs_or_user` is a queryset of entries already scoped (for example `library_for(user)`) or a user,
    whose `library_for` is used. An empty query lists the most used entries."""
    qs = qs_or_user if isinstance(qs_or_user, QuerySet) else library_for(qs_or_user)
    qs = _filtered(qs, level1=level1, level2=level2, domain=domain, scope=scope)
    query_words = words(query)
    if not query_words:
        return list(qs.order_by("-usage_count", "name", "id")[:limit])
    scores = _search_index().bm25.scores(query_words)
    if not scores:
        return []
    # Only the best-scoring candidates are checked against the scope, a chunk at a time, until the
    # `limit`-th visible one is known (and every candidate tied with it, for the usage tie-break).
    candidates = sorted(scores, key=lambda pk: -scores[pk])
    allowed: dict[int, int] = {}
    for start in range(0, len(candidates), SCOPE_CHUNK):
        chunk = candidates[start : start + SCOPE_CHUNK]
        allowed.update(qs.filter(pk__in=chunk).order_by().values_list("id", "usage_count"))
        following = candidates[start + SCOPE_CHUNK : start + SCOPE_CHUNK + 1]
        if len(allowed) >= limit and following:
            if scores[following[0]] < sorted((scores[pk] for pk in allowed), reverse=True)[limit - 1]:
                break
    ranked = sorted(allowed, key=lambda pk: (-scores[pk], -allowed[pk], pk))[:limit]
    found = qs.in_bulk(ranked)
    return [found[pk] for pk in ranked]


def library_key_map(qs: QuerySet[LibraryIndicator]) -> dict[tuple[str, str, str], int]:
    """(level1, level2, normalised name) → entry id; the most used entry wins where several match."""
    out: dict[tuple[str, str, str], int] = {}
    rows = qs.order_by("usage_count", "-id").values_list("id", "level1", "level2", "name")
    for pk, level1, level2, name in rows:
        out[(level1, level2, normalise_name(name))] = pk
    return out


# --- Writing --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LibraryInput:
    """One entry as a person states it. `region` (共性) names whose finance bureau keeps it and
    `department` (个性) the department that keeps it; by default the actor's own. On an update both
    are ignored: an entry stays with its keeper."""

    scope: str
    level1: str
    level2: str
    name: str
    operator: str
    unit: str = ""
    typical_target: str = ""
    explanation: str = ""
    scoring_rule: str = ""
    basis: str = ""
    domain: DomainTag | None = None
    region: Region | None = None
    department: Organization | None = None


EDITABLE = [
    "level1",
    "level2",
    "name",
    "operator",
    "unit",
    "typical_target",
    "explanation",
    "scoring_rule",
    "basis",
    "domain",
]
AUDITED = ["scope", "owner", "region", *EDITABLE, "usage_count", "is_active"]
_LENGTHS = {
    f.name: f.max_length for f in LibraryIndicator._meta.concrete_fields if f.name in ("name", "unit", "typical_target")
}


def _may_change(actor: Any, entry: LibraryIndicator) -> bool:
    if entry.scope == LibraryIndicator.Scope.COMMON:
        return scoping.reaches_region(actor, Cap.LIBRARY_CHANGE, entry.region.path)
    return scoping.reaches(
        actor, Cap.LIBRARY_CHANGE, owner_path=entry.owner.path, owner_id=entry.owner_id, region_path=entry.region.path
    )


def _require_change(actor: Any, entry: LibraryIndicator) -> None:
    if _may_change(actor, entry):
        return
    if entry.pk and library_for(actor, include_retired=True).filter(pk=entry.pk).exists():
        raise PermissionDenied("您没有维护该指标的权限。")
    raise NotFound("指标库指标不存在或不在您的权限范围内。")


def _actor_region(actor: Any) -> Region:
    paths = {g.region_path for g in scoping.grants(actor, Cap.LIBRARY_CHANGE) if g.reach == Reach.REGION}
    if len(paths) != 1:
        if not paths:
            raise PermissionDenied("共性指标由财政部门绩效管理人员维护，您没有维护共性指标的权限。")
        raise DomainError("您在多个区划任职，请指定共性指标所属的区划", field="region")
    return Region.objects.get(path=paths.pop())


def _actor_department(actor: Any) -> Organization:
    ids = {g.org_id for g in scoping.grants(actor, Cap.LIBRARY_CHANGE) if g.reach == Reach.TREE}
    if len(ids) != 1:
        if not ids:
            raise PermissionDenied("个性指标由主管部门维护，您没有维护个性指标的权限。")
        raise DomainError("您在多个部门任职，请指定个性指标所属的部门", field="department")
    return Organization.objects.select_related("region").get(pk=ids.pop())


def _new_entry(actor: Any, data: LibraryInput) -> LibraryIndicator:
    """An unsaved entry placed with its keeper, once the actor is known to be allowed to keep it."""
    if data.scope == LibraryIndicator.Scope.COMMON:
        region = data.region or _actor_region(actor)
        if not scoping.reaches_region(actor, Cap.LIBRARY_CHANGE, region.path):
            raise PermissionDenied(f"您没有维护{region.name}共性指标的权限。")
        bureau = Organization.objects.filter(region=region, kind=Organization.Kind.FINANCE_BUREAU).first()
        if bureau is None:
            raise DomainError(f"{region.name}没有财政部门，不能设立共性指标", field="region")
        return LibraryIndicator(scope=data.scope, owner=bureau, region=region)
    if data.scope == LibraryIndicator.Scope.SPECIFIC:
        department = data.department or _actor_department(actor)
        if department.kind != Organization.Kind.DEPARTMENT:
            raise DomainError(f"“{department.name}”不是主管部门，个性指标由主管部门维护", field="department")
        entry = LibraryIndicator(scope=data.scope, owner=department, region=department.region)
        _require_change(actor, entry)
        return entry
    raise DomainError("指标类别须为共性指标或个性指标", field="scope")


def _validate(entry: LibraryIndicator, data: LibraryInput) -> None:
    for name, label in (("level1", "一级指标"), ("level2", "二级指标"), ("name", "三级指标")):
        if not str(getattr(data, name)).strip():
            raise DomainError(f"{label}不能为空", field=name)
    for name, length in _LENGTHS.items():
        if length and len(getattr(data, name)) > length:
            raise DomainError(f"“{name}”超过{length}个字", field=name)
    tree = resolve("goals.indicator_tree", entry.region, timezone.localdate().year).value
    if data.level1 not in tree:
        raise DomainError(f"一级指标“{data.level1}”不在本区划的指标体系中（{'、'.join(tree)}）", field="level1")
    if data.level2 not in tree[data.level1]:
        raise DomainError(f"二级指标“{data.level2}”不属于“{data.level1}”", field="level2")
    if data.operator not in Operator.values:
        raise DomainError(f"指标性质须为 {'、'.join(Operator.values)} 之一", field="operator")
    if data.basis and data.basis not in Basis.values:
        raise DomainError(f"指标值设定依据须为 {'、'.join(Basis.values)} 之一", field="basis")
    twin = LibraryIndicator.objects.filter(
        owner=entry.owner, level1=data.level1, level2=data.level2, name=data.name.strip(), unit=data.unit.strip()
    ).exclude(pk=entry.pk)
    if twin.exists():
        raise DomainError(f"{entry.owner.name}的指标库中已有“{data.name}”（{data.unit or '无单位'}）", field="name")


@transaction.atomic
def save_entry(*, actor: Any, data: LibraryInput, entry: LibraryIndicator | None = None) -> LibraryIndicator:
    """Add an entry (entry=None) or change one. Audited as library.save."""
    if entry is None:
        entry = _new_entry(actor, data)
        before = None
    else:
        _require_change(actor, entry)
        if data.scope != entry.scope:
            raise DomainError("不能改变指标的类别（共性/个性），请停用后另行新增", field="scope")
        before = audit.snapshot(entry, AUDITED)
    _validate(entry, data)
    for name in EDITABLE:
        value = getattr(data, name)
        setattr(entry, name, value.strip() if isinstance(value, str) else value)
    entry.search_words = entry_words(entry.name, entry.explanation)
    entry.save()
    old, new = audit.diff(before, audit.snapshot(entry, AUDITED))
    audit.record(actor=actor, action="library.save", obj=entry, before=old, after=new, region_path=entry.region.path)
    return entry


@transaction.atomic
def retire_entry(*, actor: Any, entry: LibraryIndicator) -> LibraryIndicator:
    """Stop offering an entry; goals that used it keep their indicators. Audited as library.retire."""
    _require_change(actor, entry)
    if not entry.is_active:
        return entry
    entry.is_active = False
    entry.save(update_fields=["is_active", "updated_at"])
    audit.record(
        actor=actor,
        action="library.retire",
        obj=entry,
        before={"is_active": True},
        after={"is_active": False},
        region_path=entry.region.path,
    )
    return entry


# --- Usage counts ---------------------------------------------------------------------------------------

COUNTED = (Goal.Status.DRAFT, Goal.Status.IN_REVIEW, Goal.Status.RETURNED, Goal.Status.PASSED, Goal.Status.APPROVED)


def refresh_usage_counts(region: Region | None = None) -> int:
    """Recount how many indicators of current goals (superseded and rejected versions aside) use each entry
    in `region` and below (every entry when None); returns how many counts changed.

    An indicator linked to an entry counts for that entry; an unlinked one counts for every entry with
    the same 一级, 二级 and (normalised) 三级 name within the entry's reach: a 共性 entry's region and the
    regions below it, a 个性 entry's department. Two grouped reads and one bulk update, whatever the size.
    """
    entries = LibraryIndicator.objects.select_related("region")
    if region is not None:
        entries = entries.filter(region__path__startswith=region.path)
    indicators = Indicator.objects.filter(goal__status__in=COUNTED)
    if region is not None:
        # Indicators below the region are the only ones its entries and those of the regions under it reach.
        indicators = indicators.filter(goal__project__region__path__startswith=region.path)
    linked = dict(
        indicators.filter(library_entry__isnull=False)
        .order_by()
        .values_list("library_entry_id")
        .annotate(n=Count("id"))
        .values_list("library_entry_id", "n")
    )
    unlinked: dict[tuple[str, str, str], list[tuple[str, int, int]]] = {}
    rows = (
        indicators.filter(library_entry__isnull=True)
        .order_by()
        .values_list("level1", "level2", "name", "goal__project__region__path", "goal__project__department_id")
        .annotate(n=Count("id"))
    )
    for level1, level2, name, region_path, department_id, n in rows:
        unlinked.setdefault((level1, level2, normalise_name(name)), []).append((region_path, department_id, n))
    changed = []
    for entry in entries:
        count = linked.get(entry.pk, 0)
        for region_path, department_id, n in unlinked.get((entry.level1, entry.level2, normalise_name(entry.name)), []):
            if entry.scope == LibraryIndicator.Scope.COMMON:
                count += n if region_path.startswith(entry.region.path) else 0
            else:
                count += n if department_id == entry.owner_id else 0
        if count != entry.usage_count:
            entry.usage_count = count
            changed.append(entry)
    LibraryIndicator.objects.bulk_update(changed, ["usage_count"], batch_size=500)
    return len(changed)
