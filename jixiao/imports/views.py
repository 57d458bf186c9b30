"""Pages of the staged import: list of batches, upload, batch detail (progress, preview, errors,
result), commit, the template workbook and the error list."""

import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.core import scoping
from jixiao.core.errors import DomainError
from jixiao.core.http import domain_errors
from jixiao.imports import selectors, services, workbooks
from jixiao.imports.files import human_size
from jixiao.imports.forms import UploadForm
from jixiao.imports.registry import all_importers, get_importer

SHOWN_ERRORS = 100


def _importers(request: HttpRequest) -> list:  # type: ignore[type-arg]
    return [i for i in all_importers() if scoping.has_cap(request.user, i.cap)]


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.batches_for(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "imports/list.html", {"page": page, "importers": _importers(request)})


@login_required
@domain_errors
def upload(request: HttpRequest) -> HttpResponse:
    importers = _importers(request)
    if not importers:
        raise DjangoPermissionDenied("您没有导入数据的权限。")
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        try:
            batch = services.upload(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                filename=file.name,
                file=file,
                size=file.size,
                options={"year": form.cleaned_data["year"]},
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in ("file", "year") else None, exc.message)
        else:
            return redirect("imports:detail", pk=batch.pk)
    context = {
        "form": form,
        "importers": importers,
        "max_size": human_size(settings.JIXIAO_IMPORT_MAX_UPLOAD_BYTES),
    }
    return render(request, "imports/upload.html", context)


@login_required
@domain_errors
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_detail(user=request.user, pk=pk)
    context = {
        "batch": batch,
        "importer": get_importer(batch.kind),
        "errors": batch.errors[:SHOWN_ERRORS],
        "shown_errors": SHOWN_ERRORS,
        "previous": selectors.previous_commit(user=request.user, batch=batch),
    }
    template = "imports/_batch.html" if getattr(request, "htmx", False) else "imports/detail.html"
    return render(request, template, context)


@login_required
@require_POST
@domain_errors
def batch_commit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_detail(user=request.user, pk=pk)
    try:
        batch = services.commit(actor=request.user, batch=batch)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if batch.status == batch.Status.COMMITTED:
            messages.success(request, batch.message)
        elif batch.status == batch.Status.COMMITTING:
            messages.info(request, "已开始导入，本页会自动刷新进度")
        else:
            messages.error(request, batch.message)
    return redirect("imports:detail", pk=pk)


@login_required
@domain_errors
def template(request: HttpRequest) -> HttpResponse:
    importer = get_importer(request.GET.get("kind", "projects"))
    if not scoping.has_cap(request.user, importer.cap):
        raise DjangoPermissionDenied("您没有导入该类数据的权限。")
    tmp = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 (closed by FileResponse)
    workbooks.write_template(tmp.name, importer)
    tmp.seek(0)
    return FileResponse(tmp, as_attachment=True, filename=f"{importer.label}导入模板.xlsx")  # type: ignore[return-value]


@login_required
@domain_errors
def batch_errors(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_detail(user=request.user, pk=pk)
    tmp = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 (closed by FileResponse)
    workbooks.write_errors(tmp.name, batch)
    tmp.seek(0)
    return FileResponse(tmp, as_attachment=True, filename=f"导入错误清单-{batch.pk}.xlsx")  # type: ignore[return-value]
