"""Logger, Metrics (per service) and a lazily built Tracer for every handler.

Tracer patches boto3 through aws_xray_sdk, which costs ~130 ms to import; building it on the first
invocation keeps handler imports light (cold starts pay it once, tests and the local stack never).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

F = TypeVar("F", bound=Callable[..., Any])


def for_service(service: str) -> tuple[Logger, Metrics]:
    """A named Logger and Metrics per service, so logs stay attributable where handlers share a process."""
    return Logger(service=service), Metrics(service=service)


@functools.cache
def tracer() -> Any:
    from aws_lambda_powertools import Tracer

    return Tracer()


def traced(handler: F) -> F:
    """``@tracer.capture_lambda_handler`` applied on first call instead of at import."""
    wrapped: dict[str, Callable[..., Any]] = {}

    @functools.wraps(handler)
    def run(event: Any, context: Any) -> Any:
        if "fn" not in wrapped:
            wrapped["fn"] = tracer().capture_lambda_handler(handler)
        return wrapped["fn"](event, context)

    return run  # type: ignore[return-value]


def count(
    metrics: Metrics, name: str, dimension: str, value: str, *, also: dict[str, str] | None = None, amount: int = 1
) -> None:
    """One count with its own dimensions, flushed at once: dimensions never leak into the next invocation.

    ``also`` adds dimensions (e.g. a rejection's reason); each distinct set is its own CloudWatch metric.
    """
    if is_metrics_disabled():  # single_metric prints regardless; honour the switch Metrics honours
        return
    with single_metric(name=name, unit=MetricUnit.Count, value=amount, namespace=metrics.namespace) as metric:
        metric.add_dimension(name="service", value=str(metrics.service))
        metric.add_dimension(name=dimension, value=value)
        for extra, extra_value in (also or {}).items():
            metric.add_dimension(name=extra, value=extra_value)
