"""Indicators that similar projects used, ranked for a project being declared.

How a suggestion is found:
1. Similar projects: TF-IDF cosine over the words of name (twice) and 项目概述 (`jixiao.rules.textsim`),
   raised for the same 项目类别 and shared 领域 tags, lowered for projects outside the project's region
   tree and for goals not yet passed. Only projects with a goal count: the version in force (审核通过 or
   已批复) where there is one, else the open one; rejected and superseded versions never.
2. Their indicators are grouped by (一级, 二级, normalised 三级 name): a group's score is the sum of the
   similarities of the projects that use it, so an indicator that several close projects share comes first.
   Each suggestion carries the usual operator and unit (the most frequent), the range of numeric targets,
   how many similar projects use it, an example project and the matching 指标库 entry, if any.
3. When similar projects are few, entries of the 指标库 whose words match the project's name follow.

With a user, only projects the user may read are looked at (`scoping.reaches` on each candidate, the same
rule as the project list) and only library entries the user sees are offered.

The index over all projects with goals is built once per process and rebuilt when goals, indicators or
projects change (counts and latest timestamps); a recommendation is then a few milliseconds.
`evaluate` measures the quality on held-out projects (`jixiao recommend_eval`).
"""

import random
import statistics
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, QuerySet

from jixiao.core import scoping
from jixiao.goals.library import library_key_map, search_library, seen_from, visible_q, words
from jixiao.goals.models import Goal, Indicator, LibraryIndicator
from jixiao.orgs.roles import Cap
from jixiao.projects.models import Project
from jixiao.rules.textsim import TfIdfCosine, normalise_name

Key = tuple[str, str, str]
IN_FORCE = (Goal.Status.PASSED, Goal.Status.APPROVED)
OPEN = tuple(Goal.OPEN)
# How much a neighbour counts: a goal that passed review more than one still in the works; a project in
# another region's tree less than one in the same; the same category and shared 领域 tags more.
OPEN_GOAL_WEIGHT = 0.6
OTHER_REGION_WEIGHT = 0.7
SAME_CATEGORY_BOOST = 0.2
SHARED_TAGS_BOOST = 0.5
MIN_SIMILARITY = 0.05
NEIGHBOURS = 30
FEW_NEIGHBOURS = 3


@dataclass(frozen=True)
class Suggestion:
    level1: str
    level2: str
    name: str
    operator: str
    unit: str
    target_min: Decimal | None
    target_median: Decimal | None
    target_max: Decimal | None
    # The target as the example project wrote it (or the library's 参考指标值): what a click fills in.
    example_target: str
    projects: int  # similar projects that use it
    score: float
    library_entry_id: int | None
    example_project_id: int | None
    example_project_name: str
    source: str  # "similar": used by similar projects; "library": from the 指标库 by its words

    @property
    def key(self) -> Key:
        return (self.level1, self.level2, normalise_name(self.name))


@dataclass(frozen=True)
class _Used:
    """One indicator as a project used it."""

    key: Key
    level1: str
    level2: str
    name: str
    operator: str
    unit: str
    target_value: Decimal | None
    target_text: str


@dataclass(frozen=True)
class ProjectDoc:
    """What the recommender knows of a project: its words and tags, where it sits, and its indicators."""

    id: int
    name: str
    category: str
    tags: frozenset[int]
    region_path: str
    owner_path: str
    owner_id: int
    fiscal_year: int
    words: tuple[str, ...]
    weight: float = 1.0
    indicators: tuple[_Used, ...] = field(default=())

    @property
    def keys(self) -> set[Key]:
        return {u.key for u in self.indicators}


# Words nearly every project name has, which would make unrelated projects look alike.
PROJECT_STOP_WORDS = frozenset({"项目", "专项", "资金", "经费", "年度"})


def _project_words(name: str, description: str) -> tuple[str, ...]:
    return tuple(w for w in words(name) * 2 + words(description) if w not in PROJECT_STOP_WORDS)


