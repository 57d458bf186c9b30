"""The 指标库 pages: word search with filters and usage counts; adding, changing and retiring entries
for those who keep the library (Cap.LIBRARY_CHANGE)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.core import scoping
from jixiao.core.errors import DomainError
from jixiao.core.http import add_domain_error, domain_errors, require_cap
from jixiao.goals import library
from jixiao.goals.forms import LibraryForm, LibrarySearchForm
from jixiao.goals.models import LibraryIndicator
from jixiao.orgs.roles import Cap
from jixiao.rules.config import DEFINITIONS

PAGE_SIZE = 50
SEARCH_LIMIT = 1000  # word search ranks at most this many; filters narrow further


def _tree() -> dict[str, list[str]]:
    """The national tree (entries of every region are listed together)."""
    tree: dict[str, list[str]] = DEFINITIONS["goals.indicator_tree"].default
    return tree


@login_required
@require_cap(Cap.PROJECT_VIEW)
def library_list(request: HttpRequest) -> HttpResponse:
    form = LibrarySearchForm(request.GET, tree=_tree())
    entries: list[LibraryIndicator] = []
    if form.is_valid():
        d = form.cleaned_data
        qs = library.library_for(request.user, include_retired=d["retired"]).select_related("owner", "region", "domain")
        entries = library.search_library(
            qs, d["q"], level1=d["level1"] or None, domain=d["domain"], scope=d["scope"] or None, limit=SEARCH_LIMIT
        )
    return render(
        request,
        "goals/library.html",
        {
            "form": form,
            "page": Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page")),
            "total": len(entries),
            "may_change": scoping.has_cap(request.user, Cap.LIBRARY_CHANGE),
        },
    )


def _form_page(request: HttpRequest, entry: LibraryIndicator | None) -> HttpResponse:
    initial = LibraryForm.initial_from(entry) if entry else {"scope": LibraryIndicator.Scope.SPECIFIC}
    form = LibraryForm(request.POST or None, initial=initial, tree=_tree())
    if request.method == "POST" and form.is_valid():
        try:
            saved = library.save_entry(actor=request.user, data=form.to_input(), entry=entry)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已保存指标“{saved.name}”")
            return redirect("goals:library")
    return render(request, "goals/library_form.html", {"form": form, "entry": entry, "tree": _tree()})


@login_required
@require_cap(Cap.LIBRARY_CHANGE)
@domain_errors
def library_create(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@login_required
@require_cap(Cap.LIBRARY_CHANGE)
@domain_errors
def library_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_page(request, library.library_entry(user=request.user, pk=pk))


@login_required
@require_POST
@require_cap(Cap.LIBRARY_CHANGE)
@domain_errors
def library_retire(request: HttpRequest, pk: int) -> HttpResponse:
    entry = library.retire_entry(actor=request.user, entry=library.library_entry(user=request.user, pk=pk))
    messages.success(request, f"已停用指标“{entry.name}”：不再推荐，已使用它的目标不受影响")
    return redirect("goals:library")
