"""Sign-ins and sign-outs are audit events too (等保 安全审计: every login, success or failure)."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from jixiao.core import audit
from jixiao.orgs.models import Membership


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(actor=user, action="auth.login", obj=user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(actor=user, action="auth.logout", obj=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # The password is never logged; the username typed is, so repeated guessing shows in the log. An
    # attempt on a real account is filed under that account's region, where its auditor looks.
    username = str(credentials.get("username", ""))[:100]
    membership = (
        Membership.objects.filter(user__username__iexact=username).select_related("organization__region").first()
    )
    audit.record(
        actor=None,
        action="auth.login_failed",
        region_path=membership.organization.region.path if membership else "",
        message=f"用户名：{username}",
    )
