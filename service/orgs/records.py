"""The shape of the organization rows the services return (Piccolo selects are plain
dicts): a typed record that documents the keys, nothing at run time."""

from __future__ import annotations

from typing import TypedDict


class OrganizationRow(TypedDict):
    """An organization (`services.get_organization`, `list_organizations`)."""

    id: int
    name: str
    kind: str
    uscc: str | None
    contact: str
