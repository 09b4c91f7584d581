"""The local stack keeps its stdout to its own JSON lines: no stray EMF blobs from disabled metrics."""

from __future__ import annotations

import pytest
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from boomerang.local.lambdas import _drop_unpublished_metrics


def test_disabled_metrics_are_dropped_after_an_invocation_so_none_are_auto_printed(monkeypatch, capsys):
    # Given metrics are disabled (as the local stack runs them) and handlers recorded 99 counts
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    metrics = Metrics(namespace="BoomerangTest", service="scoring")
    for _ in range(99):
        metrics.add_metric(name="event_recorded", unit=MetricUnit.Count, value=1)
    metrics.flush_metrics()  # what @log_metrics does: prints nothing, but keeps the values
    # When the invocation ends
    _drop_unpublished_metrics()
    # Then nothing is kept to reach Powertools' 100-value auto-flush, which would print regardless
    for _ in range(50):
        metrics.add_metric(name="event_recorded", unit=MetricUnit.Count, value=1)
    assert capsys.readouterr().out == ""
    metrics.clear_metrics()


@pytest.fixture(autouse=True)
def _clean_metric_set():
    yield
    Metrics().clear_metrics()
