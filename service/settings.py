"""Typed settings read from the environment, each documented where it is declared.

A bad value stops start-up with one line naming the variable and what is wrong
(`SettingsError`). `README.md` carries the same table for operators.
"""

from __future__ import annotations

import functools
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


ENVIRONMENTS = ("development", "test", "production")
DEFAULT_DATABASE_URL = "sqlite:///minsheng.sqlite3"
STRIPE_METHOD_TYPES = ("card", "alipay", "wechat_pay")


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    """MINSHENG_ENV: development | test | production. Production requires SECRET_KEY."""
    database_url: str = DEFAULT_DATABASE_URL
    """DATABASE_URL: postgresql://user@host:port/db, or sqlite:///relative/file.sqlite3
    (sqlite:////absolute/path). Default: minsheng.sqlite3 in the working folder."""
    redis_url: str | None = None
    """REDIS_URL: redis://host:port/db. Unset: Celery tasks run in process, caches in memory."""
    stripe_secret_key: str | None = None
    """STRIPE_SECRET_KEY: sk_test_… / sk_live_…. Unset: only offline channels (bank, cash)."""
    stripe_webhook_secret: str | None = None
    """STRIPE_WEBHOOK_SECRET: whsec_… used to verify webhook signatures."""
    stripe_api_base: str | None = None
    """STRIPE_API_BASE: override Stripe's API address (tests point it at localstripe)."""
    stripe_publishable_key: str | None = None
    """STRIPE_PUBLISHABLE_KEY: pk_test_… / pk_live_…, handed to Stripe.js on the payment page."""
    stripe_payment_methods: tuple[str, ...] = ("card",)
    """STRIPE_PAYMENT_METHODS: comma-separated payment method types the Stripe account
    supports, e.g. "card,alipay". Default "card"."""
    stripe_js_url: str = "https://js.stripe.com/v3/"
    """STRIPE_JS_URL: where the payment page loads Stripe.js from (tests: localstripe's fake
    Stripe.js at http://127.0.0.1:<port>/js.stripe.com/v3/)."""
    smtp_url: str | None = None
    """SMTP_URL: smtp://user:password@host:port (smtps:// for TLS). Unset: mails are
    written as .eml files to MAIL_OUTBOX_DIR."""
    mail_outbox_dir: Path = Path("var/outbox")
    """MAIL_OUTBOX_DIR: folder for .eml files when SMTP_URL is unset. Default var/outbox."""
    mail_from: str = "望江街道民生实事公益众筹会 <noreply@minsheng.local>"
    """MAIL_FROM: sender address of every mail."""
    secret_key: str = field(default="", repr=False)
    """SECRET_KEY: signs sessions and donor links (≥ 32 characters). Unset outside
    production: generated once and kept in var/secret_key."""
    base_url: str = "http://127.0.0.1:8000"
    """BASE_URL: the public address, used in mails, receipts' QR codes and donor links."""
    log_level: str = "INFO"
    """LOG_LEVEL: DEBUG | INFO | WARNING | ERROR."""
    log_json: bool = False
    """LOG_JSON: 1 to log one JSON object per line (production), 0 for readable lines."""
    data_dir: Path = Path("var")
    """MINSHENG_DATA_DIR: working files (secret key, uploads, receipts). Default var."""
    pledge_max_fen: int = 100_000_000
    """PLEDGE_MAX_FEN: largest single pledge in fen. Default 100000000 (¥1,000,000)."""
    pledge_due_days: int = 30
    """PLEDGE_DUE_DAYS: days after pledging by which a pledge should be paid. Default 30."""
    pledge_grace_days: int = 14
    """PLEDGE_GRACE_DAYS: days past the due date before an unpaid pledge lapses. Default 14."""
    bank_account_name: str = ""
    """BANK_ACCOUNT_NAME: account holder shown to donors for bank transfers (收款户名)."""
    bank_account_number: str = ""
    """BANK_ACCOUNT_NUMBER: account number shown to donors for bank transfers (收款账号)."""
    bank_name: str = ""
    """BANK_NAME: bank and branch shown to donors for bank transfers (开户行)."""
    outbox_kick: bool = True
    """OUTBOX_KICK: 1 to start delivering outbox rows right after commit (a relay task with
    REDIS_URL, in process without); 0 leaves them to the periodic relay. Default 1."""
    embedded_beat: bool = True
    """EMBEDDED_BEAT: without REDIS_URL, 1 runs beat's whole schedule (outbox relay, snapshots,
    reminders, ledger check…) in the web process; 0 runs only the outbox relay there
    (when OUTBOX_KICK is on). Default 1."""
    public_stale_ms: int = 250
    """PUBLIC_STALE_MS: how long a web process may keep serving a public answer after a
    write moved the content version (so a page renders a few times a second at most,
    however fast pledges arrive); 0 shows every write at once. Default 250 (0 when
    MINSHENG_ENV=test)."""
    outbox_lease_s: int = 120
    """OUTBOX_LEASE_S: seconds a relay holds a claimed outbox row; a relay that dies
    mid-delivery frees it after this. Default 120 (above the SMTP timeout)."""
    outbox_retry_base_s: int = 10
    """OUTBOX_RETRY_BASE_S: first back-off after a failed delivery, doubled per attempt up
    to one hour. Default 10."""
    receipt_issuer: str = "杭州市上城区望江街道民生实事公益众筹会"
    """RECEIPT_ISSUER: issuing organization printed on receipts when the edition has no
    operator organization."""
    reminder_days_before: int = 3
    """REMINDER_DAYS_BEFORE: first reminder this many days before a pledge is due. Default 3."""
    reminder_interval_days: int = 7
    """REMINDER_INTERVAL_DAYS: least days between two reminders of one pledge. Default 7."""
    reminder_max: int = 3
    """REMINDER_MAX: most reminders one pledge ever gets. Default 3."""
    reminder_hour: int = 9
    """REMINDER_HOUR: hour (Asia/Shanghai) of the daily reminders and organizer digest."""
    reminders_every_s: int | None = None
    """REMINDERS_EVERY_S: run reminders every N seconds instead of daily (tests, demos)."""
    snapshot_every_s: int = 3600
    """SNAPSHOT_EVERY_S: seconds between portfolio snapshots and alert checks. Default 3600."""
    unpaid_alert_days: int = 30
    """UNPAID_ALERT_DAYS: alert organizers about pledges unpaid this many days after they
    were made. Default 30."""
    minimum_alert_days: int = 3
    """MINIMUM_ALERT_DAYS: alert about projects under their minimum this many days before
    pledging closes. Default 3."""

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def sqlite_path(self) -> str:
        """File path of a sqlite:/// URL (sqlite:////abs for absolute paths)."""
        return self.database_url.removeprefix("sqlite:///")

    @property
    def tasks_in_process(self) -> bool:
        return self.redis_url is None


