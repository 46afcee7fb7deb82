"""Staff accounts (organizer, project owner, auditor), sessions and API tokens."""
