import json

from services.common.handlers.observability import count, for_service


def test_count_emits_one_emf_line_with_its_dimension(monkeypatch, capsys):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "BoomerangTest")
    _, metrics = for_service("ingest")
    count(metrics, "webhook_accepted", "source", "delighted")
    [line] = capsys.readouterr().out.splitlines()
    emf = json.loads(line)
    assert emf["webhook_accepted"] == [1.0]
    assert (emf["source"], emf["service"]) == ("delighted", "ingest")
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "BoomerangTest"


def test_count_is_silent_when_metrics_are_disabled(monkeypatch, capsys):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    _, metrics = for_service("ingest")
    count(metrics, "webhook_accepted", "source", "delighted")
    assert capsys.readouterr().out == ""
