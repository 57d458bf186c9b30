from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "jixiao.payments"
    label = "payments"
    verbose_name = "支付数据"
