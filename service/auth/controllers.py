"""Logging in and out (session cookie), API tokens, and the login page."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.params import Body, FromQuery, JSONBody, PathParameter
from litestar.response import Redirect, Template

from service.auth import services
from service.auth.guards import SESSION_ROLE, SESSION_USER, CurrentStaff, requires_staff
from service.auth.rotation import rotate_session
from service.auth.schemas import LoginIn, StaffOut, TokenIn, TokenInfo, TokenOut
from service.auth.services import StaffIdentity
from service.auth.staff_pages import StaffDirectoryPage
from service.errors import NotFound
from service.i18n import gettext as _
from service.web.ratelimit import limiter


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def log_in(request: Request, username: str, password: str) -> StaffIdentity:
    """Shared by the API and the form: throttled, then the session id is renewed.

    Every attempt is counted before the password is checked, atomically (`limits` on
    Redis or in process): per client address, and failures per user name *from that
    address* — so nobody can lock an account for others by failing its password."""
    name = services.normalized_username(username)
    client = _client(request)
    limits = limiter(request)
    wait = await limits.wait("login_client", client, hashed=False)
    wait = max(wait, await limits.wait("login_account", f"{name}|{client}"))
    if wait:
        raise HTTPException(
            status_code=429,
            detail=_("登录失败次数过多，请在 %(s)s 秒后再试。") % {"s": wait},
            headers={"Retry-After": str(wait)},
        )
    identity = await services.authenticate(name, password)
    if identity is None:
        raise HTTPException(status_code=401, detail=_("用户名或密码不正确。"))
    await limits.clear("login_account", f"{name}|{client}")
    request.clear_session()
    request.set_session({SESSION_USER: identity.id, SESSION_ROLE: identity.role.value})
    rotate_session(request)
    return identity


TokenId = Annotated[int, PathParameter(gt=0, le=2**31 - 1, description="API token id")]


def staff_out(identity: StaffIdentity) -> StaffOut:
    return StaffOut(
        identity.id,
        identity.username,
        identity.display_name,
        identity.role.value,
        identity.organization_id,
    )


class AuthApi(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/login", operation_id="login", exclude_from_csrf=True)
    async def login(self, request: Request, data: JSONBody[LoginIn]) -> StaffOut:
        return staff_out(await log_in(request, data.username, data.password))

    @post("/logout", operation_id="logout", status_code=204, exclude_from_csrf=True)
    async def logout(self, request: Request) -> None:
        request.clear_session()

    @get("/me", operation_id="me", guards=[requires_staff])
    async def me(self, staff: CurrentStaff) -> StaffOut:
        return staff_out(staff)

    @post("/tokens", operation_id="createToken", guards=[requires_staff], exclude_from_csrf=True)
    async def create_token(self, staff: CurrentStaff, data: JSONBody[TokenIn]) -> TokenOut:
        new = await services.create_token(staff.id, data.name, data.expires_in_days)
        return TokenOut(new.token, data.name, new.id, new.expires_at)

    @get("/tokens", operation_id="listTokens", guards=[requires_staff])
    async def list_tokens(self, staff: CurrentStaff) -> list[TokenInfo]:
        """The caller's API tokens (not their secrets)."""
        return msgspec.convert(await services.list_tokens(staff.id), list[TokenInfo])

    @delete("/tokens/{token_id:int}", operation_id="revokeToken", guards=[requires_staff])
    async def revoke_token(self, staff: CurrentStaff, token_id: TokenId) -> None:
        """Revoke one of the caller's tokens at once."""
        if not await services.revoke_token(token_id, staff.id):
            raise NotFound.on("token_id", f"you have no live token {token_id}")


LoginForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _safe_next(target: str | None) -> str:
    """Only local paths, so the login form cannot be used to redirect elsewhere."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/console"


class AuthPages(Controller):
    include_in_schema = False

    @get("/login", name="login")
    async def login_page(self, next: FromQuery[str | None] = None) -> Template:
        return Template("auth/login.html", context={"next": _safe_next(next), "error": None})

    @post("/login")
    async def login_submit(self, request: Request, data: LoginForm) -> Response[Any]:
        target = _safe_next(str(data.get("next") or ""))
        try:
            await log_in(request, str(data.get("username", "")), str(data.get("password", "")))
        except HTTPException as exc:
            return Template(
                "auth/login.html",
                context={
                    "next": target,
                    "error": exc.detail,
                    "username": str(data.get("username", ""))[:64],
                },
                status_code=exc.status_code,
                headers=exc.headers or {},
            )
        return Redirect(target, status_code=303)

    @get("/console", name="console", guards=[requires_staff])
    async def console_home(self, staff: CurrentStaff) -> Template:
        return Template("console/home.html", context={"staff": staff})

    @post("/logout")
    async def logout_submit(self, request: Request) -> Redirect:
        request.clear_session()
        return Redirect("/", status_code=303)


ROUTES = [AuthApi, AuthPages, StaffDirectoryPage]
