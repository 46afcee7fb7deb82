"""Domain errors raised by services and mapped to the API's error shape in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    """A request the domain refuses; `status` is the HTTP status it maps to."""

    status = 400

    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []

    @classmethod
    def on(cls, field: str, message: str) -> DomainError:
        return cls(message, [FieldError(field, message)])


class InvalidInput(DomainError):
    status = 400


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class NotAllowed(DomainError):
    """The object's state does not allow the action (e.g. pledging into a closed event)."""

    status = 422


class Forbidden(DomainError):
    """The caller's role may not act on this object (guards refuse whole routes)."""

    status = 403
