"""How web views answer domain errors: 404 outside scope, 403 for forbidden actions, input errors on the form."""

import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from jixiao.core import scoping
from jixiao.core.errors import DomainError, NotFound, PermissionDenied


def domain_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc

    return wrapped


def require_cap(cap: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A page that needs a capability: 403 for a signed-in user without it."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not scoping.has_cap(request.user, cap):
                raise DjangoPermissionDenied("您没有访问此页面的权限。")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def add_domain_error(form: forms.BaseForm, exc: DomainError, *, fields: dict[str, str] | None = None) -> None:
    """Show a service's refusal of the input on the form: next to the field it names (`fields` maps a
    service's field name to the form's where they differ), else above the form.

    NotFound and PermissionDenied are not input errors: they propagate, and `domain_errors` answers
    404 or 403."""
    if isinstance(exc, NotFound | PermissionDenied):
        raise exc
    field = (fields or {}).get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, exc.message)
