"""The request an action happens in: who, from where, under which request id.

Services read it to write audit events, so that the CLI, tasks and web requests all log the same way.
"""

import contextvars
import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ActionContext:
    ip: str | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    channel: str = "cli"  # web, api, cli, task


_current: contextvars.ContextVar[ActionContext | None] = contextvars.ContextVar("jixiao_action", default=None)


def current() -> ActionContext:
    ctx = _current.get()
    return ctx if ctx is not None else ActionContext()


def activate(ctx: ActionContext) -> contextvars.Token[ActionContext | None]:
    return _current.set(ctx)


def deactivate(token: contextvars.Token[ActionContext | None]) -> None:
    _current.reset(token)
