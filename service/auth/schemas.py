import datetime as dt
from typing import Annotated

import msgspec


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]


class StaffOut(msgspec.Struct):
    id: int
    username: str
    display_name: str
    role: str
    organization_id: int | None


class TokenIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    expires_in_days: Annotated[int, msgspec.Meta(ge=1, le=365)] = 90
    """The token stops working after this many days (default 90, at most 365)."""


class TokenOut(msgspec.Struct):
    token: str
    name: str
    id: int = 0
    expires_at: dt.datetime | None = None


class TokenInfo(msgspec.Struct):
    id: int
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
