from django.conf import settings
from django.db import models


class ImportBatch(models.Model):
    """One uploaded file on its way through the staged import: uploaded → validated → committed.

    The file itself is kept (by its SHA-256) so the preview and the commit read the very same bytes,
    and so importing the same file twice is recognised.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "已上传"
        VALIDATING = "validating", "校验中"
        INVALID = "invalid", "校验未通过"
        VALID = "valid", "校验通过，待确认"
        COMMITTING = "committing", "导入中"
        COMMITTED = "committed", "已导入"
        FAILED = "failed", "失败"

    kind = models.CharField("导入类型", max_length=30)
    filename = models.CharField("文件名", max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField("文件大小")
    stored_path = models.CharField(max_length=255)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.UPLOADED)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    total_rows = models.PositiveIntegerField("数据行数", default=0)
    processed_rows = models.PositiveIntegerField("已处理行数", default=0)
    error_count = models.PositiveIntegerField("错误数", default=0)
    errors = models.JSONField("错误（前若干条）", default=list, blank=True)
    result = models.JSONField("导入结果", default=dict, blank=True)
    # What the preview shows: sheet and header row found, ignored columns, the first rows, and the plan
    # (how many records would be created, updated or left unchanged).
    summary = models.JSONField("预览", default=dict, blank=True)
    # What the uploader stated with the file besides its kind (the fiscal year of a goal form's codes).
    options = models.JSONField("导入选项", default=dict, blank=True)
    message = models.CharField("说明", max_length=500, blank=True)
    task_id = models.CharField("后台任务", max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "导入批次"
        indexes = [models.Index(fields=["uploaded_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.filename}（{self.get_status_display()}）"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, int(self.processed_rows * 100 / self.total_rows))

    @property
    def badge(self) -> str:
        """Bootstrap colour of the status badge."""
        return {
            self.Status.INVALID: "danger",
            self.Status.FAILED: "danger",
            self.Status.VALID: "primary",
            self.Status.COMMITTED: "success",
        }.get(self.Status(self.status), "secondary")

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.UPLOADED, self.Status.VALIDATING, self.Status.COMMITTING)
