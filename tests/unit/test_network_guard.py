"""The unit suite's network guard (tests/unit/conftest.py) refuses sockets unless a test declares loopback."""

from __future__ import annotations

import socket

import pytest
from pytest_socket import SocketBlockedError, SocketConnectBlockedError

TEST_NET = ("192.0.2.1", 443)  # RFC 5737: reserved for documentation, never routed


def test_a_unit_test_cannot_open_a_socket_at_all():
    # Given a unit test with no declared hosts, When it opens a socket, Then the guard refuses
    with pytest.raises(SocketBlockedError):
        socket.create_connection(TEST_NET, timeout=0.1)


@pytest.mark.allow_hosts(["127.0.0.1"])
def test_a_test_that_declares_loopback_still_cannot_reach_another_address():
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(TEST_NET, timeout=0.1)


@pytest.mark.allow_hosts(["127.0.0.1"])
def test_a_test_that_declares_loopback_reaches_loopback():
    # Given a listener on loopback
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        # When the test connects to it, Then the connection is made
        with socket.create_connection(server.getsockname(), timeout=1) as client:
            assert client.getpeername() == server.getsockname()
