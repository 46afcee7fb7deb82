"""Sending mail: SMTP when SMTP_URL is set, else .eml files in MAIL_OUTBOX_DIR.

Services never call this directly inside a money transaction: they enqueue an outbox
message (topic "mail.send", see `queue_mail`) and the relay sends it after commit.
A message carries either the rendered mail or a template and its context
(`templated_mail_message`), rendered by the relay when it sends.
"""

from __future__ import annotations

import functools
import json
import smtplib
import ssl
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jinja2 import Environment

from service.outbox.services import Message, enqueue_many
from service.settings import Settings, get_settings
from service.web.templating import build_environment

SMTP_TIMEOUT_S = 30


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    path: str
    """A file under MINSHENG_DATA_DIR, read when the mail is sent."""


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    message_id: str = ""


@functools.cache
def mail_environment() -> Environment:
    """One Jinja environment for mails, so templates are compiled once per process (a new
    environment per mail recompiled them every time: the largest cost of a pledge)."""
    return build_environment()


def render_mail(template: str, context: dict) -> tuple[str, str, str]:
    """(subject, text, html) from templates/emails/<template>.{subject,txt,html}."""
    env = mail_environment()
    subject = env.get_template(f"emails/{template}.subject.txt").render(context).strip()
    text = env.get_template(f"emails/{template}.txt").render(context)
    html = env.get_template(f"emails/{template}.html").render(context)
    return subject, text, html


def build_message(mail: Mail, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    name, address = parseaddr(settings.mail_from)
    message["From"] = formataddr((name, address))
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id or make_msgid(domain="minsheng.local")
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    for attachment in mail.attachments:
        maintype, subtype = attachment.content_type.split("/", 1)
        message.add_attachment(
            Path(attachment.path).read_bytes(),
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
        )
    return message


def send(mail: Mail, settings: Settings | None = None) -> str:
    """Deliver one mail now; returns its Message-ID. Raises on failure (the relay retries)."""
    settings = settings or get_settings()
    message = build_message(mail, settings)
    if not settings.smtp_url:
        settings.mail_outbox_dir.mkdir(parents=True, exist_ok=True)
        name = f"{uuid.uuid4().hex}.eml"
        (settings.mail_outbox_dir / name).write_bytes(message.as_bytes())
        return message["Message-ID"]
    parts = urlsplit(settings.smtp_url)
    host, port = parts.hostname or "localhost", parts.port
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port or 465, timeout=SMTP_TIMEOUT_S, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(host, port or 25, timeout=SMTP_TIMEOUT_S)
    with client:
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)
    return message["Message-ID"]


def mail_message(mail: Mail, dedupe_key: str) -> Message:
    """The outbox message that sends `mail` (topic "mail.send")."""
    return Message(
        "mail.send",
        {
            "to": mail.to,
            "subject": mail.subject,
            "text": mail.text,
            "html": mail.html,
            "message_id": mail.message_id or make_msgid(domain="minsheng.local"),
            "attachments": [
                {"filename": a.filename, "content_type": a.content_type, "path": a.path}
                for a in mail.attachments
            ],
        },
        dedupe_key=dedupe_key,
    )


async def queue_mail(mail: Mail, dedupe_key: str) -> None:
    """Record a mail in the outbox, inside the caller's transaction; sent after commit.
    The same dedupe_key never queues the same mail twice."""
    await enqueue_many([mail_message(mail, dedupe_key)])


def templated_mail_message(
    template: str, context: dict[str, Any], to: str, dedupe_key: str
) -> Message:
    """A mail rendered when it is sent (by the relay), not in the caller's request: the
    context must be plain values (dates become ISO text, as the templates print them)."""
    return Message(
        "mail.send",
        {
            "to": to,
            "template": template,
            "context": json.loads(json.dumps(context, default=str, ensure_ascii=False)),
            "message_id": make_msgid(domain="minsheng.local"),
        },
        dedupe_key=dedupe_key,
    )


def mail_from_payload(payload: dict) -> Mail:
    if "template" in payload:
        subject, text, html = render_mail(payload["template"], payload["context"])
    else:
        subject, text, html = payload["subject"], payload["text"], payload.get("html")
    return Mail(
        to=payload["to"],
        subject=subject,
        text=text,
        html=html,
        message_id=payload.get("message_id", ""),
        attachments=tuple(Attachment(**a) for a in payload.get("attachments", [])),
    )
