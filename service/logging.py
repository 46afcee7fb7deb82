"""Structured logs: one JSON object per line in production, readable lines elsewhere.

The app's own structlog lines, the standard-library loggers (`minsheng.*`), uvicorn's
error and access logs and Celery's worker and beat logs all go through the same
processors, so every line of web and worker is JSON with `LOG_JSON=1` and carries the
`request_id` of the request or task it belongs to.
"""

from __future__ import annotations

import logging
import logging.config
from typing import Any

import structlog
from litestar.logging.config import LoggingConfig, StructLoggingConfig
from litestar.plugins.structlog import StructlogConfig, StructlogPlugin

from service.settings import Settings, get_settings


def _renderer(settings: Settings) -> Any:
    if settings.log_json:
        return structlog.processors.JSONRenderer(ensure_ascii=False)
    return structlog.dev.ConsoleRenderer(colors=False)


def structlog_plugin(settings: Settings) -> StructlogPlugin:
    processors = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        _renderer(settings),
    ]
    config = StructLoggingConfig(
        processors=processors,
        logger_factory=structlog.WriteLoggerFactory(),
        log_exceptions="never",  # 4xx are answers, not incidents; 500s log in web/errors.py
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelName(settings.log_level)
        ),
    )
    # The plugin configures the standard library when the app starts (in each uvicorn
    # child): the same JSON lines as uvicorn's and Celery's, not Litestar's default.
    config.standard_lib_logging_config = LoggingConfig(
        formatters={"standard": {"()": "service.logging.stdlib_formatter"}},
        handlers={
            "console": {"class": "logging.StreamHandler", "formatter": "standard"},
            "queue_listener": {"class": "logging.StreamHandler", "formatter": "standard"},
        },
        loggers=_loggers(settings),
        root={"handlers": ["console"], "level": settings.log_level},
        log_exceptions="never",
    )
    # uvicorn writes the access log; bodies (donors' contacts) never go to logs.
    return StructlogPlugin(
        config=StructlogConfig(structlog_logging_config=config, enable_middleware_logging=False)
    )


def _access_fields(_logger: Any, _name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """uvicorn's access line as fields: client, method, path, status."""
    record = event_dict.get("_record")
    args = event_dict.pop("positional_args", None) or ()
    if record is not None and record.name == "uvicorn.access" and len(args) == 5:
        client, method, path, _version, status = args
        event_dict.update(client=client, method=method, path=path, status=status)
        event_dict["event"] = f"{method} {path} {status}"
    return event_dict


def stdlib_formatter() -> structlog.stdlib.ProcessorFormatter:
    """Formatter for standard-library records (a dictConfig factory: uvicorn's children
    build it from the settings in their own process)."""
    return structlog.stdlib.ProcessorFormatter(
        pass_foreign_args=True,
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _access_fields,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _renderer(get_settings()),
        ],
    )


def log_config(settings: Settings) -> dict[str, Any]:
    """dictConfig for the standard library: root, uvicorn (error + access), Celery."""
    handler = {"class": "logging.StreamHandler", "formatter": "structured"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": {"()": "service.logging.stdlib_formatter"}},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": settings.log_level},
        "loggers": _loggers(settings),
    }


def _loggers(settings: Settings) -> dict[str, dict[str, Any]]:
    """Loggers that bring their own handlers elsewhere: here they propagate to root's."""
    return {
        name: {"handlers": [], "level": settings.log_level, "propagate": True}
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "celery", "litestar")
    }


def configure_logging(settings: Settings) -> None:
    """Set up structlog and the standard library in a process without the Litestar app
    (Celery worker and beat, commands)."""
    logging.config.dictConfig(log_config(settings))
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            _renderer(settings),
        ],
        logger_factory=structlog.WriteLoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelName(settings.log_level)
        ),
    )