class RecommendIndex:
    def __init__(self, docs: Iterable[ProjectDoc], version: tuple[Any, ...] = ()) -> None:
        self.version = version
        self.docs = {d.id: d for d in docs}
        self.text = TfIdfCosine((d.id, d.words) for d in self.docs.values())
        usage: Counter[Key] = Counter()
        for d in self.docs.values():
            usage.update(d.keys)
        self.usage = usage

    def popular(self, n: int) -> list[Key]:
        """The indicators most projects use: the baseline a recommendation has to beat."""
        return [key for key, _ in sorted(self.usage.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def load_docs() -> list[ProjectDoc]:
    """Every project with a current goal, with that goal's indicators. Five reads, whatever the size."""
    chosen: dict[int, tuple[int, float]] = {}  # project → (goal, weight)
    for goal_id, project_id, status in Goal.objects.filter(status__in=IN_FORCE + OPEN).values_list(
        "id", "project_id", "status"
    ):
        weight = 1.0 if status in IN_FORCE else OPEN_GOAL_WEIGHT
        if project_id not in chosen or weight > chosen[project_id][1]:
            chosen[project_id] = (goal_id, weight)
    goal_of = {goal_id: project_id for project_id, (goal_id, _) in chosen.items()}
    used: dict[int, list[_Used]] = {}
    rows = Indicator.objects.filter(goal__status__in=IN_FORCE + OPEN).values_list(
        "goal_id", "level1", "level2", "name", "operator", "unit", "target_value", "target_text"
    )
    for goal_id, level1, level2, name, operator, unit, value, text in rows.order_by("goal_id", "position", "id"):
        if goal_id in goal_of:
            key = (level1, level2, normalise_name(name))
            used.setdefault(goal_of[goal_id], []).append(_Used(key, level1, level2, name, operator, unit, value, text))
    tags: dict[int, set[int]] = {}
    for project_id, tag_id in Project.domain_tags.through.objects.values_list("project_id", "domaintag_id"):
        tags.setdefault(project_id, set()).add(tag_id)
    projects = (
        Project.objects.filter(goals__status__in=IN_FORCE + OPEN)
        .distinct()
        .values_list("id", "name", "description", "category", "region__path", "owner__path", "owner_id", "fiscal_year")
    )
    return [
        ProjectDoc(
            id=pk,
            name=name,
            category=category,
            tags=frozenset(tags.get(pk, ())),
            region_path=region_path,
            owner_path=owner_path,
            owner_id=owner_id,
            fiscal_year=year,
            words=_project_words(name, description),
            weight=chosen[pk][1],
            indicators=tuple(used.get(pk, ())),
        )
        for pk, name, description, category, region_path, owner_path, owner_id, year in projects
        if pk in used
    ]


def _data_version() -> tuple[Any, ...]:
    goals = Goal.objects.order_by().aggregate(n=Count("id"), last=Max("updated_at"))
    indicators = Indicator.objects.order_by().aggregate(n=Count("id"), top=Max("id"))
    projects = Project.objects.order_by().aggregate(last=Max("updated_at"))
    return (goals["n"], goals["last"], indicators["n"], indicators["top"], projects["last"])


_cache: dict[str, RecommendIndex] = {}
_cache_lock = threading.Lock()


def current_index() -> RecommendIndex:
    version = _data_version()
    with _cache_lock:
        index = _cache.get("all")
        if index is None or index.version != version:
            index = _cache["all"] = RecommendIndex(load_docs(), version)
        return index


def doc_for(project: Project) -> ProjectDoc:
    """The project being declared, as the recommender sees it (its own indicators do not matter)."""
    return ProjectDoc(
        id=project.pk,
        name=project.name,
        category=project.category,
        tags=frozenset(project.domain_tags.values_list("pk", flat=True)),
        region_path=project.region.path,
        owner_path=project.owner.path,
        owner_id=project.owner_id,
        fiscal_year=project.fiscal_year,
        words=_project_words(project.name, project.description),
    )


def neighbours(index: RecommendIndex, doc: ProjectDoc, *, user: Any = None) -> list[tuple[ProjectDoc, float]]:
    """The most similar projects (not `doc` itself), best first, with their similarity."""
    found = []
    for pk, cosine in index.text.similar(doc.words).items():
        other = index.docs[pk]
        if pk == doc.id:
            continue
        if user is not None and not scoping.reaches(
            user, Cap.PROJECT_VIEW, owner_path=other.owner_path, owner_id=other.owner_id, region_path=other.region_path
        ):
            continue
        score = cosine * other.weight
        if other.category == doc.category:
            score *= 1 + SAME_CATEGORY_BOOST
        if doc.tags and other.tags:
            score *= 1 + SHARED_TAGS_BOOST * len(doc.tags & other.tags) / len(doc.tags | other.tags)
        same_tree = other.region_path.startswith(doc.region_path) or doc.region_path.startswith(other.region_path)
        if not same_tree:
            score *= OTHER_REGION_WEIGHT
        if score >= MIN_SIMILARITY:
            found.append((other, score))
    found.sort(key=lambda pair: (-pair[1], pair[0].id))
    return found[:NEIGHBOURS]


def _median(values: Sequence[Decimal]) -> Decimal | None:
    return statistics.median_low(values) if values else None


def from_neighbours(near: list[tuple[ProjectDoc, float]], library: dict[Key, int]) -> list[Suggestion]:
    score: dict[Key, float] = {}
    uses: dict[Key, list[tuple[ProjectDoc, _Used]]] = {}
    for other, similarity in near:
        seen: set[Key] = set()
        for u in other.indicators:
            if u.key in seen:
                continue
            seen.add(u.key)
            score[u.key] = score.get(u.key, 0.0) + similarity
            uses.setdefault(u.key, []).append((other, u))
    out = []
    for key, items in uses.items():
        example_project, example = items[0]  # the most similar project using it
        values = sorted(u.target_value for _, u in items if u.target_value is not None)
        out.append(
            Suggestion(
                level1=example.level1,
                level2=example.level2,
                name=example.name,
                operator=Counter(u.operator for _, u in items).most_common(1)[0][0],
                unit=Counter(u.unit for _, u in items).most_common(1)[0][0],
                target_min=values[0] if values else None,
                target_median=_median(values),
                target_max=values[-1] if values else None,
                example_target=example.target_text,
                projects=len(items),
                score=round(score[key], 6),
                library_entry_id=library.get(key),
                example_project_id=example_project.id,
                example_project_name=example_project.name,
                source="similar",
            )
        )
    # Ties keep the order met: by the most similar project first, then by its indicators' order.
    out.sort(key=lambda s: (-s.score, -s.projects))
    return out


def from_library(entries: list[LibraryIndicator]) -> list[Suggestion]:
    return [
        Suggestion(
            level1=e.level1,
            level2=e.level2,
            name=e.name,
            operator=e.operator,
            unit=e.unit,
            target_min=None,
            target_median=None,
            target_max=None,
            example_target=e.typical_target,
            projects=0,
            score=0.0,
            library_entry_id=e.pk,
            example_project_id=None,
            example_project_name="",
            source="library",
        )
        for e in entries
    ]


def _library_for_project(project: Project, user: Any) -> QuerySet[LibraryIndicator]:
    qs = seen_from(project)
    if user is None:
        return qs
    q = visible_q(user)
    return qs.filter(q) if q is not None else qs.none()


def recommend(project: Project, *, user: Any = None, limit: int = 10, exclude_project: bool = True) -> list[Suggestion]:
    """Indicators for `project`, best first; with `user`, drawn only from what that user may see."""
    doc = doc_for(project)
    if not exclude_project:
        doc = ProjectDoc(**{**doc.__dict__, "id": -1})
    near = neighbours(current_index(), doc, user=user)
    library = _library_for_project(project, user)
    out = from_neighbours(near, library_key_map(library))[:limit]
    if len(near) < FEW_NEIGHBOURS or len(out) < limit:
        have = {s.key for s in out}
        entries = search_library(library, project.name, limit=limit * 2)
        out += [s for s in from_library(entries) if s.key not in have][: limit - len(out)]
    return out


# --- Quality --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    hit_rate: float  # share of projects with at least one of the top k among their indicators
    precision: float
    recall: float


@dataclass(frozen=True)
class EvalReport:
    projects: int  # projects with goals in the region and year
    held_out: int
    k: int
    recommended: Scores
    baseline: Scores  # the k indicators most projects use, for every project
    no_suggestion: int  # held-out projects for which nothing similar was found
    # The same measures without the k most used indicators (which nearly every project has, so that a
    # hit on them says little): over the held-out projects that have some other indicator, with the
    # next k most used as the baseline.
    distinctive_projects: int
    distinctive: Scores
    distinctive_baseline: Scores


def _scores(pairs: list[tuple[list[Key], set[Key]]], k: int) -> Scores:
    if not pairs:
        return Scores(0.0, 0.0, 0.0)
    hits = [len(set(top[:k]) & actual) for top, actual in pairs]
    return Scores(
        hit_rate=sum(1 for h in hits if h) / len(pairs),
        precision=sum(h / k for h in hits) / len(pairs),
        recall=sum(h / len(actual) for h, (_, actual) in zip(hits, pairs, strict=True)) / len(pairs),
    )


def evaluate(
    *, region_path: str = "", year: int | None = None, holdout: float = 0.2, seed: int = 1, k: int = 5
) -> EvalReport:
    """Hold out a deterministic sample of the projects with goals (in the region and year), index the
    rest, recommend k indicators for each held-out project from its name, description, category and tags
    alone, and compare with the indicators it actually has, by (一级, 二级, normalised 三级 name)."""
    docs = load_docs()
    pool = sorted(
        d.id for d in docs if d.region_path.startswith(region_path) and (year is None or d.fiscal_year == year)
    )
    size = min(len(pool), max(1, round(len(pool) * holdout))) if pool else 0
    held = set(random.Random(seed).sample(pool, size))
    index = RecommendIndex(d for d in docs if d.id not in held)
    baseline = index.popular(k)
    common = set(baseline)
    next_baseline = [key for key in index.popular(2 * k) if key not in common]
    ours: list[tuple[list[Key], set[Key]]] = []
    base: list[tuple[list[Key], set[Key]]] = []
    ours_rare: list[tuple[list[Key], set[Key]]] = []
    base_rare: list[tuple[list[Key], set[Key]]] = []
    empty = 0
    for doc in (d for d in docs if d.id in held):
        ranked = [s.key for s in from_neighbours(neighbours(index, doc), {})]
        empty += not ranked
        ours.append((ranked[:k], doc.keys))
        base.append((baseline, doc.keys))
        rare = doc.keys - common
        if rare:
            ours_rare.append(([key for key in ranked if key not in common][:k], rare))
            base_rare.append((next_baseline, rare))
    return EvalReport(
        projects=len(pool),
        held_out=len(held),
        k=k,
        recommended=_scores(ours, k),
        baseline=_scores(base, k),
        no_suggestion=empty,
        distinctive_projects=len(ours_rare),
        distinctive=_scores(ours_rare, k),
        distinctive_baseline=_scores(base_rare, k),
    )
