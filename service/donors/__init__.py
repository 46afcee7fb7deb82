"""Donors: residents and companies, without accounts; reached through signed links."""
