"""Public answers are cached and revalidated, never stale past the next write: ETag and
304, a shared cache that every committed write invalidates (across processes through
Redis), per-language answers; staff pages and donor links are never cached."""

import asyncio
import os
import re

import asyncpg
import httpx

from service.donors.links import current_token
from service.pledges.tables import Pledge
from service.web import public_cache
from tests import factories, staff
from tests.browser import app_server
from tests.workers import PrivateRedis

HTML = {"accept": "text/html"}


async def pledge_over_api(client: httpx.AsyncClient, number: int, project: int, fen: int):
    response = await client.post(
        "/api/v1/pledges",
        json={
            "event": number,
            "project_id": project,
            "amount_fen": fen,
            "donor": {"kind": "individual", "display_name": "缓存", "email": "c@example.com"},
        },
    )
    assert response.status_code == 201, response.text
    return response


async def sneak(sql: str, *args: object) -> None:
    """A change made behind the service's back (no write transaction, so no new version):
    shows whether an answer came from the cache."""
    connection = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        await connection.execute(sql, *args)
    finally:
        await connection.close()


async def test_public_answers_carry_an_etag_and_revalidate_with_304(client):
    event = await factories.event()
    project = await factories.project(event.id)
    url = f"/api/v1/projects/{project}"
    first = await client.get(url)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    assert "Accept-Language" in first.headers["vary"]
    again = await client.get(url, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    # A pledge commits: the old tag no longer matches and the new figures are served.
    await pledge_over_api(client, event.number, project, 12_300)
    after = await client.get(url, headers={"if-none-match": etag})
    assert after.status_code == 200 and after.headers["etag"] != etag
    assert after.json()["totals"]["pledged"] == 12_300


async def test_the_shared_cache_serves_until_a_write_commits(client):
    event = await factories.event()
    project = await factories.project(event.id)
    for url in (f"/api/v1/projects/{project}", f"/events/{event.number}", "/"):
        await client.get(url, headers=HTML)
    await sneak("UPDATE project SET title = 'sneaked' WHERE id = $1", project)
    for url in (f"/api/v1/projects/{project}", f"/events/{event.number}", "/"):
        cached = await client.get(url, headers=HTML)
        assert "sneaked" not in cached.text, url  # served from the cache
    await factories.pledge(event.number, project, 5_000)  # any committed write
    for url in (f"/api/v1/projects/{project}", f"/events/{event.number}", "/"):
        fresh = await client.get(url, headers=HTML)
        assert "sneaked" in fresh.text, url


async def test_answers_may_lag_a_write_by_the_stale_window_only(client, monkeypatch):
    event = await factories.event()
    project = await factories.project(event.id)
    url = f"/api/v1/projects/{project}"
    before = await client.get(url)
    monkeypatch.setattr(
        public_cache, "_stale_s", 60.0
    )  # PUBLIC_STALE_MS=60000 (a slow pledge stays inside it)
    await pledge_over_api(client, event.number, project, 7_700)
    lagging = await client.get(url)
    assert lagging.json()["totals"]["pledged"] == 0  # within the window: the answer before
    assert lagging.headers["etag"] == before.headers["etag"]  # …tagged as what it is
    monkeypatch.setattr(public_cache, "_stale_s", 0.0)
    fresh = await client.get(url)
    assert fresh.json()["totals"]["pledged"] == 7_700
    assert fresh.headers["etag"] != before.headers["etag"]


async def test_languages_are_cached_apart_and_pages_set_no_shared_cookie(client):
    event = await factories.event()
    await factories.project(event.id)
    chinese = await client.get("/", headers={**HTML, "accept-language": "zh-CN"})
    english = await client.get("/", headers={**HTML, "accept-language": "en"})
    assert "已筹集" in chinese.text and "已筹集" not in english.text
    assert chinese.headers["etag"] != english.headers["etag"]
    again = await client.get("/", headers={**HTML, "accept-language": "en"})
    assert again.text == english.text
    # A cached page must not carry one visitor's cookie (CSRF) to the next.
    for response in (chinese, english, again):
        assert "set-cookie" not in response.headers


async def test_project_page_is_rendered_once_but_each_visitor_gets_own_form_slots(app, clean_db):
    event = await factories.event()
    project = await factories.project(event.id)
    url = f"/projects/{project}"
    transport = httpx.ASGITransport(app=app)

    async def visit() -> tuple[httpx.AsyncClient, str, str, str]:
        visitor = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        page = await visitor.get(url, headers=HTML)
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        key = re.search(r'name="form_key" value="([^"]+)"', page.text).group(1)
        assert token == visitor.cookies["minsheng_csrf"]
        return visitor, page.text, token, key

    first, _, token1, key1 = await visit()
    await sneak("UPDATE project SET title = 'sneaked' WHERE id = $1", project)
    second, page2, token2, key2 = await visit()
    assert "sneaked" not in page2  # the same rendering, served from the cache…
    assert token1 != token2 and key1 != key2  # …with each visitor's own token and key
    # The second visitor's form works with their own token; the pledge moves the version.
    posted = await second.post(
        f"{url}/pledge",
        data={
            "_csrf_token": token2,
            "form_key": key2,
            "kind": "individual",
            "amount": "10.00",
            "display_name": "访客",
            "phone": "13800000000",
        },
        headers=HTML,
    )
    assert posted.status_code in (200, 303), posted.text[:500]
    third, page3, _, _ = await visit()
    assert "sneaked" in page3
    for visitor in (first, second, third):
        await visitor.aclose()


async def test_project_page_served_from_the_copy_keeps_the_csrf_middlewares_rules(app, clean_db):
    """Anonymous visits after the first are answered from this process's copy without
    the route: a visitor's own CSRF cookie is reused (no new cookie), one without gets a
    new signed token in the same cookie, a strange cookie value is escaped as the
    template would, and a write shows at once."""
    event = await factories.event()
    project = await factories.project(event.id)
    public_cache.forget_local_copies()  # the tests before rendered pages at this path
    await public_cache.bump_content_version()
    url = f"/projects/{project}"
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as first:
        rendered = await first.get(url, headers=HTML)  # rendered: learns the page
        cookie = rendered.headers["set-cookie"]
        await sneak("UPDATE project SET title = 'sneaked' WHERE id = $1", project)
        again = await first.get(url, headers=HTML)  # the visitor's cookie is reused
        assert again.status_code == 200 and "set-cookie" not in again.headers
        assert "sneaked" not in again.text
        assert f'value="{first.cookies["minsheng_csrf"]}"' in again.text
        assert again.headers["content-length"] == str(len(again.content))
        assert again.headers["content-type"] == rendered.headers["content-type"]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as second:
        served = await second.get(url, headers=HTML)
        assert "sneaked" not in served.text  # from the copy
        token = second.cookies["minsheng_csrf"]
        assert served.headers["set-cookie"] == cookie.replace(
            cookie.split(";")[0], f"minsheng_csrf={token}"
        )
        assert f'name="_csrf_token" value="{token}"' in served.text
        assert served.headers["cache-control"] == "no-store"
    odd = await httpx.AsyncClient(transport=transport, base_url="http://testserver").get(
        url, headers={**HTML, "cookie": 'minsheng_csrf=a"<b>'}
    )
    assert 'value="a&#34;&lt;b&gt;"' in odd.text and "set-cookie" not in odd.headers
    await factories.pledge(event.number, project, 5_000)  # any committed write
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as third:
        assert "sneaked" in (await third.get(url, headers=HTML)).text


async def test_staff_pages_and_donor_links_are_never_cached(client):
    event = await factories.event()
    project = await factories.project(event.id)
    response = await pledge_over_api(client, event.number, project, 8_000)
    donor = (await Pledge.select(Pledge.donor).first())["donor"]
    link = f"/donor/{await current_token(donor)}"
    page = await client.get(link, headers=HTML)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store" and "etag" not in page.headers
    await sneak("UPDATE donor SET display_name = 'sneaked' WHERE id = $1", donor)
    assert "sneaked" in (await client.get(link, headers=HTML)).text
    # The pledge's own API answer and the project page with its form: private too.
    pledge_answer = await client.get(f"/api/v1/pledges/{response.json()['id']}")
    assert pledge_answer.headers["cache-control"] == "no-store"
    project_page = await client.get(f"/projects/{project}", headers=HTML)
    assert project_page.headers["cache-control"] == "no-store"
    # Staff: console pages, and even a public answer asked for with a staff session.
    url = f"/api/v1/projects/{project}"
    await client.get(url)  # cached for the public
    await staff.login(client, await staff.make("organizer"))
    console = await client.get("/console/projects", headers=HTML)
    assert console.status_code == 200 and console.headers["cache-control"] == "no-store"
    await sneak("UPDATE project SET title = 'staff sees it' WHERE id = $1", project)
    seen = await client.get(url)
    assert seen.json()["title"] == "staff sees it" and "etag" not in seen.headers


async def test_a_write_in_another_process_invalidates_every_web_process(tmp_path, clean_db):
    """A server with Redis caches an answer; a write committed in this process (as a
    Celery worker or a second web process would) moves the shared version."""
    redis = PrivateRedis().start()
    previous = public_cache._bumper
    try:
        with app_server(cwd=tmp_path, REDIS_URL=redis.url, OUTBOX_KICK="0") as base:
            public_cache.install_redis_bumper(redis.url)
            event = await factories.event()
            project = await factories.project(event.id)
            async with httpx.AsyncClient(base_url=base, timeout=30) as web:
                url = f"/api/v1/projects/{project}"
                first = await web.get(url)
                assert first.json()["totals"]["pledged"] == 0
                await sneak("UPDATE project SET title = 'x' WHERE id = $1", project)
                assert (await web.get(url)).json()["title"] != "x"  # cached
                await factories.pledge(event.number, project, 4_200)
                await asyncio.sleep(public_cache.VERSION_MEMO_S + 0.05)  # "a moment"
                fresh = await web.get(url, headers={"if-none-match": first.headers["etag"]})
                assert fresh.status_code == 200
                assert fresh.json()["totals"]["pledged"] == 4_200
                assert fresh.json()["title"] == "x"
    finally:
        public_cache._bumper = previous
        redis.stop()
