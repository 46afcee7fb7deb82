"""Reading posted HTML forms: the helpers every domain's pages share.

A form value is the last one sent under its name, stripped; anything but a string
(an upload) reads as "". Length rules belong to the schema or service that takes the
value, which names the field; `text` only refuses what no field takes
(more than MAX_FORM_TEXT characters).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from service.errors import FieldError, InvalidInput
from service.money import MoneyError, parse_yuan

MAX_FORM_TEXT = 20_000
"""Longer than any field accepts (the longest, a project's texts, stop well below)."""


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def text(form: dict[str, Any], name: str) -> str:
    values = as_list(form.get(name))
    value = values[-1] if values else ""
    if not isinstance(value, str):
        return ""
    if len(value) > MAX_FORM_TEXT:
        raise InvalidInput.on(name, f"at most {MAX_FORM_TEXT} characters")
    return value.strip()


def checked(form: dict[str, Any], name: str) -> bool:
    return text(form, name) in {"1", "on", "true", "yes"}


def yuan_field(form: dict[str, Any], name: str, field: str = "amount_fen") -> int | None:
    raw = text(form, name)
    if not raw:
        return None
    try:
        return parse_yuan(raw)
    except MoneyError as exc:
        raise InvalidInput.on(field, str(exc)) from exc


def date_field(form: dict[str, Any], name: str) -> dt.date | None:
    raw = text(form, name)
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput.on(name, "expected a date like 2026-12-31") from exc


def validated(data: dict[str, Any], schema: type) -> Any:
    """msgspec validation with the API's field errors."""
    try:
        return msgspec.convert(data, schema)
    except msgspec.ValidationError as exc:
        message = str(exc)
        field = message.rsplit("at `$.", 1)[-1].rstrip("`") if "at `$." in message else "form"
        raise InvalidInput("the form is not valid", [FieldError(field, message)]) from exc
