from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "jixiao.orgs"
    label = "orgs"
    verbose_name = "区划与机构"
