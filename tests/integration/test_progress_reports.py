"""Progress reports: owners post dated text and photos; a project is completed only with
its final report; bad photos and states are 4xx naming the field, nothing written."""

from __future__ import annotations

from service.progress.tables import ProgressPhoto, ProgressReport
from service.projects.tables import Project
from tests import evidence_files, factories, staff


async def running_project():
    event = await factories.event()
    project = await factories.project(event.id)
    await Project.update({Project.status: "in_progress"}).where(Project.id == project)
    org = (await Project.select(Project.owner_org).where(Project.id == project).first())[
        "owner_org"
    ]
    return project, await staff.make("project_owner", org, username="owner")


async def post(client, who, project, photo: bytes | None = None, **fields):
    data = {"report_date": "2026-11-01", "status": "milestone", "title": "食堂装修完成"}
    data.update(fields)
    files = {"photo_0": ("p.png", photo or evidence_files.png())}
    return await client.post(
        f"/api/v1/console/projects/{project}/progress", data=data, files=files, headers=who.headers
    )


async def test_completion_needs_the_final_report(client):
    project, owner = await running_project()
    organizer = await staff.make("organizer", username="org")
    assert (await post(client, owner, project)).status_code == 201
    refused = await client.post(
        f"/api/v1/console/projects/{project}/complete", json={}, headers=organizer.headers
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "status"
    assert (await post(client, owner, project, status="completed", title="竣工")).status_code == 201
    done = await client.post(
        f"/api/v1/console/projects/{project}/complete", json={}, headers=organizer.headers
    )
    assert done.status_code == 201, done.text
    accepted = await post(client, owner, project, status="accepted", title="验收与决算公示")
    assert accepted.status_code == 201
    fund_use = (await client.get(f"/api/v1/projects/{project}/fund-use")).json()
    assert [r["status"] for r in fund_use["timeline"]] == ["milestone", "completed", "accepted"]
    photo = fund_use["timeline"][0]["photos"][0]["url"]
    served = await client.get(photo)
    assert served.status_code == 200 and served.content == evidence_files.png()


async def test_bad_reports_write_nothing(client):
    project, owner = await running_project()
    cases = [
        ({"photo": evidence_files.pdf()}, "photos[0]", 400),  # photos are images
        ({"photo": evidence_files.png_with_zip()}, "photos[0]", 400),
        ({"report_date": "2999-01-01"}, "report_date", 400),
        ({"status": "finished"}, "status", 400),
        ({"title": ""}, "title", 400),
        ({"status": "accepted"}, "status", 422),  # not completed yet
    ]
    for fields, field, status in cases:
        photo = fields.pop("photo", None)
        response = await post(client, owner, project, photo, **fields)
        assert response.status_code == status, (fields, response.text)
        assert field in [e["field"] for e in response.json()["errors"]], response.text
    assert await ProgressReport.count() == 0
    assert await ProgressPhoto.count() == 0
