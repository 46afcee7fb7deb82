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


MAIL_TRANSPORTS = ("smtp", "file")
STARTTLS_MODES = ("auto", "require", "off")


@dataclass(frozen=True)
class Operations:
    """What a real deployment tunes: mail transport, shared storage, connection pools,
    metrics, the scheduler, alerts and retention. README "Deploying" explains each."""

    mail_transport: str = ""
    """MAIL_TRANSPORT: smtp | file. Unset: smtp when SMTP_URL is set, else file (.eml files
    in MAIL_OUTBOX_DIR). Production refuses to start without SMTP_URL unless it is file."""
    smtp_starttls: str = "auto"
    """SMTP_STARTTLS for smtp:// URLs: auto (upgrade when the server offers it), require
    (refuse to send without it), off (never; a local relay). Default require in production,
    auto elsewhere. smtps:// always uses implicit TLS."""
    smtp_timeout_s: int = 30
    """SMTP_TIMEOUT_S: seconds for connecting and for each SMTP command. Default 30."""
    smtp_ca_file: Path | None = None
    """SMTP_CA_FILE: a PEM bundle to trust for the mail server's certificate (a private
    CA); unset: the system's trust store."""
    storage_url: str = ""
    """STORAGE_URL: where covers, receipts, evidence and reports are kept: a folder
    (file:///abs/path, or a plain path) or s3://bucket/prefix on any S3-compatible store.
    Default: MINSHENG_DATA_DIR. S3 credentials come from AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY and AWS_REGION."""
    storage_endpoint: str | None = None
    """STORAGE_S3_ENDPOINT: the S3-compatible server's address (MinIO, Ceph, OSS, COS…);
    unset: AWS. http:// endpoints are allowed (a store on a private network)."""
    db_pool_min: int = 1
    """DB_POOL_MIN: connections each web process keeps open. Default 1."""
    db_pool_max: int = 10
    """DB_POOL_MAX: most connections one web process opens. Default 10."""
    worker_db_pool_max: int = 2
    """WORKER_DB_POOL_MAX: most connections one Celery worker process opens (one pool per
    process, kept between tasks). Default 2."""
    web_processes: int = 2
    """WEB_PROCESSES: uvicorn processes across all web machines (for `minsheng doctor`'s
    connection budget). Default 2."""
    worker_processes: int = 2
    """WORKER_PROCESSES: Celery worker processes across all machines (each worker's
    --concurrency summed). Default 2."""
    metrics_token: str = field(default="", repr=False)
    """METRICS_TOKEN: bearer token for GET /metrics (Prometheus). Unset: /metrics is open
    outside production and for logged-in staff only in production."""
    beat_key_prefix: str = "minsheng:beat:"
    """BEAT_KEY_PREFIX: Redis key prefix of the beat schedule and its lock (RedBeat)."""
    beat_lock_timeout_s: int = 60
    """BEAT_LOCK_TIMEOUT_S: a standby beat takes over this long after the active one died."""
    outbox_relay_every_s: int = 10
    """OUTBOX_RELAY_EVERY_S: seconds between beat's periodic outbox relays. Default 10."""
    outbox_retention_days: int = 30
    """OUTBOX_RETENTION_DAYS: delivered outbox rows older than this are pruned daily
    (ledger, audit log and receipts are never pruned). Default 30."""
    alert_outbox_failing_s: int = 3600
    """ALERT_OUTBOX_FAILING_S: an outbox row still failing this long after it was written
    raises an alert. Default 3600."""
    watch_every_s: int = 300
    """WATCH_EVERY_S: seconds between beat's operational checks (alerts). Default 300."""
    worker_metrics_port: int | None = None
    """WORKER_METRICS_PORT: a Celery worker serves its task metrics (all its processes) for
    Prometheus on this port; keep it on the private network. Unset: not served."""
    otel_enabled: bool = False
    """OTEL_ENABLED: 1 to trace HTTP requests, asyncpg queries and Celery tasks with
    OpenTelemetry (needs the `otel` extra), exported over OTLP/HTTP to
    OTEL_EXPORTER_OTLP_ENDPOINT. Default 0."""


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
    ops: Operations = field(default_factory=lambda: Operations())
    """Deployment settings (mail transport, storage, pools, metrics, scheduler, retention),
    see `Operations`."""
    online_hold_hours: int = 48
    """ONLINE_HOLD_HOURS: hours an online pledge holds its share of a project's target
    while its donor has not confirmed their address (opened the mailed link) and nothing
    is paid; then it lapses (`tasks.pledges.release_unconfirmed`, hourly). Default 48."""
    rate_limits: bool = True
    """RATE_LIMITS: 0 switches every rate limit off (load benchmarks). Default 1."""
    limit_pledges: str = "10/minute;60/hour"
    """LIMIT_PLEDGES: online pledges per client address (limits' notation, `;` between)."""
    limit_pledges_per_contact: str = "5/hour;20/day"
    """LIMIT_PLEDGES_PER_CONTACT: online pledges per donor e-mail address or phone."""
    limit_mails_per_address: str = "5/day"
    """LIMIT_MAILS_PER_ADDRESS: pledge confirmation mails per recipient address."""
    limit_logins: str = "30/15minutes"
    """LIMIT_LOGINS: login attempts per client address."""
    limit_login_failures: str = "5/15minutes"
    """LIMIT_LOGIN_FAILURES: failed logins per user name from one client address."""
    retention_days: int = 365
    """RETENTION_DAYS: days after an edition is closed before its donors' contacts are
    erased by `tasks.privacy.erase_expired_contacts` (receipts and ledger stay)."""
    match_burst_max: int = 5
    """MATCH_BURST_MAX: most gifts one donor (same donor, contact or payer name) may make
    within MATCH_BURST_WINDOW_S and still be matched without an organizer's review. Default 5."""
    match_burst_window_s: int = 60
    """MATCH_BURST_WINDOW_S: the window of MATCH_BURST_MAX, in seconds. Default 60."""
    match_split_window_s: int = 86400
    """MATCH_SPLIT_WINDOW_S: gifts of one donor to one pool within this many seconds that
    each stay under the pool's per-gift cap but together exceed it are held for review as a
    split gift. Default 86400 (a day)."""
    live_history: int = 500
    """LIVE_HISTORY: live-screen events kept in Redis per edition for Last-Event-ID
    (older ones are read back from the database). Default 500."""

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
        online_hold_hours=_int(environ, "ONLINE_HOLD_HOURS", Settings.online_hold_hours, 1),
        rate_limits=_bool("RATE_LIMITS", _optional(environ, "RATE_LIMITS"), True),
        limit_pledges=_limit(environ, "LIMIT_PLEDGES", Settings.limit_pledges),
        limit_pledges_per_contact=_limit(
            environ, "LIMIT_PLEDGES_PER_CONTACT", Settings.limit_pledges_per_contact
        ),
        limit_mails_per_address=_limit(
            environ, "LIMIT_MAILS_PER_ADDRESS", Settings.limit_mails_per_address
        ),
        limit_logins=_limit(environ, "LIMIT_LOGINS", Settings.limit_logins),
        limit_login_failures=_limit(environ, "LIMIT_LOGIN_FAILURES", Settings.limit_login_failures),
        retention_days=_days(environ, "RETENTION_DAYS", Settings.retention_days),
        ops=_operations(environ, env, smtp_url),
        match_burst_max=_int(environ, "MATCH_BURST_MAX", Settings.match_burst_max, 1),
        match_burst_window_s=_int(
            environ, "MATCH_BURST_WINDOW_S", Settings.match_burst_window_s, 1
        ),
        match_split_window_s=_int(
            environ, "MATCH_SPLIT_WINDOW_S", Settings.match_split_window_s, 1
        ),
        live_history=_int(environ, "LIVE_HISTORY", Settings.live_history, 1),
    )


