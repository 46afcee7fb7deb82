"""Chinese by default; English by Accept-Language or by the toggle (which is remembered)."""

from tests import factories


async def test_chinese_by_default_and_english_by_accept_language(client):
    await factories.event(number=5)
    html = {"accept": "text/html"}
    chinese = await client.get("/events/5", headers=html)
    assert 'lang="zh-Hans"' in chinese.text
    assert "已筹集" in chinese.text
    english = await client.get(
        "/events/5", headers={**html, "accept-language": "en-GB,en;q=0.9,zh;q=0.5"}
    )
    assert 'lang="en"' in english.text
    assert "Raised" in english.text
    assert "已筹集" not in english.text


async def test_the_toggle_switches_and_is_remembered(client):
    html = {"accept": "text/html"}
    page = await client.get("/login", headers=html)
    assert 'href="?lang=en"' in page.text  # the visible toggle
    switched = await client.get("/login?lang=en", headers=html)
    assert "Staff login" in switched.text
    assert "lang=en" in switched.headers["set-cookie"]
    later = await client.get("/login", headers={**html, "accept-language": "zh-CN"})
    assert "Staff login" in later.text  # the cookie wins over the header
    back = await client.get("/login?lang=zh_Hans", headers=html)
    assert "工作人员登录" in back.text


async def test_api_errors_follow_accept_language(client):
    from tests import staff

    organizer = await staff.make("organizer")
    response = await client.post(
        "/api/v1/console/events",
        json={"number": 3, "title": " "},
        headers={**organizer.headers, "accept-language": "en"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "The title is required."


async def test_event_page_filters_by_community_category_and_status(client):
    from service.projects.tables import Project

    event = await factories.event(number=5)
    published = await factories.project(event.id, status=Project.Status.published)
    funded = await factories.project(event.id, status=Project.Status.funded)
    await factories.project(event.id, status=Project.Status.draft)  # never shown
    html = {"accept": "text/html"}
    page = await client.get("/events/5", headers=html)
    assert f'data-project-id="{published}"' in page.text
    assert f'data-project-id="{funded}"' in page.text
    assert page.text.count("data-project-id=") == 2
    only_funded = await client.get("/events/5?status=funded", headers=html)
    assert f'data-project-id="{funded}"' in only_funded.text
    assert f'data-project-id="{published}"' not in only_funded.text
    api = await client.get("/api/v1/events/5/projects?status=funded")
    assert [p["id"] for p in api.json()] == [funded]
