from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "jixiao.monitoring"
    label = "monitoring"
    verbose_name = "绩效运行监控"
