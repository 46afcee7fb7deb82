"""Piccolo Admin at /admin: a read-only view of reference data (organizations, communities,
staff) for organizers. Nothing about money is mounted here, and nothing can be edited here:
changes go through the console and the API, where the rules (USCC check, audit log) apply.

It has its own login (Piccolo's `piccolo_user` table and sessions, only admin=True users);
`minsheng create-user --role organizer --admin` creates such a login next to the staff
account. Its CSRF protection is its own (cookie `csrftoken`), so the app's CSRF middleware
skips /admin and uses a differently named cookie.
"""

from __future__ import annotations

import functools
from typing import Any

from litestar import asgi
from litestar.types import Receive, Scope, Send
from piccolo.columns import Boolean, ForeignKey, Timestamptz, Varchar
from piccolo.table import Table
from piccolo_admin.endpoints import TableConfig, create_admin

from service.orgs.tables import Organization
from service.settings import get_settings


class StaffDirectory(Table, tablename="staff_user"):
    """The staff_user table without its password hash: what the admin may show."""

    username = Varchar(length=64)
    display_name = Varchar(length=100)
    email = Varchar(length=254, null=True)
    role = Varchar(length=20)
    organization = ForeignKey(references=Organization, null=True)
    active = Boolean()
    created_at = Timestamptz()
    last_login_at = Timestamptz(null=True)


@functools.cache
def admin_app() -> Any:
    """Built once, on first use; secure cookies when the site is served over HTTPS."""
    return create_admin(
        tables=[
            TableConfig(
                Organization,
                visible_columns=[
                    Organization.id,
                    Organization.name,
                    Organization.kind,
                    Organization.uscc,
                    Organization.contact,
                ],
                menu_group="参考数据",
            ),
            TableConfig(StaffDirectory, menu_group="参考数据"),
        ],
        read_only=True,
        auto_include_related=False,
        site_name="民生实事 · 参考数据",
        production=get_settings().base_url.startswith("https://"),
    )


@asgi("/admin", is_mount=True, copy_scope=True)
async def admin(scope: Scope, receive: Receive, send: Send) -> None:
    await admin_app()(scope, receive, send)


async def create_admin_login(username: str, password: str) -> int:
    """A Piccolo Admin login (admin=True) for an organizer; returns its piccolo_user id."""
    from piccolo.apps.user.tables import BaseUser

    user = await BaseUser.create_user(username=username, password=password, admin=True, active=True)
    return user.id
