"""Mail over TLS against a real aiosmtpd on loopback with a self-signed certificate:
STARTTLS on smtp://, implicit TLS on smtps://, login, a refused login, no password in
clear, and production refusing to start without a mail transport."""

from __future__ import annotations

import pytest

from service import mail
from service.mail_transport import MailTransportError, check_login
from service.outbox.services import enqueue_many
from service.outbox.tables import OutboxMessage
from service.settings import SettingsError, load_settings
from tasks import outbox
from tests.tls_smtp import TlsMailServer, self_signed_certificate


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return self_signed_certificate(tmp_path_factory.mktemp("smtp-tls"))


@pytest.fixture
def server_factory(certificate):
    servers: list[TlsMailServer] = []

    def start(mode: str) -> TlsMailServer:
        server = TlsMailServer(*certificate, mode).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def settings_for(url: str, ca_file=None, **environ: str):
    env = {"SMTP_URL": url, "SECRET_KEY": "k" * 40, **environ}
    if ca_file:
        env["SMTP_CA_FILE"] = str(ca_file)
    return load_settings(env)


def a_mail(to: str = "donor@example.com") -> mail.Mail:
    return mail.Mail(to=to, subject="认捐确认", text="谢谢您的认捐。", html="<p>谢谢</p>")


def test_starttls_upgrades_logs_in_and_delivers(server_factory, certificate):
    server = server_factory("starttls")
    settings = settings_for(server.url(), certificate[0])
    assert settings.ops.smtp_starttls == "auto"
    message_id = mail.send(a_mail(), settings)
    [received] = server.wait_for(1)
    assert received["Message-ID"] == message_id
    assert received["Subject"] == "认捐确认"
    assert server.handler.encrypted == [True]
    assert server.handler.logins == [("mailer", True)]


def test_implicit_tls_smtps_delivers(server_factory, certificate):
    server = server_factory("implicit")
    settings = settings_for(server.url(), certificate[0], MINSHENG_ENV="production")
    mail.send(a_mail(), settings)
    server.wait_for(1)
    assert server.handler.encrypted == [True]
    assert server.handler.logins == [("mailer", True)]


def test_a_refused_login_names_the_fix_and_sends_nothing(server_factory, certificate):
    server = server_factory("starttls")
    settings = settings_for(server.url(password="wrong"), certificate[0])
    with pytest.raises(MailTransportError, match=r"refused the login for 'mailer'.*SMTP_URL"):
        mail.send(a_mail(), settings)
    with pytest.raises(MailTransportError, match="refused the login"):
        check_login(settings)
    assert server.messages == []
    # smtplib tries each offered mechanism (PLAIN, LOGIN) before giving up
    assert server.handler.logins and set(server.handler.logins) == {("mailer", False)}


def test_an_untrusted_certificate_is_refused(server_factory):
    server = server_factory("starttls")
    settings = settings_for(server.url())  # no SMTP_CA_FILE: the system's roots only
    with pytest.raises(MailTransportError, match=r"certificate.*SMTP_CA_FILE"):
        mail.send(a_mail(), settings)
    assert server.messages == [] and server.handler.logins == []


def test_production_requires_starttls_and_never_sends_a_password_in_clear(server_factory):
    server = server_factory("plain")
    production = settings_for(server.url(), MINSHENG_ENV="production")
    assert production.ops.smtp_starttls == "require"
    with pytest.raises(MailTransportError, match="does not offer STARTTLS"):
        mail.send(a_mail(), production)
    development = settings_for(server.url())  # auto: no STARTTLS offered, but a login
    with pytest.raises(MailTransportError, match="password in clear"):
        mail.send(a_mail(), development)
    assert server.messages == [] and server.handler.logins == []
    # Explicitly off (a relay on a trusted network): sent without TLS.
    relay = settings_for(server.url(user=""), MINSHENG_ENV="production", SMTP_STARTTLS="off")
    mail.send(a_mail(), relay)
    server.wait_for(1)
    assert server.handler.encrypted == [False]


def test_check_login_reports_tls_and_user(server_factory, certificate):
    server = server_factory("starttls")
    line = check_login(settings_for(server.url(), certificate[0]))
    assert line == f"smtp://127.0.0.1:{server.port} answers (TLS, logged in as mailer)"
    assert server.messages == []


def test_production_refuses_to_start_without_a_mail_transport():
    base = {"MINSHENG_ENV": "production", "SECRET_KEY": "s" * 40}
    with pytest.raises(SettingsError) as refused:
        load_settings(base)
    assert refused.value.variable == "SMTP_URL"
    assert "MAIL_TRANSPORT=file" in str(refused.value)
    assert load_settings({**base, "MAIL_TRANSPORT": "file"}).ops.mail_transport == "file"
    with pytest.raises(SettingsError, match="SMTP_URL"):
        load_settings({"MAIL_TRANSPORT": "smtp"})
    with pytest.raises(SettingsError, match="SMTP_STARTTLS"):
        load_settings({"SMTP_STARTTLS": "maybe"})


async def test_the_relay_keeps_a_mail_pending_after_a_refused_login_then_delivers(
    clean_db, server_factory, certificate, monkeypatch
):
    server = server_factory("starttls")
    bad = settings_for(server.url(password="wrong"), certificate[0])
    good = settings_for(server.url(), certificate[0])
    await enqueue_many([mail.mail_message(a_mail(), dedupe_key="tls-relay-1")])
    monkeypatch.setattr(mail, "get_settings", lambda: bad)
    assert await outbox.relay_once() == 0
    row = await OutboxMessage.select().where(OutboxMessage.topic == "mail.send").first()
    assert row["delivered_at"] is None and "refused the login" in row["last_error"]
    await OutboxMessage.update({OutboxMessage.available_at: OutboxMessage.created_at}).where(
        OutboxMessage.id == row["id"]
    )
    monkeypatch.setattr(mail, "get_settings", lambda: good)
    assert await outbox.relay_once() == 1
    assert len(server.wait_for(1)) == 1
