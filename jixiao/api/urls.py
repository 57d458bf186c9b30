from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from jixiao.appraisals.api import (
    AssessmentViewSet,
    BudgetReviewViewSet,
    FunctionPointReviewViewSet,
    WorklistViewSet,
)
from jixiao.core.api import AuditEventViewSet
from jixiao.evaluations.api import (
    RecheckViewSet,
    ReEvaluationViewSet,
    SamplingPlanViewSet,
    SelfEvaluationViewSet,
)
from jixiao.goals.api import GoalInboxViewSet, GoalViewSet
from jixiao.goals.library_api import LibraryViewSet, RecommendationViewSet
from jixiao.imports.api import ImportBatchViewSet
from jixiao.monitoring.api import DispositionViewSet, ReportViewSet, RoundViewSet, WarningViewSet
from jixiao.orgs.api import RuleViewSet
from jixiao.payments.api import PaymentBatchViewSet
from jixiao.projects.api import ProjectViewSet

router = DefaultRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("rules", RuleViewSet, basename="rule")
router.register("imports", ImportBatchViewSet, basename="import-batch")
router.register("goals", GoalViewSet, basename="goal")
router.register("goal-inbox", GoalInboxViewSet, basename="goal-inbox")
router.register("indicator-library", LibraryViewSet, basename="indicator-library")
router.register("recommendations", RecommendationViewSet, basename="recommendation")
router.register("appraisals", AssessmentViewSet, basename="appraisal")
router.register("appraisal-worklist", WorklistViewSet, basename="appraisal-worklist")
router.register("budget-reviews", BudgetReviewViewSet, basename="budget-review")
router.register("fp-reviews", FunctionPointReviewViewSet, basename="fp-review")
router.register("self-evaluations", SelfEvaluationViewSet, basename="self-evaluation")
router.register("sampling-plans", SamplingPlanViewSet, basename="sampling-plan")
router.register("rechecks", RecheckViewSet, basename="recheck")
router.register("reevaluations", ReEvaluationViewSet, basename="reevaluation")
router.register("monitoring-rounds", RoundViewSet, basename="monitoring-round")
router.register("monitoring-reports", ReportViewSet, basename="monitoring-report")
router.register("monitoring-warnings", WarningViewSet, basename="monitoring-warning")
router.register("dispositions", DispositionViewSet, basename="disposition")
router.register("payment-batches", PaymentBatchViewSet, basename="payment-batch")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("", include(router.urls)),
]
