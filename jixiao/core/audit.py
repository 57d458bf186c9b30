"""Writing audit events. Services call `record` inside their transaction."""

import datetime
import decimal
from typing import Any

from django.db import models
from django.forms.models import model_to_dict

from jixiao.core import context
from jixiao.core.models import AuditEvent


def _plain(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The object's field values as JSON-ready data (many-to-many as sorted lists of ids)."""
    data = model_to_dict(obj, fields=fields)
    return {k: _plain(sorted(v, key=lambda o: o.pk) if isinstance(v, list) else v) for k, v in data.items()}


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, on both sides."""
    if not before or not after:
        return before or {}, after or {}
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def event(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    region_path: str = "",
    message: str = "",
) -> AuditEvent:
    """An unsaved event (bulk writers save many at once with bulk_create)."""
    ctx = context.current()
    real_actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent(
        actor=real_actor,
        actor_name=str(getattr(actor, "username", "") or "") if real_actor else "系统",
        ip=ctx.ip,
        request_id=ctx.request_id,
        channel=ctx.channel,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:255] if obj is not None else "",
        region_path=region_path,
        before=_plain(before) if before else None,
        after=_plain(after) if after else None,
        message=message[:500],
    )


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    region_path: str = "",
    message: str = "",
) -> AuditEvent:
    """Write one event now, in the caller's transaction."""
    e = event(actor=actor, action=action, obj=obj, before=before, after=after, region_path=region_path, message=message)
    e.save()
    return e
