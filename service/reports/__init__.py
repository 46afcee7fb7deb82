"""Transparency reports: per edition, the figures at a ledger head as an HTML page and a PDF."""
