"""REST API of the staged import: upload a file (multipart), read a batch, commit it."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from jixiao.api.base import ScopedViewSet
from jixiao.imports import selectors, services
from jixiao.imports.models import ImportBatch
from jixiao.imports.registry import IMPORTERS

SHOWN_ERRORS = 100


class ImportBatchOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    status_display = serializers.CharField(source="get_status_display")
    errors = serializers.SerializerMethodField(  # type: ignore[assignment]
        help_text=f"前{SHOWN_ERRORS}处错误：sheet/row/column/header/message"
    )
    previously_committed = serializers.SerializerMethodField(
        help_text="同一文件（SHA-256 相同）此前已导入的批次编号；没有则为 null"
    )

    class Meta:
        model = ImportBatch
        fields = [
            "id", "kind", "filename", "sha256", "size", "status", "status_display", "created_at", "finished_at",
            "total_rows", "processed_rows", "error_count", "errors", "summary", "result", "message", "options",
            "previously_committed",
        ]  # fmt: skip
        read_only_fields = fields

    def get_errors(self, batch: ImportBatch) -> list[dict[str, Any]]:
        return list(batch.errors[:SHOWN_ERRORS])

    def get_previously_committed(self, batch: ImportBatch) -> int | None:
        previous = selectors.previous_commit(user=self.context["request"].user, batch=batch)
        return previous.pk if previous else None


class UploadInput(serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.ChoiceField(choices=list(IMPORTERS), default="projects")
    file = serializers.FileField()
    year = serializers.IntegerField(
        required=False,
        min_value=2000,
        max_value=2100,
        help_text="绩效目标申报表（kind=goals）须填：项目编码所属的预算年度",
    )


class ImportBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """导入批次: the user's own uploads. Upload validates at once (large files in the background: poll
    the batch until `status` is no longer uploaded/validating/committing), then POST commit."""

    selector = staticmethod(selectors.batches_for)
    serializer_class = ImportBatchOutput
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_fields = ["kind", "status"]

    @extend_schema(request={"multipart/form-data": UploadInput}, responses={201: ImportBatchOutput})
    def create(self, request: Request) -> Response:
        payload = UploadInput(data=request.data)
        payload.is_valid(raise_exception=True)
        file = payload.validated_data["file"]
        batch = services.upload(
            actor=request.user,
            kind=payload.validated_data["kind"],
            filename=file.name,
            file=file,
            size=file.size,
            options={"year": payload.validated_data.get("year")},
        )
        return Response(self.get_serializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ImportBatchOutput})
    @action(detail=True, methods=["post"])
    def commit(self, request: Request, pk: str | None = None) -> Response:
        batch = self.get_object()
        assert isinstance(batch, ImportBatch)
        batch = services.commit(actor=request.user, batch=batch)
        return Response(self.get_serializer(batch).data)
