"""What the monitoring takes from the payment data: each project's cumulative spending by month.

The one place that reads `jixiao.payments`, set-based for a chunk of projects at a time, so that
generating the reports of a province stays a few queries per chunk.
"""

from decimal import Decimal

from jixiao.payments.selectors import monthly_execution
from jixiao.projects.models import Project

# Projects per chunk when generating reports or computing warnings.
CHUNK = 2000


def cumulative(project_ids: list[int], year: int, month: int) -> dict[int, list[Decimal]]:
    """Per project with any payment in `year`, the spending to the end of each month 1…`month` (元).
    Projects without payment data are left out: their spending is not known (as opposed to 0)."""
    # Given a queryset, monthly_execution returns only the projects that have payment records.
    found = monthly_execution(Project.objects.filter(pk__in=project_ids), year)
    return {pk: months[:month] for pk, months in found.items()}


def paid_to(project_ids: list[int], year: int, month: int) -> dict[int, Decimal]:
    """Per project with payment data, the spending to the end of `month` (元)."""
    return {pk: months[-1] for pk, months in cumulative(project_ids, year, month).items()}
