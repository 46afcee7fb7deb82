"""Organizations over the API: organizers create and edit them; an enterprise must carry a
统一社会信用代码 that passes the GB 32100 check character, or nothing is written."""

import pytest

from service.audit.tables import AuditLog
from service.orgs.tables import Organization
from tests import staff

REAL_CODES = {
    "91330100799655058B": "阿里巴巴（中国）有限公司",
    "9144030071526726XG": "深圳市腾讯计算机系统有限公司",
    "914403001922038216": "华为技术有限公司",
    "91110108551385082Q": "小米科技有限责任公司",
    "91440300MA5H0HLK5U": "深圳某科技有限公司",
}


def corrupt(code: str, position: int) -> str:
    """Change one character to another of the charset, so only the check can catch it."""
    replacement = "1" if code[position] != "1" else "2"
    return code[:position] + replacement + code[position + 1 :]


@pytest.fixture
async def organizer(clean_db):
    return await staff.make("organizer")


@pytest.mark.parametrize(("code", "name"), REAL_CODES.items())
async def test_enterprises_with_real_codes_are_accepted(client, organizer, code, name):
    response = await client.post(
        "/api/v1/organizations",
        json={"name": name, "kind": "enterprise", "uscc": code.lower()},
        headers=organizer.headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["uscc"] == code  # normalized to upper case
    assert await AuditLog.count() == 1


@pytest.mark.parametrize("code", list(REAL_CODES))
@pytest.mark.parametrize("position", [2, 9, 17])
async def test_corrupted_codes_are_refused_with_a_message(client, organizer, code, position):
    bad = corrupt(code, position)
    response = await client.post(
        "/api/v1/organizations",
        json={"name": "某公司", "kind": "enterprise", "uscc": bad},
        headers=organizer.headers,
    )
    assert response.status_code == 400, response.text
    errors = response.json()["errors"]
    assert errors[0]["field"] == "uscc"
    assert "统一社会信用代码无效" in errors[0]["message"]
    assert await Organization.count() == 0


async def test_message_in_english_when_asked(client, organizer):
    response = await client.post(
        "/api/v1/organizations",
        json={"name": "Some Co", "kind": "enterprise", "uscc": corrupt("91330100799655058B", 17)},
        headers={**organizer.headers, "accept-language": "en-US,en;q=0.9"},
    )
    assert response.status_code == 400
    assert "Invalid unified social credit code" in response.json()["errors"][0]["message"]


async def test_an_enterprise_needs_a_code_but_a_community_does_not(client, organizer):
    missing = await client.post(
        "/api/v1/organizations",
        json={"name": "某公司", "kind": "enterprise"},
        headers=organizer.headers,
    )
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "uscc"
    community = await client.post(
        "/api/v1/organizations",
        json={"name": "徐家埠社区", "kind": "community", "contact": "王主任"},
        headers=organizer.headers,
    )
    assert community.status_code == 201
    assert community.json()["uscc"] is None


async def test_duplicates_conflict_and_edits_are_checked(client, organizer):
    first = await client.post(
        "/api/v1/organizations",
        json={"name": "华为技术有限公司", "kind": "enterprise", "uscc": "914403001922038216"},
        headers=organizer.headers,
    )
    org_id = first.json()["id"]
    twin = await client.post(
        "/api/v1/organizations",
        json={"name": "另一家", "kind": "enterprise", "uscc": "914403001922038216"},
        headers=organizer.headers,
    )
    assert twin.status_code == 409
    bad_edit = await client.patch(
        f"/api/v1/organizations/{org_id}",
        json={"uscc": corrupt("914403001922038216", 5)},
        headers=organizer.headers,
    )
    assert bad_edit.status_code == 400
    cleared = await client.patch(
        f"/api/v1/organizations/{org_id}", json={"uscc": ""}, headers=organizer.headers
    )
    assert cleared.status_code == 400  # an enterprise cannot lose its code
    renamed = await client.patch(
        f"/api/v1/organizations/{org_id}", json={"contact": "张经理"}, headers=organizer.headers
    )
    assert renamed.status_code == 200
    assert renamed.json()["contact"] == "张经理"
    assert renamed.json()["uscc"] == "914403001922038216"


@pytest.mark.parametrize(
    "body",
    [
        {"name": "", "kind": "community"},
        {"name": "x" * 201, "kind": "community"},
        {"name": "某地", "kind": "planet"},
        {"name": "某地", "kind": "community", "extra": 1},
    ],
)
async def test_bad_organizations_are_400(client, organizer, body):
    response = await client.post("/api/v1/organizations", json=body, headers=organizer.headers)
    assert response.status_code == 400
    assert response.json()["errors"]
    assert await Organization.count() == 0


async def test_console_page_refuses_a_bad_code_with_the_reason(client, organizer):
    import re

    await staff.login(client, organizer)
    html = {"accept": "text/html"}
    page = await client.get("/console/organizations", headers=html)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    bad = await client.post(
        "/console/organizations/",
        data={
            "_csrf_token": token,
            "name": "某公司",
            "kind": "enterprise",
            "uscc": corrupt("91110108551385082Q", 17),
        },
        headers=html,
    )
    assert bad.status_code == 400
    assert 'data-field="uscc"' in bad.text
    assert "统一社会信用代码无效" in bad.text
    assert await Organization.count() == 0
    good = await client.post(
        "/console/organizations/",
        data={
            "_csrf_token": token,
            "name": "小米科技有限责任公司",
            "kind": "enterprise",
            "uscc": "91110108551385082Q",
        },
        headers=html,
    )
    assert good.status_code == 303
    listed = await client.get("/console/organizations", headers=html)
    assert "91110108551385082Q" in listed.text
