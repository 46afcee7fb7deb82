"""Asking for a new session id (session fixation): login and privilege changes call
`rotate_session`; the session backend (service/web/sessions.py) honours it on the way out."""

from __future__ import annotations

from litestar.connection import ASGIConnection

ROTATE = "minsheng.rotate_session"
NEW_ID = "minsheng.session_id"


def rotate_session(connection: ASGIConnection) -> None:
    """Give the session a fresh id when the response is sent, and forget the old one, so
    an id a visitor brought along never becomes an authenticated one."""
    connection.scope.setdefault("state", {})[ROTATE] = True
