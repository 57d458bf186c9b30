"""Readers for import batches: a user sees the batches they uploaded."""

from typing import Any

from django.db.models import QuerySet

from jixiao.core.errors import NotFound
from jixiao.imports.models import ImportBatch


def batches_for(*, user: Any) -> QuerySet[ImportBatch]:
    if user is None or not getattr(user, "is_authenticated", False):
        return ImportBatch.objects.none()
    return ImportBatch.objects.filter(uploaded_by_id=user.pk).select_related("uploaded_by")


def batch_detail(*, user: Any, pk: Any) -> ImportBatch:
    try:
        return batches_for(user=user).get(pk=pk)
    except (ImportBatch.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("导入批次不存在或不是您上传的。") from exc


def previous_commit(*, user: Any, batch: ImportBatch) -> ImportBatch | None:
    """An earlier committed batch of the very same file (same SHA-256), if the user has one."""
    qs = (
        batches_for(user=user)
        .filter(kind=batch.kind, sha256=batch.sha256, status=ImportBatch.Status.COMMITTED)
        .exclude(pk=batch.pk)
    )
    if batch.status == ImportBatch.Status.COMMITTED and batch.finished_at is not None:
        qs = qs.filter(finished_at__lt=batch.finished_at)
    return qs.order_by("-finished_at", "-id").first()
