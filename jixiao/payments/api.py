"""REST API of payment data: the imported files (read only). Files are uploaded through /api/imports/
with kind=payments (whole year of the uploader's region); larger files through `jixiao import_payments`."""

from rest_framework import mixins, serializers

from jixiao.api.base import ScopedViewSet
from jixiao.payments import selectors
from jixiao.payments.models import PaymentBatch


class PaymentBatchOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    region_name = serializers.CharField(source="region.name")
    period_label = serializers.CharField(help_text="全年，或 1月…12月")

    class Meta:
        model = PaymentBatch
        fields = [
            "id", "region", "region_name", "fiscal_year", "period", "period_label", "filename", "sha256", "unit",
            "rows", "amount", "projects", "replaced", "superseded_by", "imported_at",
        ]  # fmt: skip
        read_only_fields = fields


class PaymentBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """支付数据批次: the files imported for the regions the user imports payments of."""

    selector = staticmethod(selectors.batches_for)
    serializer_class = PaymentBatchOutput
    filterset_fields = ["fiscal_year", "period"]