def _optional(environ: dict[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def _check_url(name: str, value: str, schemes: tuple[str, ...]) -> str:
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        raise SettingsError(name, f"expected a URL starting with {' or '.join(schemes)}")
    if parts.scheme.startswith("sqlite"):
        if not value.startswith("sqlite:///") or value == "sqlite:///":
            raise SettingsError(name, "expected sqlite:///path/to/file.sqlite3")
    elif not parts.hostname:
        raise SettingsError(name, "the URL has no host name")
    return value


def _bool(name: str, value: str | None, default: bool) -> bool:
    if value is None:
        return default
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(name, f"expected 1 or 0, got {value!r}")


def _days(environ: dict[str, str], name: str, default: int) -> int:
    value = _optional(environ, name) or str(default)
    if not value.isdigit() or int(value) > 3650:
        raise SettingsError(name, "expected a whole number of days between 0 and 3650")
    return int(value)


def _int(environ: dict[str, str], name: str, default: int, minimum: int = 0) -> int:
    value = _optional(environ, name)
    if value is None:
        return default
    if not value.isdigit() or int(value) < minimum:
        raise SettingsError(name, f"expected a whole number, at least {minimum}")
    return int(value)


def _secret_key(environ: dict[str, str], env: str, data_dir: Path) -> str:
    key = _optional(environ, "SECRET_KEY")
    if key is not None:
        if len(key) < 32:
            raise SettingsError("SECRET_KEY", "must be at least 32 characters long")
        return key
    if env == "production":
        raise SettingsError("SECRET_KEY", "is required when MINSHENG_ENV=production")
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key + "\n")
    key_file.chmod(0o600)
    return key


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read and validate every setting; raise SettingsError on the first bad one."""
    environ = dict(os.environ if environ is None else environ)
    env = environ.get("MINSHENG_ENV", "development").strip() or "development"
    if env not in ENVIRONMENTS:
        raise SettingsError("MINSHENG_ENV", f"expected one of {', '.join(ENVIRONMENTS)}")
    database_url = _check_url(
        "DATABASE_URL",
        _optional(environ, "DATABASE_URL") or DEFAULT_DATABASE_URL,
        ("sqlite", "postgres", "postgresql"),
    )
    redis_url = _optional(environ, "REDIS_URL")
    if redis_url:
        _check_url("REDIS_URL", redis_url, ("redis", "rediss", "unix"))
    smtp_url = _optional(environ, "SMTP_URL")
    if smtp_url:
        _check_url("SMTP_URL", smtp_url, ("smtp", "smtps"))
    stripe_key = _optional(environ, "STRIPE_SECRET_KEY")
    if stripe_key and not stripe_key.startswith(("sk_", "rk_")):
        raise SettingsError("STRIPE_SECRET_KEY", "expected a key starting with sk_ or rk_")
    stripe_base = _optional(environ, "STRIPE_API_BASE")
    if stripe_base:
        _check_url("STRIPE_API_BASE", stripe_base, ("http", "https"))
    payment_methods = tuple(
        m.strip().lower()
        for m in (_optional(environ, "STRIPE_PAYMENT_METHODS") or "card").split(",")
        if m.strip()
    )
    unknown = [m for m in payment_methods if m not in STRIPE_METHOD_TYPES]
    if unknown or not payment_methods:
        raise SettingsError(
            "STRIPE_PAYMENT_METHODS", f"expected some of {', '.join(STRIPE_METHOD_TYPES)}"
        )
    stripe_js = _check_url(
        "STRIPE_JS_URL",
        _optional(environ, "STRIPE_JS_URL") or Settings.stripe_js_url,
        ("http", "https"),
    )
    base_url = _check_url(
        "BASE_URL", _optional(environ, "BASE_URL") or Settings.base_url, ("http", "https")
    )
    log_level = (environ.get("LOG_LEVEL") or "INFO").upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError("LOG_LEVEL", "expected DEBUG, INFO, WARNING or ERROR")
    data_dir = Path(_optional(environ, "MINSHENG_DATA_DIR") or "var")
    pledge_max = _optional(environ, "PLEDGE_MAX_FEN") or str(Settings.pledge_max_fen)
    if not pledge_max.isdigit() or int(pledge_max) < 100:
        raise SettingsError("PLEDGE_MAX_FEN", "expected a whole number of fen, at least 100")
    due_days = _days(environ, "PLEDGE_DUE_DAYS", Settings.pledge_due_days)
    grace_days = _days(environ, "PLEDGE_GRACE_DAYS", Settings.pledge_grace_days)
    return Settings(
        env=env,
        database_url=database_url,
        redis_url=redis_url,
        stripe_secret_key=stripe_key,
        stripe_webhook_secret=_optional(environ, "STRIPE_WEBHOOK_SECRET"),
        stripe_api_base=stripe_base,
        stripe_publishable_key=_optional(environ, "STRIPE_PUBLISHABLE_KEY"),
        stripe_payment_methods=payment_methods,
        stripe_js_url=stripe_js,
        smtp_url=smtp_url,
        mail_outbox_dir=Path(_optional(environ, "MAIL_OUTBOX_DIR") or data_dir / "outbox"),
        mail_from=_optional(environ, "MAIL_FROM") or Settings.mail_from,
        secret_key=_secret_key(environ, env, data_dir),
        base_url=base_url.rstrip("/"),
        log_level=log_level,
        log_json=_bool("LOG_JSON", _optional(environ, "LOG_JSON"), env == "production"),
        data_dir=data_dir,
        pledge_max_fen=int(pledge_max),
        pledge_due_days=due_days,
        pledge_grace_days=grace_days,
        bank_account_name=_optional(environ, "BANK_ACCOUNT_NAME") or "",
        bank_account_number=_optional(environ, "BANK_ACCOUNT_NUMBER") or "",
        bank_name=_optional(environ, "BANK_NAME") or "",
        outbox_kick=_bool("OUTBOX_KICK", _optional(environ, "OUTBOX_KICK"), True),
        embedded_beat=_bool("EMBEDDED_BEAT", _optional(environ, "EMBEDDED_BEAT"), True),
        outbox_lease_s=_int(environ, "OUTBOX_LEASE_S", Settings.outbox_lease_s, 1),
        public_stale_ms=_int(
            environ, "PUBLIC_STALE_MS", 0 if env == "test" else Settings.public_stale_ms
        ),
        outbox_retry_base_s=_int(environ, "OUTBOX_RETRY_BASE_S", Settings.outbox_retry_base_s),
        receipt_issuer=_optional(environ, "RECEIPT_ISSUER") or Settings.receipt_issuer,
        reminder_days_before=_int(environ, "REMINDER_DAYS_BEFORE", Settings.reminder_days_before),
        reminder_interval_days=_int(
            environ, "REMINDER_INTERVAL_DAYS", Settings.reminder_interval_days, 1
        ),
        reminder_max=_int(environ, "REMINDER_MAX", Settings.reminder_max),
        reminder_hour=_hour(environ),
        reminders_every_s=(
            _int(environ, "REMINDERS_EVERY_S", 0, 1)
            if _optional(environ, "REMINDERS_EVERY_S")
            else None
        ),
        snapshot_every_s=_int(environ, "SNAPSHOT_EVERY_S", Settings.snapshot_every_s, 1),
        unpaid_alert_days=_int(environ, "UNPAID_ALERT_DAYS", Settings.unpaid_alert_days, 1),
        minimum_alert_days=_int(environ, "MINIMUM_ALERT_DAYS", Settings.minimum_alert_days),
    )


def _hour(environ: dict[str, str]) -> int:
    hour = _int(environ, "REMINDER_HOUR", Settings.reminder_hour)
    if hour > 23:
        raise SettingsError("REMINDER_HOUR", "expected an hour from 0 to 23")
    return hour


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
