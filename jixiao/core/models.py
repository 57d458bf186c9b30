from django.conf import settings
from django.db import models

# Where an action came from (`jixiao.core.context.ActionContext.channel`), as the audit page names it.
CHANNELS = {"web": "网页", "api": "接口", "cli": "命令行", "task": "后台任务"}

# What each action code means to the people who read the log; an unknown code shows as itself.
ACTIONS = {
    "auth.login": "登录",
    "auth.logout": "退出登录",
    "auth.login_failed": "登录失败",
    "region.create": "新建区划",
    "organization.create": "新建机构",
    "user.create": "新建用户",
    "user.deactivate": "停用用户",
    "membership.add": "授予角色",
    "security.unlock": "解除锁定",
    "rule.set": "修改规则",
    "audit.export": "导出审计日志",
    "project.create": "新建项目",
    "project.update": "修改项目",
    "project.export": "导出项目库",
    "project.import": "导入项目",
    "project.demo": "加载演示项目",
    "project.submit": "申报项目",
    "project.return_to_unit": "退回项目",
    "project.admit": "项目入库",
    "project.approve_budget": "批复预算",
    "project.start": "项目开始执行",
    "project.complete": "项目完结",
    "project.cancel": "取消项目",
    "goal.save": "保存绩效目标",
    "goal.submit": "提交绩效目标",
    "goal.review": "审核绩效目标",
    "goal.withdraw": "撤回绩效目标",
    "goal.adjust": "申请调整绩效目标",
    "goal.approve": "批复绩效目标",
    "goal.import": "导入绩效目标",
    "goal.export": "导出绩效目标",
    "goal.demo": "加载演示绩效目标",
    "library.save": "保存指标库指标",
    "library.retire": "停用指标库指标",
    "appraisal.create": "发起事前绩效评估",
    "appraisal.score": "事前绩效评估评分",
    "appraisal.submit": "提交事前绩效评估",
    "appraisal.conclude": "事前绩效评估出具结论",
    "appraisal.override": "专家组改变评估结论",
    "appraisal.resubmit": "调整完善后重新报送",
    "appraisal.attach": "上传事前评估附件",
    "appraisal.import": "导入事前绩效评估",
    "appraisal.demo": "加载演示事前评估与预算评审",
    "budget_review.save": "保存预算评审",
    "budget_review.submit": "预算评审提交会签",
    "budget_review.sign": "联评联审签署",
    "budget_review.import": "导入预算评审",
    "fp_review.save": "保存功能点评审",
    "fp_review.compute": "功能点测算",
    "selfeval.create": "生成绩效自评表",
    "selfeval.save": "保存绩效自评",
    "selfeval.submit": "提交绩效自评",
    "selfeval.review": "审核通过绩效自评",
    "selfeval.return": "退回绩效自评",
    "selfeval.import": "导入绩效自评表",
    "selfeval.export": "导出绩效自评表",
    "sampling.create": "新建抽样方案",
    "sampling.draw": "抽取样本",
    "recheck.assign": "安排抽查复核",
    "recheck.save": "保存抽查复核",
    "recheck.complete": "完成抽查复核",
    "reevaluation.save": "保存再评价",
    "reevaluation.complete": "完成再评价",
    "monitoring.open_round": "发起绩效运行监控",
    "monitoring.close_round": "结束绩效运行监控",
    "monitoring.generate": "生成绩效监控表",
    "monitoring.refresh": "更新监控表支付数据",
    "monitoring.save": "保存绩效监控表",
    "monitoring.submit": "提交绩效监控表",
    "monitoring.review": "部门审核绩效监控表",
    "monitoring.return": "退回绩效监控表",
    "monitoring.select_key": "选取重点监控项目",
    "monitoring.unselect_key": "取消重点监控",
    "monitoring.recheck": "财政复核绩效监控表",
    "monitoring.warnings": "计算监控预警",
    "monitoring.import": "导入绩效监控表",
    "monitoring.export": "导出绩效监控表",
    "monitoring.demo": "加载演示绩效运行监控",
    "disposition.propose": "提出监控处理",
    "disposition.approve": "批准监控处理",
    "disposition.lift": "解除暂缓拨款",
    "rectification.create": "登记整改事项",
    "rectification.done": "完成整改事项",
    "import.upload": "上传导入文件",
    "import.refused": "拒收导入文件",
    "import.commit": "确认导入",
    "payment.import": "导入支付数据",
}


class AuditEvent(models.Model):
    """An append-only record of one business action, written in the same transaction as the change.

    Nothing updates or deletes these rows: the model refuses it, and on PostgreSQL a trigger rejects
    UPDATE, DELETE and TRUNCATE on the table (migration 0003).
    """

    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    ip = models.GenericIPAddressField("IP地址", null=True, blank=True)
    request_id = models.CharField("请求编号", max_length=32, blank=True)
    channel = models.CharField("渠道", max_length=10, blank=True)
    action = models.CharField("操作", max_length=60, db_index=True)
    object_type = models.CharField("对象类型", max_length=60, blank=True)
    object_id = models.CharField("对象编号", max_length=40, blank=True)
    object_repr = models.CharField("对象", max_length=255, blank=True)
    region_path = models.CharField(max_length=64, blank=True, db_index=True)
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)
    message = models.CharField("说明", max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "审计日志"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise RuntimeError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise RuntimeError("审计日志只能追加，不能删除")

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)

    @property
    def channel_label(self) -> str:
        return CHANNELS.get(self.channel, self.channel)
