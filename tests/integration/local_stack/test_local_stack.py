"""The local stack, driven by a hand-written CDK-shaped template and fake handlers (fakesvc)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import fixture_template as fx
from local_stack_helpers import TeeOut, wait_for
from slack_sdk import WebClient

from boomerang.local import LocalStack
from boomerang.local.template import Template


def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, data=body, method="POST", headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def receive_all(sqs: Any, url: str) -> list[dict[str, Any]]:
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])


# --------------------------------------------------------------------------- template
def test_intrinsics_resolve_to_local_physical_names(template_path: Path) -> None:
    # Given the CDK-shaped template
    t = Template.load(template_path)
    # When a function's environment is resolved
    env = t.resolve(t.resources[fx.INGEST].properties["Environment"]["Variables"])
    # Then Refs become short deterministic names and Fn::Sub/GetAtt become ARNs
    assert env["EVENT_BUS_NAME"] == "BoomerangBus"
    assert env["STATE_TABLE"] == "StateTable"
    assert env["BUS_ARN_VIA_SUB"] == "arn:aws:events:us-east-1:123456789012:event-bus/BoomerangBus|us-east-1"
    assert t.get_att(fx.TRIGGERS, "Arn") == "arn:aws:lambda:us-east-1:123456789012:function:TriggersFnCCCC3333"
    definition = json.loads(t.resolve(t.resources[fx.MACHINE].properties["DefinitionString"]))
    assert definition["States"]["Evaluate"]["Parameters"]["FunctionName"].endswith(":function:TriggersFnCCCC3333")


# --------------------------------------------------------------------------- resources
def test_tables_are_created_with_keys_and_ttl(stack: LocalStack) -> None:
    # Given the running stack / When we describe its tables
    ddb = stack.client("dynamodb")
    state = ddb.describe_table(TableName="StateTable")["Table"]
    # Then keys and TTL come from the template
    assert {k["AttributeName"]: k["KeyType"] for k in state["KeySchema"]} == {"pk": "HASH", "sk": "RANGE"}
    ttl = ddb.describe_time_to_live(TableName="StateTable")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    idem = ddb.describe_time_to_live(TableName="IdempotencyTable")["TimeToLiveDescription"]
    assert idem["AttributeName"] == "expiration"
    assert stack.environment["IDEMPOTENCY_TABLE"] == "IdempotencyTable"


def test_queues_have_redrive_policies(stack: LocalStack) -> None:
    sqs = stack.client("sqs")
    url = sqs.get_queue_url(QueueName="ScoringQueue")["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    policy = json.loads(attrs["RedrivePolicy"])
    assert policy["deadLetterTargetArn"] == "arn:aws:sqs:us-east-1:123456789012:ScoringDLQ"
    assert int(policy["maxReceiveCount"]) == 2
    assert attrs["VisibilityTimeout"] == "1"


def test_ignored_resource_types_are_reported(stack: LocalStack) -> None:
    assert stack.deployment is not None
    ignored = set(stack.deployment.ignored.values())
    assert {"AWS::IAM::Role", "AWS::Logs::LogGroup", "AWS::CDK::Metadata", "AWS::Events::Archive"} <= ignored


def test_rules_target_their_queues_and_moto_delivers_bus_events(stack: LocalStack) -> None:
    events = stack.client("events")
    sqs = stack.client("sqs")
    # Given the template's rules, with their patterns and SQS targets
    rule = events.describe_rule(Name="ToScoring", EventBusName="BoomerangBus")
    assert json.loads(rule["EventPattern"]) == {"source": ["boomerang.ingest"]}
    targets = events.list_targets_by_rule(Rule="ToNotify", EventBusName="BoomerangBus")["Targets"]
    assert [t["Arn"] for t in targets] == ["arn:aws:sqs:us-east-1:123456789012:NotifyQueue"]
    # And a probe queue subscribed with the same pattern as ToScoring (no poller drains it)
    probe = sqs.create_queue(QueueName="probe")["QueueUrl"]
    probe_arn = sqs.get_queue_attributes(QueueUrl=probe, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="probe", EventBusName="BoomerangBus", EventPattern=rule["EventPattern"])
    events.put_targets(Rule="probe", EventBusName="BoomerangBus", Targets=[{"Id": "p", "Arn": probe_arn}])
    # When an ingest event is put on the bus
    events.put_events(
        Entries=[
            {"Source": "boomerang.ingest", "DetailType": "Probe", "Detail": '{"x": 1}', "EventBusName": "BoomerangBus"}
        ]
    )
    # Then moto delivers it to the queue as an EventBridge envelope
    messages = receive_all(sqs, probe)
    assert json.loads(messages[0]["Body"])["detail"] == {"x": 1}


# --------------------------------------------------------------------------- HTTP API
def test_http_post_reaches_handler_as_api_gateway_v2_event(stack: LocalStack, calls: dict) -> None:
    # When a vendor posts a webhook
    status, headers, body = post(
        f"{stack.api_url}/webhooks/delighted?x=1",
        b'{"type": "Ping"}',
        {"Content-Type": "application/json", "X-Vendor": "D"},
    )
    # Then the handler's response comes back
    assert status == 202
    assert headers["x-fake"] == "ingest"
    assert json.loads(body) == {"accepted": True, "source": "delighted"}
    # And the handler saw a payload format 2.0 event
    event = calls["ingest"][-1]["event"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /webhooks/{source}"
    assert event["rawPath"] == "/webhooks/delighted"
    assert event["rawQueryString"] == "x=1"
    assert event["pathParameters"] == {"source": "delighted"}
    assert event["headers"]["x-vendor"] == "D"
    assert event["body"] == '{"type": "Ping"}'
    assert event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["http"]["method"] == "POST"
    assert ctx["http"]["sourceIp"] == "127.0.0.1"
    assert ctx["stage"] == "$default"
    assert ctx["routeKey"] == "POST /webhooks/{source}"
    assert calls["ingest"][-1]["function_name"] == fx.INGEST
    assert calls["ingest"][-1]["remaining"] > 9000


def test_binary_body_is_base64_encoded(stack: LocalStack, calls: dict) -> None:
    post(f"{stack.api_url}/webhooks/x", b"\xff\xfe", {"Content-Type": "application/octet-stream"})
    event = calls["ingest"][-1]["event"]
    assert event["isBase64Encoded"] is True
    assert event["body"] == "//4="


def test_unknown_route_is_404_and_health_is_200(stack: LocalStack) -> None:
    status, _, body = post(f"{stack.api_url}/nope", b"{}")
    assert status == 404
    assert json.loads(body) == {"message": "Not Found"}
    with urllib.request.urlopen(f"{stack.api_url}/health", timeout=5) as resp:
        assert resp.status == 200


# --------------------------------------------------------------------------- SQS → Lambda
def test_sqs_batch_reaches_consumer_and_partial_failures_are_retried(stack: LocalStack, calls: dict) -> None:
    # Given one event that fails on its first delivery and one that always fails
    events = stack.client("events")
    events.put_events(
        Entries=[
            {
                "Source": "boomerang.ingest",
                "DetailType": "Other",
                "Detail": json.dumps({"n": 1, "fail_until": 2}),
                "EventBusName": "BoomerangBus",
            },
            {
                "Source": "boomerang.ingest",
                "DetailType": "Other",
                "Detail": json.dumps({"n": 2, "fail_always": True}),
                "EventBusName": "BoomerangBus",
            },
        ]
    )

    # When the scoring poller works through them
    def seen(n: int) -> list[int]:
        return [c["count"] for c in calls["scoring"] if c["detail"].get("n") == n]

    wait_for(lambda: 2 in seen(1), timeout=10)
    # Then records are real-shaped SQS records
    record = calls["scoring"][0]["record"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == "arn:aws:sqs:us-east-1:123456789012:ScoringQueue"
    assert {"messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody", "awsRegion"} <= set(
        record
    )
    # And the failed one was redelivered once, then deleted
    assert seen(1) == [1, 2]
    # And the one that always fails ends up in the DLQ after maxReceiveCount (2) deliveries
    sqs = stack.client("sqs")
    dlq = sqs.get_queue_url(QueueName="ScoringDLQ")["QueueUrl"]
    dead = wait_for(lambda: receive_all(sqs, dlq), timeout=10)
    assert json.loads(dead[0]["Body"])["detail"]["n"] == 2
    assert seen(2) == [1, 2]


# --------------------------------------------------------------------------- Pipe → Step Functions → Lambda
def test_pipe_starts_execution_whose_lambda_task_runs_in_process(stack: LocalStack, calls: dict) -> None:
    # When an NpsResponded event reaches the TriggersQueue
    stack.client("events").put_events(
        Entries=[
            {
                "Source": "boomerang.ingest",
                "DetailType": "NpsResponded",
                "EventBusName": "BoomerangBus",
                "Detail": json.dumps({"account": "acme", "score": 10}),
            }
        ]
    )
    # Then the pipe starts a real moto execution, whose Lambda task runs the fake handler in-process
    wait_for(lambda: calls["triggers"], timeout=10)
    batch = calls["triggers"][0]
    assert isinstance(batch, list)
    assert len(batch) == 1
    assert batch[0]["eventSourceARN"].endswith(":TriggersQueue")
    sfn = stack.client("stepfunctions")
    arn = stack.deployment.state_machines[fx.MACHINE]  # type: ignore[union-attr]
    assert sfn.describe_state_machine(stateMachineArn=arn)["type"] == "EXPRESS"
    # And the PutEvents task publishes TriggerFired, which the Notify consumer turns into a Slack DM
    wait_for(lambda: calls["notify"], timeout=10)
    assert calls["notify"][0] == {"account": "acme", "score": 10}


def test_failing_lambda_task_fails_the_execution(stack: LocalStack, calls: dict) -> None:
    sfn = stack.client("stepfunctions")
    arn = stack.deployment.state_machines[fx.MACHINE]  # type: ignore[union-attr]
    record = {"body": json.dumps({"detail": {"explode": True}})}
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps([record]))

    def status() -> str | None:
        s = sfn.describe_execution(executionArn=execution["executionArn"])["status"]
        return s if s != "RUNNING" else None

    assert wait_for(status, timeout=10) == "FAILED"


# --------------------------------------------------------------------------- Slack, SES, secrets
def test_slack_sink_records_and_prints_json_lines(stack: LocalStack, stack_out: TeeOut) -> None:
    # Given a slack_sdk client pointed at the sink
    client = WebClient(token="xoxb-test", base_url=stack.slack_api_url)
    # When a handler posts a DM, updates it and opens a conversation
    opened = client.conversations_open(users="U123")
    posted = client.chat_postMessage(channel=opened["channel"]["id"], text="hello", blocks=[{"type": "divider"}])
    client.chat_update(channel=posted["channel"], ts=posted["ts"], text="edited")
    assert client.users_info(user="U123")["user"]["id"] == "U123"
    assert client.auth_test()["ok"] is True
    client.chat_postEphemeral(channel="C1", user="U123", text="psst")
    # Then the sink answers like Slack
    assert opened["channel"]["id"].startswith("D")
    assert posted["ok"] is True
    assert posted["message"]["text"] == "hello"
    # And records every call with its payload and token
    methods = [c["method"] for c in stack.slack_calls]
    assert methods[-6:] == [
        "conversations.open",
        "chat.postMessage",
        "chat.update",
        "users.info",
        "auth.test",
        "chat.postEphemeral",
    ]
    post_call = [c for c in stack.slack_calls if c["method"] == "chat.postMessage"][-1]
    assert post_call["payload"]["blocks"] == [{"type": "divider"}]
    assert post_call["token"] == "xoxb-test"
    # And prints one JSON line per call on stdout
    lines = [x for x in stack_out.json_lines() if x.get("kind") == "slack"]
    assert {
        "kind": "slack",
        "method": "chat.update",
        "payload": {"channel": posted["channel"], "ts": posted["ts"], "text": "edited"},
    } in lines


def test_ses_email_is_captured_and_printed(stack: LocalStack, stack_out: TeeOut, calls: dict) -> None:
    # When the notify handler sends an email (sender never verified explicitly)
    stack.client("events").put_events(
        Entries=[
            {
                "Source": "boomerang.triggers",
                "DetailType": "TriggerFired",
                "EventBusName": "BoomerangBus",
                "Detail": json.dumps({"account": "mail", "email": "csm@example.com"}),
            }
        ]
    )
    # Then the email is captured and printed as one JSON line
    email = wait_for(lambda: [e for e in stack.emails if e["destination"]["ToAddresses"] == ["csm@example.com"]])
    assert email[0]["subject"] == "Peak moment"
    assert email[0]["body"] == "Ask now"
    assert email[0]["source"] == "boomerang@example.com"
    printed = [x for x in stack_out.json_lines() if x.get("kind") == "email"]
    assert printed
    assert printed[-1]["payload"]["subject"] == "Peak moment"


def test_secret_values_come_from_env_with_dev_defaults(stack: LocalStack) -> None:
    # Given BOOMERANG_SLACK_BOT_TOKEN was set (conftest) and the others were not
    assert stack.secrets == {
        "delighted_api_key": "dev-delighted-key",
        "generic_signing_secret": "dev-generic-secret",
        "slack_signing_secret": "dev-slack-signing-secret",
        "slack_bot_token": "xoxb-from-env",
    }
    # Then the secret in moto holds exactly those values, and handlers get its ARN
    sm = stack.client("secretsmanager")
    value = sm.get_secret_value(SecretId=stack.environment["SECRETS_ID"])
    assert json.loads(value["SecretString"]) == stack.secrets
    assert stack.secret_arn == stack.environment["SECRETS_ID"]


def test_env_is_merged_and_per_function_values_are_applied(stack: LocalStack, calls: dict) -> None:
    import os

    from fakesvc import handlers

    assert os.environ["SLACK_API_URL"] == stack.slack_api_url
    assert os.environ["BOOMERANG_CONFIG"].endswith("boomerang.toml")
    assert Path(os.environ["BOOMERANG_CONFIG"]).is_absolute()
    assert os.environ["AWS_ENDPOINT_URL"] == stack.moto_url
    assert "POWERTOOLS_SERVICE_NAME" not in stack.environment  # per-function, not merged
    post(f"{stack.api_url}/webhooks/x", b"{}")
    assert handlers.SERVICE_NAMES["ingest"] == "ingest"
    assert handlers.IMPORT_SERVICE_NAME in {"ingest", "scoring", "triggers", "notify"}
