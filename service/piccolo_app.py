"""The one Piccolo app: every domain's tables, migrations in the top-level migrations/."""

import importlib.util
from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

from service import domains

# Each domain package with a tables.py; the order does not matter to Piccolo.
DOMAINS = tuple(
    domain
    for domain in domains.DOMAINS
    if importlib.util.find_spec(f"service.{domain}.tables") is not None
)

MIGRATIONS_FOLDER = Path(__file__).resolve().parent.parent / "migrations"

APP_CONFIG = AppConfig(
    app_name="minsheng",
    migrations_folder_path=str(MIGRATIONS_FOLDER),
    table_classes=table_finder(
        modules=[f"service.{domain}.tables" for domain in DOMAINS], exclude_imported=True
    ),
)
