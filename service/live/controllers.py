"""The meeting, live: the projector page, the phone page for the hall and their SSE stream.

All public: they show what the public project pages show (public names, amounts)."""

from __future__ import annotations

from typing import Annotated, Any

import segno
from litestar import Controller, Request, get
from litestar.channels import ChannelsPlugin
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.response import Stream, Template

from service.live import services
from service.live.stream import sse_stream
from service.settings import get_settings

EventNumber = Annotated[int, PathParameter(gt=0, le=10_000, description="Edition number")]
MAX_ID = 2**62
PUBLIC_PAGE = {"exclude_from_csrf": True}  # no form: the answer is shared as is


def _after(request: Request, after: int | None) -> int | None:
    """The client's last update: Last-Event-ID on a reconnect, else ?after= from the page."""
    header = request.headers.get("last-event-id", "").strip()
    if header.isdigit() and len(header) < 19:
        return int(header)
    return after


async def _context(number: int) -> dict[str, Any]:
    data = await services.screen(number)
    phone_url = f"{get_settings().base_url}/events/{number}/live/phone"
    data["phone_url"] = phone_url
    data["qr_svg"] = segno.make(phone_url, error="m").svg_inline(
        scale=6, border=2, dark="#1b1b1b", light="#ffffff"
    )
    data["stream_url"] = f"/api/v1/events/{number}/live"
    return data


class LivePages(Controller):
    include_in_schema = False

    @get("/events/{number:int}/live", name="live_screen", cache=True, opt=PUBLIC_PAGE)
    async def screen(self, number: EventNumber) -> Template:
        return Template("live/screen.html", context=await _context(number))

    @get("/events/{number:int}/live/phone", name="live_phone", cache=True, opt=PUBLIC_PAGE)
    async def phone(self, number: EventNumber) -> Template:
        return Template("live/phone.html", context=await _context(number))


class LiveStream(Controller):
    include_in_schema = False  # an event stream, not JSON: described in the README

    @get("/api/v1/events/{number:int}/live", name="live_stream")
    async def stream(
        self,
        request: Request,
        channels: NamedDependency[ChannelsPlugin],
        number: EventNumber,
        after: Annotated[int | None, QueryParameter(ge=0, le=MAX_ID)] = None,
    ) -> Stream:
        """Server-Sent Events: `update` (figures after a pledge, payment, release or
        match; `id` for Last-Event-ID), `ping` every 10 s, `reset` (reload the page)."""
        screen = await services.screen_event(number)
        return Stream(
            sse_stream(channels, screen["id"], _after(request, after)),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )


ROUTES = [LivePages, LiveStream]
