"""Staff accounts: creation and password hashing (argon2id)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from service.auth.tables import StaffUser
from service.db import is_unique_violation, write_transaction
from service.errors import Conflict, InvalidInput

_hasher = PasswordHasher()
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,63}$")
MIN_PASSWORD = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


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
