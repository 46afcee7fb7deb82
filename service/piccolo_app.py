"""The one Piccolo app: every domain's tables, migrations in the top-level migrations/."""

from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

# Each domain package with a tables.py; the order does not matter to Piccolo.
DOMAINS = (
    "auth",
    "orgs",
    "events",
    "projects",
    "donors",
    "pledges",
    "payments",
    "ledger",
    "receipts",
    "matching",
    "disbursements",
    "audit",
    "outbox",
    "tracking",
    "reminders",
    "progress",
    "disclosure",
    "reports",
)

MIGRATIONS_FOLDER = Path(__file__).resolve().parent.parent / "migrations"

APP_CONFIG = AppConfig(
    app_name="minsheng",
    migrations_folder_path=str(MIGRATIONS_FOLDER),
    table_classes=table_finder(
        modules=[f"service.{domain}.tables" for domain in DOMAINS], exclude_imported=True
    ),
)
