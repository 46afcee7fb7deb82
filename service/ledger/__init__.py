"""The fund ledger: double-entry, immutable, hash-chained transactions."""
