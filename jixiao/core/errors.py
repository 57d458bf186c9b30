"""Domain errors: what services raise when an action is refused. Views, API and CLI show the message."""


class DomainError(Exception):
    """A business rule refused the action; `field` names what is wrong where it is one field."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class PermissionDenied(DomainError):
    """The actor may see the object but not do this to it (answers 403)."""


class NotFound(DomainError):
    """The object does not exist or lies outside the actor's scope (answers 404: no leak of existence)."""
