from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jixiao.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from django.db.models import fields

        from jixiao.core import signals  # noqa: F401  (connects the login audit receivers)

        # The empty choice of select boxes; Django's own label ("- Select an option -") has no Chinese
        # translation. Django reads this constant each time a form field is built.
        fields.BLANK_CHOICE_LABEL = "请选择"
