"""The mail transport: the only module that talks SMTP (or writes .eml files instead).

`smtp://host:587` upgrades with STARTTLS when the server offers it (`SMTP_STARTTLS=auto`,
the default outside production) and refuses to go on without it under `require` (the
production default); `off` never upgrades (a relay on the same machine). `smtps://host:465`
speaks TLS from the first byte. Certificates are verified against the system's trust store,
or `SMTP_CA_FILE`. Credentials in the URL are sent only over TLS unless STARTTLS is
explicitly off. Every connect and command has `SMTP_TIMEOUT_S`.
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from service.settings import Settings


class MailTransportError(RuntimeError):
    """The mail could not be handed to the server; the message says why and what to fix."""


@dataclass(frozen=True)
class SmtpTarget:
    scheme: str
    host: str
    port: int
    username: str
    password: str

    @classmethod
    def from_url(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url)
        implicit = parts.scheme == "smtps"
        return cls(
            scheme=parts.scheme,
            host=parts.hostname or "localhost",
            port=parts.port or (465 if implicit else 25),
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
        )

    @property
    def display(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


def uses_smtp(settings: Settings) -> bool:
    """SMTP when SMTP_URL is set, unless MAIL_TRANSPORT=file says otherwise."""
    return bool(settings.smtp_url) and settings.ops.mail_transport != "file"


def tls_context(settings: Settings) -> ssl.SSLContext:
    """Verifying context: the system's roots, or SMTP_CA_FILE for a private CA."""
    ca_file = settings.ops.smtp_ca_file
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


def _connect(settings: Settings) -> tuple[smtplib.SMTP, SmtpTarget, bool]:
    """An open, greeted, (if possible) encrypted and logged-in connection; the caller
    closes it. Returns (client, target, encrypted)."""
    assert settings.smtp_url, "SMTP transport without SMTP_URL"
    target = SmtpTarget.from_url(settings.smtp_url)
    timeout = settings.ops.smtp_timeout_s
    mode = settings.ops.smtp_starttls
    try:
        if target.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                target.host, target.port, timeout=timeout, context=tls_context(settings)
            )
            encrypted = True
        else:
            client = smtplib.SMTP(target.host, target.port, timeout=timeout)
            encrypted = False
    except (OSError, smtplib.SMTPException) as exc:
        raise MailTransportError(
            f"cannot connect to {target.display}: {exc!r} (check SMTP_URL's host and port, "
            "and that the server is up)"
        ) from exc
    try:
        client.ehlo()
        if not encrypted and mode != "off":
            if client.has_extn("starttls"):
                client.starttls(context=tls_context(settings))
                client.ehlo()  # capabilities change after the upgrade (AUTH appears)
                encrypted = True
            elif mode == "require":
                raise MailTransportError(
                    f"{target.display} does not offer STARTTLS and SMTP_STARTTLS=require: use "
                    "the provider's submission port (587) or smtps:// on 465; SMTP_STARTTLS=off "
                    "only for a relay on a trusted network"
                )
        if target.username:
            if not encrypted and mode != "off":
                raise MailTransportError(
                    f"{target.display} offers no TLS: refusing to send the SMTP password in "
                    "clear (use STARTTLS or smtps://)"
                )
            try:
                client.login(target.username, target.password)
            except smtplib.SMTPAuthenticationError as exc:
                raise MailTransportError(
                    f"{target.display} refused the login for {target.username!r} "
                    f"({exc.smtp_code}): check the user and password in SMTP_URL"
                ) from exc
        return client, target, encrypted
    except ssl.SSLError as exc:
        client.close()
        raise MailTransportError(
            f"TLS with {target.display} failed: {exc!r} (the certificate must be valid for "
            "the host; a private CA goes in SMTP_CA_FILE)"
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        client.close()
        raise MailTransportError(f"SMTP with {target.display} failed: {exc!r}") from exc
    except BaseException:
        client.close()
        raise


def deliver(message: EmailMessage, settings: Settings) -> str:
    """Hand one message to the configured transport; returns its Message-ID. Raises
    MailTransportError (the outbox relay retries with a back-off)."""
    if not uses_smtp(settings):
        settings.mail_outbox_dir.mkdir(parents=True, exist_ok=True)
        (settings.mail_outbox_dir / f"{uuid.uuid4().hex}.eml").write_bytes(message.as_bytes())
        return message["Message-ID"]
    client, target, _encrypted = _connect(settings)
    try:
        client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailTransportError(f"{target.display} did not accept the mail: {exc!r}") from exc
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return message["Message-ID"]


def check_login(settings: Settings) -> str:
    """Connect, upgrade and log in without sending (for `minsheng doctor`): a sentence
    describing what worked; raises MailTransportError with the fix otherwise."""
    if not uses_smtp(settings):
        return f"MAIL_TRANSPORT=file: mails are written to {settings.mail_outbox_dir}"
    client, target, encrypted = _connect(settings)
    try:
        client.noop()
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    how = "TLS" if encrypted else "no TLS"
    who = f"logged in as {target.username}" if target.username else "no login"
    return f"{target.display} answers ({how}, {who})"
