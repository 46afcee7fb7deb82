"""The transactional outbox: side effects recorded with the money, delivered after commit."""
