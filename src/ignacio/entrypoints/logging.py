"""structlog set-up: readable in a terminal, JSON for machines; the request id on every line."""

from __future__ import annotations

import logging
import sys

import structlog

from ignacio.entrypoints.config import LogFormat


def _drop_uvicorn_colours(
    _: object, __: str, event: structlog.types.EventDict
) -> structlog.types.EventDict:
    # uvicorn adds a pre-coloured copy of each message as an extra; the renderer colours already.
    event.pop("color_message", None)
    return event


def configure_logging(log_format: LogFormat, level: str = "INFO") -> None:
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
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
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
