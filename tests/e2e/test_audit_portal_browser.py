"""An auditor in Chromium: logs in, reads the trial balance and a project statement, and
downloads a CSV export whose SHA-256 matches its manifest."""

import asyncio
import hashlib
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.ledger_world import build_world, truncate_all

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def server(database):
    world = await build_world()
    port = free_port()
    process = subprocess.Popen(  # noqa: ASYNC220 - the app in its own process
        [sys.executable, "-m", "service", "serve", "--port", str(port)],
        env={**os.environ, "BASE_URL": f"http://127.0.0.1:{port}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as probe:
            for _ in range(100):
                try:
                    if (await probe.get(f"{base}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        yield base, world
    finally:
        process.terminate()
        process.wait(timeout=30)
        await truncate_all()


async def test_auditor_reads_and_exports_in_a_browser(server):
    from playwright.async_api import async_playwright

    base, world = server
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=CHROMIUM_FLAGS,  # playwright gives the browser a fresh profile
        )
        try:
            page = await browser.new_page(accept_downloads=True)
            await page.goto(f"{base}/audit")
            assert "/login" in page.url
            await page.fill("input[name=username]", "w-aud")
            await page.fill("input[name=password]", "a long password 3")
            await page.click("form.form button[type=submit], form.form input[type=submit]")
            await page.wait_for_url(f"{base}/audit")
            await page.click(f"a[href='/audit/events/{world.event_number}']")
            await page.click(f"a[href='/audit/events/{world.event_number}/trial-balance']")
            debits = await page.text_content("#trial-debits")
            credits = await page.text_content("#trial-credits")
            assert debits == credits and debits != "¥0.00"
            await page.goto(f"{base}/audit/projects/{world.projects[0]}")
            assert await page.locator("svg.audit-chart").count() == 1
            async with page.expect_download() as info:
                await page.click("a[href*='kind=journal&format=csv']")
            download = await info.value
            body = Path(await download.path()).read_bytes()  # noqa: ASYNC240
            assert body.startswith("\ufeff".encode())
            # The export's manifest is in the portal, with the file's SHA-256.
            await page.goto(f"{base}/audit")
            assert hashlib.sha256(body).hexdigest() in await page.content()
        finally:
            await browser.close()
