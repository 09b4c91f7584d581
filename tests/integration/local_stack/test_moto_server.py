"""moto behind the keep-alive front end: connections are reused, bodies always drained, restarts clean."""

from __future__ import annotations

import http.client
from collections.abc import Iterator

import boto3
import pytest

from boomerang.local.moto_server import KeepAliveMotoServer

# moto picks the service from the credential scope; it does not check signatures.
SQS_AUTH = "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0"


@pytest.fixture
def server() -> Iterator[KeepAliveMotoServer]:
    running = KeepAliveMotoServer("127.0.0.1", 0)
    running.start()
    yield running
    running.stop()


def _sqs(server: KeepAliveMotoServer) -> object:
    host, port = server.get_host_and_port()
    return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing").client(
        "sqs", region_name="us-east-1", endpoint_url=f"http://{host}:{port}"
    )


def test_a_client_reuses_one_connection_for_every_call(server: KeepAliveMotoServer) -> None:
    sqs = _sqs(server)
    # When one client makes several calls
    url = sqs.create_queue(QueueName="q")["QueueUrl"]  # type: ignore[attr-defined]
    for n in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=str(n))  # type: ignore[attr-defined]
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]  # type: ignore[attr-defined]
    # Then moto answered them all over a single kept-alive connection
    assert sorted(m["Body"] for m in received) == ["0", "1", "2", "3", "4"]
    assert server.open_connections() == 1


def test_chunked_and_unread_bodies_leave_the_connection_usable(server: KeepAliveMotoServer) -> None:
    host, port = server.get_host_and_port()
    conn = http.client.HTTPConnection(host, port, timeout=5)
    headers = {"Authorization": SQS_AUTH, "Content-Type": "application/x-www-form-urlencoded"}
    # Given a chunked request body, then a body the app never reads (a GET with content)
    conn.request(
        "POST", "/", body=iter([b"Action=CreateQueue&", b"QueueName=chunked&Version=2012-11-05"]), headers=headers
    )
    first = conn.getresponse()
    assert first.status == 200
    assert b"chunked" in first.read()
    conn.request("GET", "/moto-api/", body=b"x" * 10_000)
    second = conn.getresponse()
    second.read()
    # Then the same connection still answers the next request
    conn.request("POST", "/", body=b"Action=ListQueues&Version=2012-11-05", headers=headers)
    third = conn.getresponse()
    assert third.status == 200
    assert b"chunked" in third.read()
    assert third.getheader("Connection") != "close"
    conn.close()


def test_a_pooled_client_survives_a_restart_on_the_same_port() -> None:
    first = KeepAliveMotoServer("127.0.0.1", 0)
    first.start()
    port = first.get_host_and_port()[1]
    sqs = _sqs(first)
    sqs.create_queue(QueueName="before")  # type: ignore[attr-defined]
    first.stop()
    assert first.open_connections() == 0
    # When a new server takes the port while the client still holds its pooled connection
    second = KeepAliveMotoServer("127.0.0.1", port)
    second.start()
    try:
        # Then the client reconnects transparently (moto's backends are process-wide, so the queue is still there)
        assert any(u.endswith("/before") for u in sqs.list_queues()["QueueUrls"])  # type: ignore[attr-defined]
    finally:
        second.stop()


def test_s3_uploads_with_expect_continue_and_checksums_round_trip(server: KeepAliveMotoServer) -> None:
    import io

    host, port = server.get_host_and_port()
    s3 = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing").client(
        "s3", region_name="us-east-1", endpoint_url=f"http://{host}:{port}"
    )
    s3.create_bucket(Bucket="quarantine")
    big = bytes(range(256)) * 8192  # 2 MiB, streamed from a file object (botocore sends Expect: 100-continue)
    s3.put_object(Bucket="quarantine", Key="small.json", Body=b'{"ok": true}')
    s3.upload_fileobj(io.BytesIO(big), "quarantine", "big.bin")
    assert s3.get_object(Bucket="quarantine", Key="small.json")["Body"].read() == b'{"ok": true}'
    assert s3.get_object(Bucket="quarantine", Key="big.bin")["Body"].read() == big
    assert s3.head_object(Bucket="quarantine", Key="big.bin")["ContentLength"] == len(big)
    assert server.open_connections() <= 10  # the pool's connections, reused
