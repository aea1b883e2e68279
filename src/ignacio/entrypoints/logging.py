"""structlog set-up: readable in a terminal, JSON for machines; the request id on every line.

With `IGNACIO_LOG_FILE` the same lines also go to a file, as JSON (one object per line, what log
tools read), rotated by size: `ignacio.log`, then `ignacio.log.1` ... `.N`, the oldest dropped.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from dataclasses import dataclass
from pathlib import Path

import structlog

from ignacio.entrypoints.config import LogFormat


def _drop_uvicorn_colours(
    _: object, __: str, event: structlog.types.EventDict
) -> structlog.types.EventDict:
    # uvicorn adds a pre-coloured copy of each message as an extra; the renderer colours already.
    event.pop("color_message", None)
    return event


@dataclass(frozen=True, slots=True)
class LogFile:
    """A log file rotated when it reaches `max_bytes`, keeping `backups` older files."""

    path: Path
    max_bytes: int = 10 * 1024 * 1024
    backups: int = 5


def configure_logging(
    log_format: LogFormat, level: str = "INFO", log_file: LogFile | None = None
) -> None:
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.add_logger_name,
        # The core logs through the standard library, with its fields in `extra`.
        structlog.stdlib.ExtraAdder(),
        _drop_uvicorn_colours,
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if log_format is LogFormat.JSON
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_formatter(shared, renderer))
    handlers: list[logging.Handler] = [handler]
    if log_file is not None:
        log_file.path.parent.mkdir(parents=True, exist_ok=True)
        to_file = logging.handlers.RotatingFileHandler(
            log_file.path,
            maxBytes=log_file.max_bytes,
            backupCount=log_file.backups,
            encoding="utf-8",
        )
        to_file.setFormatter(_formatter(shared, structlog.processors.JSONRenderer()))
        handlers.append(to_file)
    root = logging.getLogger()
    for old in root.handlers:
        if old not in handlers:
            old.close()
    root.handlers = handlers
    root.setLevel(level.upper())
    # uvicorn's own access log would duplicate ours, without the request id.
    logging.getLogger("uvicorn.access").disabled = True
    # procrastinate logs every job at INFO; the job queue logs what matters about a message itself.
    logging.getLogger("procrastinate").setLevel(
        logging.NOTSET if root.level <= logging.DEBUG else logging.WARNING
    )
    structlog.configure(
        # Below the level an event is dropped first, before the time stamp and the rest: the
        # access log line at INFO cost 4% of a request on a server logging WARNING and up.
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def _formatter(
    shared: list[structlog.types.Processor], renderer: structlog.types.Processor
) -> structlog.stdlib.ProcessorFormatter:
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
