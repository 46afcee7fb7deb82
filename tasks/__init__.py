"""Celery tasks: they take ids, call services, and are safe to run twice."""
