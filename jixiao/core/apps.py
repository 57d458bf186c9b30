from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jixiao.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from jixiao.core import signals  # noqa: F401  (connects the login audit receivers)
