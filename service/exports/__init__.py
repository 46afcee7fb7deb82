"""Exports for auditors: journal, statements and registers as CSV, XLSX and JSON."""
