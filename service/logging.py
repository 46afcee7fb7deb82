"""Structured logs: one JSON object per line in production, readable lines elsewhere."""

from __future__ import annotations

import logging

import structlog
from litestar.logging.config import StructLoggingConfig
from litestar.plugins.structlog import StructlogConfig, StructlogPlugin

from service.settings import Settings


def structlog_plugin(settings: Settings) -> StructlogPlugin:
    renderer = (
        structlog.processors.JSONRenderer()
        if settings.log_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    processors = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        renderer,
    ]
    config = StructLoggingConfig(
        processors=processors,
        logger_factory=structlog.WriteLoggerFactory(),
        log_exceptions="never",  # 4xx are answers, not incidents; 500s log in web/errors.py
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelName(settings.log_level)
        ),
    )
    # uvicorn writes the access log; bodies (donors' contacts) never go to logs.
    return StructlogPlugin(
        config=StructlogConfig(structlog_logging_config=config, enable_middleware_logging=False)
    )
