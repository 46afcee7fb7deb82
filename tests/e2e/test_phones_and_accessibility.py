"""Every page, in Chromium, on the demo data: public and donor pages fit a 390 × 844 phone
without sideways scrolling, and axe-core's WCAG 2 A/AA rules find nothing on any public,
donor or console page.

The pages come from the app's own routes (every GET route that answers HTML), so a page
added anywhere is checked the moment it exists; path parameters are filled from the demo.
axe-core is vendored in tests/vendor/axe-core (npm package, MPL-2.0).
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from litestar.routes import HTTPRoute
from playwright.async_api import async_playwright

from service.audit.services import Actor
from service.demo.loader import load_demo
from service.disbursements.tables import Disbursement
from service.donors.links import make_token
from service.matching.tables import MatchingPool
from service.payments.tables import Payment
from service.pledges.tables import Pledge
from service.projects.tables import Project
from service.receipts.tables import Receipt
from service.reports.services import build_report, request_report
from service.reports.tables import TransparencyReport
from tests import staff
from tests.browser import app_server, launch

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PARAMETER = re.compile(r"\{(\w+):(\w+)\}")
NOT_PAGES = (
    *("/static/", "/covers/", "/evidence/", "/photos/", "/console/evidence/"),
    *("/api/", "/schema", "/admin", "/healthz", "/readyz"),
)
"""GET routes that never answer a page (uploaded files, JSON, probes, mounted apps)."""
DONOR_PREFIXES = ("/donor/", "/pledges/")


def page_routes(app) -> list[tuple[str, bool]]:
    """(path template, guarded) for every GET route that may answer a page."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith(NOT_PAGES):
            continue
        for handler in route.route_handlers:
            if "GET" in handler.http_methods:
                found.append((route.path, bool(handler.resolve_guards())))
    return sorted(set(found))


async def samples() -> dict[str, str]:
    """A demo value for every path parameter name the pages use."""
    open_pledge = (
        await Pledge.select(Pledge.id, Pledge.donor)
        .where((Pledge.status == "pledged") & (Pledge.channel == "online"))
        .first()
    ) or await Pledge.select(Pledge.id, Pledge.donor).where(Pledge.status == "pledged").first()
    payment = await Payment.select(Payment.id).first()
    receipt = await Receipt.select(Receipt.id).first()
    project = await Project.select(Project.id).order_by(Project.id).first()
    pool = await MatchingPool.select(MatchingPool.id).order_by(MatchingPool.id).first()
    disbursement = await Disbursement.select(Disbursement.id).first()
    report = await TransparencyReport.select(TransparencyReport.id).first()
    if report is None:  # the edition's transparency report, as an organizer would publish it
        report_id = await request_report(5, Actor("a11y test"))
        await build_report(report_id)
        report = {"id": report_id}
    return {
        "disbursement_id": str(disbursement["id"]),
        "report_id": str(report["id"]),
        "pool_id": str(pool["id"]),
        "number": "5",
        "project_id": str(project["id"]),
        "token": make_token(open_pledge["donor"], 1),
        "pledge_id": str(open_pledge["id"]),
        "payment_id": str(payment["id"]),
        "receipt_id": str(receipt["id"]),
    }


def concrete(path: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"{path}: give `{name}` a demo value in samples()"
        return values[name]

    return PARAMETER.sub(value, path)


@pytest.fixture
async def demo_server(clean_db):
    await load_demo()
    await build_report(await request_report(5, Actor("test")))  # a transparency report
    with app_server() as base:
        yield base


async def axe_violations(page) -> list[str]:
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
    )
    return [
        f"{v['id']} ({v['impact']}): {node['target']} {node.get('failureSummary', '')[:160]!r}"
        for v in result["violations"]
        for node in v["nodes"]
    ]


async def test_every_page_fits_a_phone_and_passes_axe(demo_server, app):
    values = await samples()
    organizer = await staff.make("organizer", username="a11y-organizer")
    pages: list[tuple[str, str]] = []  # (kind, url path)
    async with httpx.AsyncClient(base_url=demo_server, follow_redirects=True, timeout=30) as http:
        for template, guarded in page_routes(app):
            path = concrete(template, values)
            headers = organizer.headers if guarded else {}
            async with http.stream("GET", path, headers=headers) as answer:
                status, kind_of = answer.status_code, answer.headers.get("content-type", "")
                html = "text/html" in kind_of
                body = (await answer.aread()).decode() if html else ""
            if "text/html" not in kind_of:
                continue  # a PDF, a download, an event stream, metrics: not a page
            # A page may refuse with a reason (the reconciliation without Stripe: 422); that
            # answer is a page a person reads too. Missing, forbidden or broken is not.
            text = re.sub(r"<[^>]+>|\s+", " ", body)[-600:]
            assert status < 500 and status not in (401, 403, 404), (path, status, text)
            donor = path.startswith(DONOR_PREFIXES)
            kind = "console" if guarded else ("donor" if donor else "public")
            pages.append((kind, path))
    kinds = {kind for kind, _ in pages}
    assert kinds == {"public", "donor", "console"}, pages
    assert len(pages) >= 25, pages

    problems: list[str] = []
    async with async_playwright() as p:
        browser = await launch(p)
        try:
            # bypass_csp: the pages' Content-Security-Policy would refuse the injected axe.
            phone = await browser.new_context(
                viewport=PHONE, locale="zh-CN", is_mobile=True, bypass_csp=True
            )
            desk = await browser.new_context(
                viewport=DESKTOP,
                locale="zh-CN",
                extra_http_headers=organizer.headers,
                bypass_csp=True,
            )
            for kind, path in pages:
                context = desk if kind == "console" else phone
                page = await context.new_page()
                await page.goto(f"{demo_server}{path}")
                if kind != "console":
                    # A phone browser zooms out to fit a page wider than the screen, so the
                    # page's own width is compared with the screen's, not with innerWidth.
                    width = await page.evaluate(
                        "Math.max(document.documentElement.scrollWidth, window.innerWidth)"
                    )
                    if width > PHONE["width"]:
                        problems.append(f"{path}: {width} px wide on a {PHONE['width']} px phone")
                problems += [f"{path}: {v}" for v in await axe_violations(page)]
                await page.close()
        finally:
            await browser.close()
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def test_the_page_list_comes_from_the_routes(app):
    paths = [path for path, _ in page_routes(app)]
    for expected in ("/", "/events/{number:int}", "/donor/{token:str}", "/console/dashboard"):
        assert expected in paths
    assert not any(path.startswith("/api/") for path in paths)
