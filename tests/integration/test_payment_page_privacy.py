"""The payment page is reachable by anyone holding the pledge's address: it names an
anonymous donor as 爱心人士 and asks for the code the bank-statement matcher knows."""

from __future__ import annotations

import re

from tests import factories
from tests.pledge_helpers import HTML, pledge_body


async def test_payment_page_hides_an_anonymous_donor_and_shows_the_pledge_code(client):
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(1_000_000,))
    body = pledge_body(event.number, project, 10_000, display_name="李秘密", anonymous=True)
    created = await client.post("/api/v1/pledges", json=body)
    pledge_id = created.json()["id"]
    page = await client.get(f"/pledges/{pledge_id}/pay", headers=HTML)
    assert page.status_code == 200
    assert "李秘密" not in page.text
    assert "爱心人士" in page.text
    code = "MS" + pledge_id.replace("-", "")[:8].upper()
    assert code in page.text
    assert re.search(r"MS[0-9A-F]{8}", page.text)
    note = page.text.split("转账附言", 1)[1][:300]
    assert pledge_id not in note and code in note
