from django.apps import AppConfig


class AppraisalsConfig(AppConfig):
    name = "jixiao.appraisals"
    label = "appraisals"
    verbose_name = "事前绩效评估与预算评审"

    def ready(self) -> None:
        # "先评估评审、后安排预算": entering the library and approving a budget go through the appraisal gate.
        from jixiao.appraisals import gates
        from jixiao.projects import services as project_services

        project_services.register_transition_hook("admit", gates.check_admit)
        project_services.register_transition_hook("approve_budget", gates.check_approve_budget)