def _choice(environ: dict[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = (_optional(environ, name) or default).lower()
    if value not in choices:
        raise SettingsError(name, f"expected one of {', '.join(choices)}")
    return value


def _operations(environ: dict[str, str], env: str, smtp_url: str | None) -> Operations:
    production = env == "production"
    transport = (
        _choice(environ, "MAIL_TRANSPORT", MAIL_TRANSPORTS, "")
        if _optional(environ, "MAIL_TRANSPORT")
        else ""
    )
    if transport == "smtp" and not smtp_url:
        raise SettingsError("SMTP_URL", "is required when MAIL_TRANSPORT=smtp")
    if production and not smtp_url and transport != "file":
        raise SettingsError(
            "SMTP_URL",
            "is required when MINSHENG_ENV=production (set MAIL_TRANSPORT=file to write mails "
            "as .eml files on purpose)",
        )
    ca_file = _optional(environ, "SMTP_CA_FILE")
    if ca_file and not Path(ca_file).is_file():
        raise SettingsError("SMTP_CA_FILE", f"no such file: {ca_file}")
    storage_url = _optional(environ, "STORAGE_URL") or ""
    if storage_url and urlsplit(storage_url).scheme not in ("", "file", "s3"):
        raise SettingsError("STORAGE_URL", "expected a folder, file:///path or s3://bucket/prefix")
    if storage_url.startswith("s3:") and not urlsplit(storage_url).hostname:
        raise SettingsError("STORAGE_URL", "expected s3://bucket/prefix")
    endpoint = _optional(environ, "STORAGE_S3_ENDPOINT")
    if endpoint:
        _check_url("STORAGE_S3_ENDPOINT", endpoint, ("http", "https"))
    pool_min = _int(environ, "DB_POOL_MIN", Operations.db_pool_min)
    pool_max = _int(environ, "DB_POOL_MAX", Operations.db_pool_max, 1)
    if pool_min > pool_max:
        raise SettingsError("DB_POOL_MIN", f"must not exceed DB_POOL_MAX ({pool_max})")
    token = _optional(environ, "METRICS_TOKEN") or ""
    if token and len(token) < 16:
        raise SettingsError("METRICS_TOKEN", "must be at least 16 characters long")
    return Operations(
        mail_transport=transport,
        smtp_starttls=_choice(
            environ, "SMTP_STARTTLS", STARTTLS_MODES, "require" if production else "auto"
        ),
        smtp_timeout_s=_int(environ, "SMTP_TIMEOUT_S", Operations.smtp_timeout_s, 1),
        smtp_ca_file=Path(ca_file) if ca_file else None,
        storage_url=storage_url,
        storage_endpoint=endpoint,
        db_pool_min=pool_min,
        db_pool_max=pool_max,
        worker_db_pool_max=_int(environ, "WORKER_DB_POOL_MAX", Operations.worker_db_pool_max, 1),
        web_processes=_int(environ, "WEB_PROCESSES", Operations.web_processes, 1),
        worker_processes=_int(environ, "WORKER_PROCESSES", Operations.worker_processes, 0),
        metrics_token=token,
        beat_key_prefix=_optional(environ, "BEAT_KEY_PREFIX") or Operations.beat_key_prefix,
        beat_lock_timeout_s=_int(environ, "BEAT_LOCK_TIMEOUT_S", Operations.beat_lock_timeout_s, 5),
        outbox_relay_every_s=_int(
            environ, "OUTBOX_RELAY_EVERY_S", Operations.outbox_relay_every_s, 1
        ),
        outbox_retention_days=_days(
            environ, "OUTBOX_RETENTION_DAYS", Operations.outbox_retention_days
        ),
        alert_outbox_failing_s=_int(
            environ, "ALERT_OUTBOX_FAILING_S", Operations.alert_outbox_failing_s, 1
        ),
        watch_every_s=_int(environ, "WATCH_EVERY_S", Operations.watch_every_s, 1),
        worker_metrics_port=(
            _int(environ, "WORKER_METRICS_PORT", 0, 1)
            if _optional(environ, "WORKER_METRICS_PORT")
            else None
        ),
        otel_enabled=_bool("OTEL_ENABLED", _optional(environ, "OTEL_ENABLED"), False),
    )


def _limit(environ: dict[str, str], name: str, default: str) -> str:
    from limits import parse_many

    value = _optional(environ, name) or default
    try:
        parse_many(value)
    except ValueError as exc:
        raise SettingsError(name, "expected limits like 10/minute;60/hour") from exc
    return value


def _hour(environ: dict[str, str]) -> int:
    hour = _int(environ, "REMINDER_HOUR", Settings.reminder_hour)
    if hour > 23:
        raise SettingsError("REMINDER_HOUR", "expected an hour from 0 to 23")
    return hour


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
