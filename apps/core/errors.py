"""Domain errors: raised by services, mapped to the contract's error shape by the API layer
and to form errors or messages by the web views."""

from typing import ClassVar


class DomainError(Exception):
    """A business rule said no. `code` is stable (clients switch on it); `detail` is for people."""

    code: ClassVar[str] = "domain_error"
    http_status: ClassVar[int] = 400
    default_detail: ClassVar[str] = "The request could not be completed."

    def __init__(self, detail: str | None = None, *, attr: str | None = None) -> None:
        self.detail = detail or self.default_detail
        self.attr = attr
        super().__init__(self.detail)


class NotFound(DomainError):
    """The object does not exist or the caller may not know it exists: the same answer for both."""

    code = "not_found"
    http_status = 404
    default_detail = "Not found."


class PermissionDenied(DomainError):
    code = "permission_denied"
    http_status = 403
    default_detail = "You are not allowed to do this."


class Conflict(DomainError):
    code = "conflict"
    http_status = 409
    default_detail = "The request conflicts with the current state."
