"""Structured JSON logs with the journey's correlation id bound from context."""

import contextlib
import logging
import sys
from collections.abc import Iterator
from typing import Any

import structlog
from structlog.contextvars import (
    bind_contextvars,
    bound_contextvars,
    clear_contextvars,
    reset_contextvars,
)

__all__ = ["configure_logging", "get_logger", "bind_contextvars", "bound_contextvars",
           "clear_contextvars", "binding"]


@contextlib.contextmanager
def binding(**kw: Any) -> Iterator[None]:
    """`bound_contextvars` for a hot path (once per consumed event): the same keys bound, then
    restored through their tokens, without copying the whole log context first."""
    tokens = bind_contextvars(**kw)
    try:
        yield
    finally:
        reset_contextvars(**tokens)


def configure_logging(service: str, level: str = "INFO") -> None:
    logging.basicConfig(stream=sys.stdout, level=level.upper(), format="%(message)s", force=True)
    for noisy in ("aiokafka", "kafka"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(),
        cache_logger_on_first_use=False,
    )
    structlog.contextvars.bind_contextvars(service=service)


def get_logger(name: str | None = None) -> structlog.typing.FilteringBoundLogger:
    return structlog.get_logger(name)
