"""A TLS-capable aiosmtpd server on loopback with a self-signed certificate and a login
(tests only): STARTTLS on a submission-style port, or implicit TLS (smtps)."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.browser import free_port

USER, PASSWORD = "mailer", "correct horse battery staple"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """(certificate, key) PEM files for 127.0.0.1 and localhost, valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "minsheng test mail")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class Handler:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.encrypted: list[bool] = []
        self.logins: list[tuple[str, bool]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        self.encrypted.append(server.transport.get_extra_info("ssl_object") is not None)
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (USER, PASSWORD)
        self.logins.append(
            (auth_data.login.decode() if isinstance(auth_data, LoginPassword) else "?", ok)
        )
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


class TlsMailServer:
    """mode: "starttls" (plain connect, STARTTLS offered and required before AUTH),
    "implicit" (TLS from the first byte), "plain" (no TLS offered at all)."""

    def __init__(self, cert_file: Path, key_file: Path, mode: str) -> None:
        self.mode = mode
        self.port = free_port()
        self.handler = Handler()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        kwargs: dict = {
            "authenticator": self.handler.authenticate,
            "auth_require_tls": True,
        }
        if mode == "starttls":
            kwargs |= {"tls_context": context, "require_starttls": True}
        elif mode == "implicit":
            # aiosmtpd only counts STARTTLS as TLS for auth_require_tls; this connection is
            # TLS from the first byte (the handler records it per message).
            kwargs |= {"ssl_context": context, "auth_require_tls": False}
        else:
            kwargs |= {"auth_require_tls": False}
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            server_hostname="localhost",
            **kwargs,
        )

    def url(self, user: str = USER, password: str = PASSWORD) -> str:
        scheme = "smtps" if self.mode == "implicit" else "smtp"
        login = f"{user}:{password.replace(' ', '%20')}@" if user else ""
        return f"{scheme}://{login}127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def wait_for(self, count: int, timeout: float = 30) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.messages

    def start(self) -> TlsMailServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
