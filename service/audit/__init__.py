"""The audit log: who did what to which object, written with the change."""
