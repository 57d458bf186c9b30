import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from jixiao.core import context


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, for login lockouts and the audit log alike.

    Without proxies it is REMOTE_ADDR. Behind `JIXIAO_PROXY_COUNT` trusted proxies, each of which appends
    the address it was reached from to X-Forwarded-For, it is the entry that many places from the right:
    what the outermost proxy saw. Entries further left are whatever the client sent, and are ignored."""
    remote = request.META.get("REMOTE_ADDR")
    count = settings.JIXIAO_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < count:
        return remote  # the proxies are not configured as declared: trust only the connection
    try:
        return str(ipaddress.ip_address(hops[-count]))
    except ValueError:
        return remote


class RequestContextMiddleware:
    """Gives every request an id (echoed as X-Request-ID) and makes it and the client address known to
    the services that write audit events."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        ctx = context.ActionContext(ip=client_ip(request), channel=channel)
        token = context.activate(ctx)
        try:
            response = self.get_response(request)
        finally:
            context.deactivate(token)
        response["X-Request-ID"] = ctx.request_id
        return response


class NoStoreMiddleware:
    """Pages of a signed-in user are never cached, so that after logout the back button shows nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store, no-cache, must-revalidate, private"
            response["Pragma"] = "no-cache"
        return response
