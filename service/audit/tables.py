from piccolo.columns import JSON, BigSerial, Text, Varchar
from piccolo.table import Table

from service.auth.tables import StaffUser
from service.columns import created_at, restrict_fk


class AuditLog(Table, tablename="audit_log"):
    """Who did what to which object, written in the same transaction as the change."""

    id = BigSerial(primary_key=True)
    actor = restrict_fk(StaffUser, "Staff user; empty for donors and the system.", null=True)
    actor_label = Varchar(length=200, help_text="Who, readable: user, donor, system, webhook.")
    action = Varchar(length=100, help_text="Verb, e.g. project.approve.")
    object_type = Varchar(length=50, help_text="Table of the object.")
    object_id = Varchar(length=64, help_text="Id of the object.")
    reason = Text(default="", help_text="Why, when given.")
    data = JSON(default={}, help_text="Details: changed fields, amounts.")
    created_at = created_at()
