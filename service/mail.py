"""Sending mail: SMTP when SMTP_URL is set, else .eml files in MAIL_OUTBOX_DIR.
The transport itself (TLS, login, timeouts) lives in `service.mail_transport`.

Services never call this directly inside a money transaction: they enqueue an outbox
message (topic "mail.send", see `queue_mail`) and the relay sends it after commit.
A message carries either the rendered mail or a template and its context
(`templated_mail_message`), rendered by the relay when it sends.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from jinja2 import Environment

from service import mail_transport
from service.outbox.services import Message, enqueue_many
from service.settings import Settings, get_settings
from service.web.templating import build_environment

SMTP_TIMEOUT_S = 30
"""Default of SMTP_TIMEOUT_S (kept for callers that read it)."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    path: str
    """A key in the file storage (service.storage), read when the mail is sent; a path
    to an existing local file is read from disk (mails queued before storage existed)."""


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
            _attachment_bytes(attachment.path, settings),
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
        )
    return message


def _attachment_bytes(path: str, settings: Settings) -> bytes:
    from service.storage import get_storage

    local = Path(path)
    if local.is_absolute() or local.is_file():
        return local.read_bytes()
    return get_storage(settings).read(path)


def send(mail: Mail, settings: Settings | None = None) -> str:
    """Deliver one mail now; returns its Message-ID. Raises on failure (the relay retries)."""
    settings = settings or get_settings()
    return mail_transport.deliver(build_message(mail, settings), settings)


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
