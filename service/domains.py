"""Every domain package under service/, in one list.

The app collects each one's `controllers.ROUTES` (service/app.py) and Piccolo each one's
`tables.py` (service/piccolo_app.py); a domain without one of them is skipped there.
"""

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
    "exports",
    "tracking",
    "reminders",
    "statements",
    "ops",
    "live",
    "progress",
    "disclosure",
    "reports",
)
