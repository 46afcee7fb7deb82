"""Staff accounts: creation and password hashing (argon2id)."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from service.audit.services import Actor
from service.auth.records import IdentityRow, StaffLine, TokenLine
from service.auth.tables import ApiToken, StaffUser
from service.db import is_unique_violation, write_transaction
from service.errors import Conflict, InvalidInput

_hasher = PasswordHasher()
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,63}$")
MIN_PASSWORD = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


_DUMMY_HASH = hash_password("not a real password")


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def verify_password_off_loop(password_hash: str, password: str) -> bool:
    """argon2 takes ~0.1 s of CPU by design: run it in a thread so the event loop keeps
    serving other requests meanwhile (argon2-cffi releases the GIL while hashing)."""
    return await asyncio.to_thread(verify_password, password_hash, password)


def normalized_username(username: str) -> str:
    """The one spelling of a user name: trimmed, NFKC, lower case."""
    return unicodedata.normalize("NFKC", username).strip().lower()


@dataclass(frozen=True)
class UserDraft:
    username: str
    password: str
    role: StaffUser.Role
    display_name: str = ""
    email: str | None = None
    organization_id: int | None = None


async def create_user(draft: UserDraft) -> int:
    username = draft.username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidInput.on("username", "3–64 characters: lower-case letters, digits, _ . -")
    if len(draft.password) < MIN_PASSWORD:
        raise InvalidInput.on("password", f"must be at least {MIN_PASSWORD} characters")
    if draft.role is StaffUser.Role.project_owner and draft.organization_id is None:
        raise InvalidInput.on("organization", "a project owner acts for an organization")
    user = StaffUser(
        username=username,
        display_name=draft.display_name or username,
        email=draft.email,
        password_hash=hash_password(draft.password),
        role=draft.role.value,
        organization=draft.organization_id,
    )
    try:
        async with write_transaction():
            await user.save()
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict.on("username", f"user {username!r} already exists") from exc
        raise
    return user.id


@dataclass(frozen=True)
class StaffIdentity:
    """The logged-in staff user as guards and services see it."""

    id: int
    username: str
    display_name: str
    role: StaffUser.Role
    organization_id: int | None

    @property
    def actor(self) -> Actor:
        return Actor(f"{self.role.value}:{self.username}", self.id)


def _identity(row: IdentityRow) -> StaffIdentity:
    return StaffIdentity(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        role=StaffUser.Role(row["role"]),
        organization_id=row["organization"],
    )


_IDENTITY_COLUMNS = (
    StaffUser.id,
    StaffUser.username,
    StaffUser.display_name,
    StaffUser.role,
    StaffUser.organization,
)


async def authenticate(username: str, password: str) -> StaffIdentity | None:
    row = (
        await StaffUser.select(*_IDENTITY_COLUMNS, StaffUser.password_hash)
        .where(
            (StaffUser.username == normalized_username(username)) & (StaffUser.active == True)  # noqa: E712
        )
        .first()
    )
    if row is None:
        # Same cost whether or not the user exists.
        await verify_password_off_loop(_DUMMY_HASH, password)
        return None
    if not await verify_password_off_loop(row["password_hash"], password):
        return None
    await StaffUser.update({StaffUser.last_login_at: dt.datetime.now(dt.UTC)}).where(
        StaffUser.id == row["id"]
    )
    return _identity(row)


async def identity_by_id(user_id: int) -> StaffIdentity | None:
    row = (
        await StaffUser.select(*_IDENTITY_COLUMNS)
        .where(
            (StaffUser.id == user_id) & (StaffUser.active == True)  # noqa: E712
        )
        .first()
    )
    return _identity(row) if row else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 365


@dataclass(frozen=True)
class NewToken:
    token: str
    """The secret, shown once: only its hash is kept."""
    id: int
    expires_at: dt.datetime


async def create_token(
    user_id: int, name: str, expires_in_days: int = DEFAULT_TOKEN_DAYS
) -> NewToken:
    """A new bearer token that expires after `expires_in_days` (at most a year) and can
    be revoked earlier."""
    token = "msk_" + secrets.token_urlsafe(32)
    days = min(max(expires_in_days, 1), MAX_TOKEN_DAYS)
    expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    rows = await ApiToken.insert(
        ApiToken(user=user_id, name=name, token_hash=_token_hash(token), expires_at=expires_at)
    ).returning(ApiToken.id)
    return NewToken(token, rows[0]["id"], expires_at)


async def issue_token(user_id: int, name: str, expires_in_days: int = DEFAULT_TOKEN_DAYS) -> str:
    """A new bearer token's secret (see `create_token`)."""
    return (await create_token(user_id, name, expires_in_days)).token


async def identity_by_token(token: str) -> StaffIdentity | None:
    """The token's user, unless the token is unknown, revoked or expired."""
    now = dt.datetime.now(dt.UTC)
    row = (
        await ApiToken.select(ApiToken.id, ApiToken.user)
        .where(
            (ApiToken.token_hash == _token_hash(token))
            & ApiToken.revoked_at.is_null()
            & (ApiToken.expires_at.is_null() | (ApiToken.expires_at > now))
        )
        .first()
    )
    if row is None:
        return None
    await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"])
    return await identity_by_id(row["user"])


async def list_tokens(user_id: int) -> list[TokenLine]:
    """The user's tokens (never the secrets), newest first."""
    return (
        await ApiToken.select(
            ApiToken.id,
            ApiToken.name,
            ApiToken.created_at,
            ApiToken.expires_at,
            ApiToken.last_used_at,
            ApiToken.revoked_at,
        )
        .where(ApiToken.user == user_id)
        .order_by(ApiToken.id, ascending=False)
    )


async def staff_directory() -> list[StaffLine]:
    """Every staff account without its password hash, organizers first (the console's
    staff page)."""
    return await StaffUser.select(
        StaffUser.id,
        StaffUser.username,
        StaffUser.display_name,
        StaffUser.email,
        StaffUser.role,
        StaffUser.organization.name.as_alias("organization_name"),
        StaffUser.active,
        StaffUser.created_at,
        StaffUser.last_login_at,
    ).order_by(StaffUser.role, StaffUser.username)


async def revoke_token(token_id: int, user_id: int) -> bool:
    """Revoke one of the user's tokens; False when they have no such live token."""
    revoked = (
        await ApiToken.update({ApiToken.revoked_at: dt.datetime.now(dt.UTC)})
        .where(
            (ApiToken.id == token_id) & (ApiToken.user == user_id) & ApiToken.revoked_at.is_null()
        )
        .returning(ApiToken.id)
    )
    return bool(revoked)
