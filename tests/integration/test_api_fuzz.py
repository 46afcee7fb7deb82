"""Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis),
anonymously and as each staff role, sized for CI: no 5xx, no invalid input accepted,
every answered status documented with the body the service really sends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests import factories, staff
from tests.browser import app_server

CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
    )
)
MAX_EXAMPLES = os.environ.get("FUZZ_MAX_EXAMPLES", "8")
PHASES = os.environ.get("FUZZ_PHASES", "examples,fuzzing")
"""CI runs the fuzzing phase (about 20 s per role); `FUZZ_PHASES=examples,coverage,fuzzing`
adds schemathesis' boundary-value phase (about 3.5 minutes per role)."""


async def seeded() -> dict[str, dict[str, str]]:
    """An open edition with a published project, and one API token per role."""
    event = await factories.event()
    await factories.project(event.id)
    org = await factories.organization()
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role, org_id in (("organizer", None), ("auditor", None), ("project_owner", org)):
        member = await staff.make(role, org_id)
        headers[role] = member.headers
    return headers


def fuzz(base: str, headers: dict[str, str], report: Path) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{base}/schema/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        MAX_EXAMPLES,
        "--phases",
        PHASES,
        "--seed",
        "14",
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        "--suppress-health-check",
        "all",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
        "--warnings",
        "off",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=600, check=False, cwd=report.parent
    )


async def test_fuzzing_finds_nothing_anonymously_or_as_any_role(clean_db, tmp_path):
    roles = await seeded()
    failures = {}
    with app_server(LOG_LEVEL="ERROR") as base:
        for role, headers in roles.items():
            report = tmp_path / f"{role}.ndjson"
            result = fuzz(base, headers, report)
            if result.returncode != 0:
                failures[role] = result.stdout[-4000:]
            cases = [json.loads(line) for line in report.read_text().splitlines()]
            assert len(cases) > 50, f"schemathesis ran too little as {role}"
    assert not failures, "\n\n".join(f"as {role}:\n{out}" for role, out in failures.items())
