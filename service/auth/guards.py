"""Named guards: each says whom it admits. 401 when nobody is logged in, 403 for a role
that may not. The identity comes from a bearer API token or the session cookie."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from service.auth.rotation import rotate_session
from service.auth.services import StaffIdentity, identity_by_id, identity_by_token
from service.auth.tables import StaffUser

Role = StaffUser.Role
Guard = Callable[[ASGIConnection, Any], Awaitable[None]]
SESSION_USER = "user_id"
SESSION_ROLE = "role"


async def current_staff(connection: ASGIConnection) -> StaffIdentity | None:
    """The staff user making the request, resolved once per request."""
    if "staff" in connection.state:
        return connection.state["staff"]
    identity = None
    authorization = connection.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        identity = await identity_by_token(authorization[7:].strip())
        if identity is None:
            raise NotAuthorizedException("the API token is unknown or revoked")
    elif "session" in connection.scope:
        session = connection.scope.get("session") or {}
        user_id = session.get(SESSION_USER)
        if isinstance(user_id, int):
            identity = await identity_by_id(user_id)
            if identity is None:
                connection.clear_session()
            elif session.get(SESSION_ROLE) != identity.role.value:
                # The user's privileges changed since this session began: new session id.
                connection.set_session({**session, SESSION_ROLE: identity.role.value})
                rotate_session(connection)
    connection.state["staff"] = identity
    return identity


def _requires(*roles: Role, name: str) -> Guard:
    allowed = {role.value for role in roles}

    async def guard(connection: ASGIConnection, _handler: Any) -> None:
        identity = await current_staff(connection)
        if identity is None:
            raise NotAuthorizedException("log in first (session cookie or Bearer API token)")
        if identity.role.value not in allowed:
            raise PermissionDeniedException(
                f"the {identity.role.value} role may not do this; it needs "
                + " or ".join(sorted(allowed))
            )

    guard.__name__ = guard.__qualname__ = name
    return guard


requires_staff = _requires(*Role, name="requires_staff")
requires_organizer = _requires(Role.organizer, name="requires_organizer")
requires_project_owner = _requires(Role.project_owner, name="requires_project_owner")
requires_owner_or_organizer = _requires(
    Role.project_owner, Role.organizer, name="requires_owner_or_organizer"
)
requires_financial_reader = _requires(
    Role.auditor, Role.organizer, name="requires_financial_reader"
)
"""Auditors read everything financial; organizers too."""


CurrentStaff = NamedDependency[StaffIdentity]
"""Annotate a handler parameter `staff: CurrentStaff` (provided app-wide) behind a guard."""


async def staff_dependency(request: Request) -> StaffIdentity:
    """Handler parameter `staff`: the identity a guard has already admitted."""
    identity = await current_staff(request)
    if identity is None:
        raise NotAuthorizedException("log in first")
    return identity
