from enum import Enum

from piccolo.columns import Boolean, Timestamptz, Varchar
from piccolo.table import Table

from service.columns import created_at, restrict_fk
from service.orgs.tables import Organization


class StaffUser(Table, tablename="staff_user"):
    """A staff account: organizers run the event, owners propose projects, auditors read."""

    class Role(str, Enum):
        organizer = "organizer"
        project_owner = "project_owner"
        auditor = "auditor"

    username = Varchar(length=64, unique=True, help_text="Login name, lower case.")
    display_name = Varchar(length=100, help_text="Name shown in the console and audit log.")
    email = Varchar(length=254, null=True, default=None, help_text="Contact address.")
    password_hash = Varchar(length=255, help_text="Password hash (never the password).")
    role = Varchar(length=20, choices=Role, help_text="What the user may do.")
    organization = restrict_fk(
        Organization, "The organization a project owner acts for.", null=True
    )
    active = Boolean(default=True, help_text="Inactive users cannot log in.")
    created_at = created_at()
    last_login_at = Timestamptz(null=True, default=None, help_text="Last successful login.")


class ApiToken(Table, tablename="api_token"):
    """A bearer token for the JSON API; only its hash is stored."""

    user = restrict_fk(StaffUser, "The user the token acts as.")
    name = Varchar(length=100, help_text="What the token is for.")
    token_hash = Varchar(length=64, unique=True, help_text="SHA-256 of the token, hex.")
    created_at = created_at()
    last_used_at = Timestamptz(null=True, default=None, help_text="Last request with it.")
    revoked_at = Timestamptz(null=True, default=None, help_text="Set when revoked.")
    expires_at = Timestamptz(
        null=True, default=None, help_text="The token is refused after this moment."
    )
