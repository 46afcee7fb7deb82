"""`minsheng demo` on a fresh folder: migrates the SQLite default, loads the demo and
serves the home page — exactly what a new user runs."""

import os
import re

import httpx

from tests.browser import free_port, service_process


def test_demo_command_serves_the_fifth_event_on_sqlite(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MINSHENG_DATA_DIR"}}
    with service_process(["demo", "--port", str(port)], base, env=env, cwd=tmp_path, timeout=180):
        home = httpx.get(f"{base}/", headers={"accept": "text/html"}, timeout=30)
        assert home.status_code == 200
        assert len(re.findall(r'data-project-id="\d+"', home.text)) == 23
        assert "¥2,031,580.00" in home.text
        assert (tmp_path / "minsheng.sqlite3").exists()
        ready = httpx.get(f"{base}/readyz", timeout=30)
        assert ready.json()["checks"]["database"] == "ok"


def _sqlite(path, sql: str) -> list[tuple]:
    import sqlite3

    with sqlite3.connect(path) as connection:
        return connection.execute(sql).fetchall()


def test_a_new_users_demo_is_alive_with_no_system_fonts_and_no_redis(tmp_path):
    """What a newcomer gets from `minsheng demo` in an empty folder, with no CJK font on
    the machine: every receipt issued and mailed (to files) with the font embedded, a
    funding snapshot and a ledger check taken at start, the bank details to pay with, and
    a quiet console."""
    import subprocess
    import time
    import uuid

    from service.donors.links import _signature

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    (tmp_path / "no-fonts").mkdir()
    (tmp_path / "fonts.conf").write_text(
        f'<?xml version="1.0"?><fontconfig><dir>{tmp_path / "no-fonts"}</dir></fontconfig>'
    )
    secret = "demo-secret-" + "x" * 32
    newcomer = {
        "DATABASE_URL", "MINSHENG_DATA_DIR", "MINSHENG_ENV", "OUTBOX_KICK", "EMBEDDED_BEAT",
        "BANK_ACCOUNT_NAME", "BANK_ACCOUNT_NUMBER", "BANK_NAME", "REDIS_URL",
    }  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in newcomer}
    env.update(FONTCONFIG_FILE=str(tmp_path / "fonts.conf"), SECRET_KEY=secret)
    database = tmp_path / "minsheng.sqlite3"
    with service_process(
        ["demo", "--port", str(port)], base, env=env, cwd=tmp_path, timeout=180
    ) as process:
        waiting = "SELECT count(*) FROM receipt r JOIN donor d ON d.id = r.donor "
        waiting += "WHERE r.number > 0 AND d.email IS NOT NULL AND r.mailed_at IS NULL"
        deadline = time.monotonic() + 120
        while _sqlite(database, waiting)[0][0] and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _sqlite(database, waiting)[0][0] == 0
        issued = _sqlite(database, "SELECT count(*) FROM receipt WHERE number > 0")[0][0]
        assert issued == _sqlite(database, "SELECT count(*) FROM payment")[0][0] > 0
        mails = sorted((tmp_path / "var" / "outbox").glob("*.eml"))
        assert mails
        import email
        from email import policy

        receipt_mail = next(
            m
            for path in mails
            for m in [email.message_from_bytes(path.read_bytes(), policy=policy.default)]
            if any(part.get_content_type() == "application/pdf" for part in m.iter_attachments())
        )
        pdf = tmp_path / "receipt.pdf"
        pdf.write_bytes(next(receipt_mail.iter_attachments()).get_content())
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
        assert "WenQuanYiMicroHei" in fonts and " yes yes yes " in fonts, fonts

        # The embedded beat's first round: a snapshot of today (the demo's own history
        # ends in 2018) and a ledger check.
        live = "SELECT count(*) FROM project_snapshot WHERE taken_at > '2019'"
        checks = "SELECT ok FROM ledger_check"
        deadline = time.monotonic() + 60
        while not _sqlite(database, checks) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _sqlite(database, live)[0][0] > 0
        assert [str(ok).lower() in ("1", "true") for (ok,) in _sqlite(database, checks)] == [True]

        donor_id, version = next(
            (uuid.UUID(row[0]), row[1])
            for row in _sqlite(
                database,
                "SELECT d.id, d.link_version FROM donor d JOIN pledge p ON p.donor = d.id "
                "WHERE p.status = 'pledged'",
            )
        )
        token = f"{donor_id.hex}.{version}.{_signature(donor_id, version, secret)}"
        page = httpx.get(f"{base}/donor/{token}", timeout=30).text
        assert "演示银行杭州望江支行" in page
        assert re.search(r"认捐编号（如 MS[0-9A-F]{8}）", page), page[-3000:]

        output = process.output()
    assert "Traceback" not in output and "WARNING" not in output.upper().replace("WARNINGS", "")
    assert "FontMissing" not in output
