"""`PowertoolsHandler`: `LambdaHandler` wired into AWS Lambda Powertools.

Install the extra: `pip install "webapp-adapters[powertools]"`. The handler wraps each
invocation the way Powertools users decorate a plain handler: the Logger gets the Lambda
context (with its cold-start flag) and the front door's correlation id, the Tracer records
the invocation as a segment, Metrics are flushed (with a ColdStart metric) after it. The
app uses the same Logger, Tracer and Metrics objects directly; the access log line goes
through the Logger, so it carries all of that context.
"""

from __future__ import annotations

from .errors import UnknownEventError
from .handler import LambdaHandler
from .sources import detect_source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from ._types import Event, LambdaContext
    from .access_log import AccessRecord


def correlation_id(event: Event) -> str | None:
    """The id the event's front door gave the request (the source knows where it is)."""
    try:
        return detect_source(event).request_id(event)
    except UnknownEventError:
        return None


class PowertoolsHandler(LambdaHandler):
    """`handler = PowertoolsHandler(app, logger=logger, tracer=tracer, metrics=metrics)`.

    Every `LambdaHandler` option is accepted too. `logger` defaults to a new
    `aws_lambda_powertools.Logger()`; `tracer` and `metrics` are used when given.
    """

    def __init__(
        self,
        app: Any,
        *,
        logger: Any = None,
        tracer: Any = None,
        metrics: Any = None,
        capture_cold_start_metric: bool = True,
        **options: Any,
    ) -> None:
        if logger is None:
            from aws_lambda_powertools import Logger

            logger = Logger()
        self.logger = logger
        self.tracer = tracer
        self.metrics = metrics
        options.setdefault("access_log", self._log_with_logger)
        super().__init__(app, **options)
        invoke: Callable[[Event, LambdaContext], Event] = self._invoke
        invoke = logger.inject_lambda_context(invoke, clear_state=True)
        if tracer is not None:
            invoke = tracer.capture_lambda_handler(invoke, capture_response=False)
        if metrics is not None:
            invoke = metrics.log_metrics(
                invoke, capture_cold_start_metric=capture_cold_start_metric
            )
        self._wrapped = invoke

    def __call__(self, event: Event, context: LambdaContext = None) -> Event:
        return self._wrapped(event, context)

    def _invoke(self, event: Event, context: LambdaContext) -> Event:
        try:
            request_id = detect_source(event, self.sources).request_id(event)
        except UnknownEventError:  # a non-HTTP event, for `events_path` or `on()`
            request_id = None
        self.logger.set_correlation_id(request_id)
        return super().__call__(event, context)

    def _log_with_logger(self, record: AccessRecord) -> None:
        message = record.pop("message")
        record.pop("level", None)
        record.pop("coldStart", None)  # the Logger's own cold_start key says it
        self.logger.info(message, extra=record)
