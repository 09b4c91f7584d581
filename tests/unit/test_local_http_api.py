"""The local HTTP API forwards what API Gateway's HTTP API forwards to Lambda (boomerang/local/http_api.py)."""

from __future__ import annotations

from boomerang.local.http_api import forwarded


def test_the_caller_s_scheme_port_and_address_are_forwarded_and_the_host_is_kept():
    headers = forwarded({"Host": "127.0.0.1:8787", "Content-Type": "application/json"}, "127.0.0.1", 8787)
    assert headers == {
        "host": "127.0.0.1:8787",
        "content-type": "application/json",
        "x-forwarded-for": "127.0.0.1",
        "x-forwarded-port": "8787",
        "x-forwarded-proto": "http",
    }


def test_a_proxy_chain_gets_the_caller_appended_and_the_caller_cannot_choose_the_scheme():
    headers = forwarded({"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}, "127.0.0.1", 8787)
    assert (headers["x-forwarded-for"], headers["x-forwarded-proto"]) == ("203.0.113.7, 127.0.0.1", "http")
