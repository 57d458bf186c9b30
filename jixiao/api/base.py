"""The one base for API viewsets: every list and detail starts from a selector scoped to the user."""

from typing import Any

from django.db.models import Model, QuerySet
from django.http import Http404
from rest_framework import viewsets

from jixiao.core.errors import NotFound


class ScopedViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Subclasses name `selector`, a function `(user=) -> QuerySet` that already applies the scope.

    Objects outside the user's scope answer 404, as if they did not exist.
    """

    selector: Any = None

    def get_queryset(self) -> QuerySet[Model]:
        return type(self).selector(user=self.request.user)

    def get_object(self) -> Model:
        try:
            return super().get_object()
        except Http404 as exc:  # DRF's own message names the model ("No Project matches the given query.")
            raise NotFound("对象不存在或不在您的权限范围内。") from exc
