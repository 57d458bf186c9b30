from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "jixiao.goals"
    label = "goals"
    verbose_name = "绩效目标"

    def ready(self) -> None:
        # "谁批复预算，谁批复目标": approving a budget goes through the goal gate (see gates.py).
        from jixiao.goals import gates
        from jixiao.projects import services as project_services

        project_services.register_transition_hook("approve_budget", gates.approve_goal_with_budget)
