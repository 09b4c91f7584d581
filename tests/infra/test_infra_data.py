"""DynamoDB tables and the vendor-credentials secret."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Synth

TABLES = {
    # logical id: (key schema, TTL attribute, retained on stack deletion)
    "PortfolioTable": ({"pk": "HASH", "sk": "RANGE"}, None, True),
    "StateTable": ({"pk": "HASH", "sk": "RANGE"}, "expires_at", True),
    "IdempotencyTable": ({"id": "HASH"}, "expiration", False),
    "QuarantineTable": ({"pk": "HASH", "sk": "RANGE"}, "expires_at", True),
}


@pytest.mark.parametrize("table", TABLES)
def test_table_has_the_contract_keys_and_on_demand_billing(synth: Synth, table: str) -> None:
    keys, _, _ = TABLES[table]
    # Given the table
    props = synth.props(table, "AWS::DynamoDB::Table")
    # Then its keys are string attributes named as in the contract (plus its indexes' keys)
    assert {k["AttributeName"]: k["KeyType"] for k in props["KeySchema"]} == keys
    index_keys = {k["AttributeName"] for i in props.get("GlobalSecondaryIndexes", []) for k in i["KeySchema"]}
    expected = dict.fromkeys([*keys, *sorted(index_keys)], "S")
    assert {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]} == expected
    # And it bills per request
    assert props["BillingMode"] == "PAY_PER_REQUEST"


@pytest.mark.parametrize("table", TABLES)
def test_table_is_encrypted_and_point_in_time_recoverable(synth: Synth, table: str) -> None:
    # Given the table
    props = synth.props(table, "AWS::DynamoDB::Table")
    # Then point-in-time recovery is on and server-side encryption is explicit
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True


@pytest.mark.parametrize("table", TABLES)
def test_table_ttl_attribute_is_as_specified(synth: Synth, table: str) -> None:
    _, ttl, _ = TABLES[table]
    # Given the table
    props = synth.props(table, "AWS::DynamoDB::Table")
    # Then items expire on the contract's TTL attribute (or never)
    if ttl is None:
        assert "TimeToLiveSpecification" not in props
    else:
        assert props["TimeToLiveSpecification"] == {"AttributeName": ttl, "Enabled": True}


@pytest.mark.parametrize("table", TABLES)
def test_business_data_survives_stack_deletion(synth: Synth, table: str) -> None:
    _, _, retained = TABLES[table]
    # Given the table resource
    resource = synth.resource(table, "AWS::DynamoDB::Table")
    # Then portfolio and state are retained, idempotency records are disposable
    expected = "Retain" if retained else "Delete"
    assert resource["DeletionPolicy"] == expected
    assert resource["UpdateReplacePolicy"] == expected


def test_secret_is_deployed_with_a_placeholder_for_every_credential(synth: Synth) -> None:
    # Given the secret
    props = synth.props("BoomerangSecret", "AWS::SecretsManager::Secret")
    generate = props["GenerateSecretString"]
    # When its generated JSON is assembled from the template and the generated key
    keys = set(json.loads(generate["SecretStringTemplate"])) | {generate["GenerateStringKey"]}
    # Then every credential the functions read exists in it: each webhook source's key and Slack's
    from services.ingest.logic.sources import sources

    assert keys == {s.secret_key for s in sources().values()} | {"slack_signing_secret", "slack_bot_token"}
    assert {"delighted_api_key", "zendesk_signing_secret", "hubspot_client_secret", "salesforce_token"} <= keys
    # And only our own generic secret is generated; vendor keys are placeholders to paste over
    assert generate["GenerateStringKey"] == "generic_signing_secret"
    # And no real value is committed in the template
    assert "SecretString" not in props


def test_state_table_has_the_sparse_due_index_of_health_check_schedules(synth: Synth) -> None:
    # Given the state table's secondary indexes
    props = synth.props("StateTable", "AWS::DynamoDB::Table")
    (index,) = props["GlobalSecondaryIndexes"]
    # Then "which accounts are due a health check" is a Query on DueIndex (shard, due time), not a Scan
    assert index["IndexName"] == "DueIndex"
    assert {k["AttributeName"]: k["KeyType"] for k in index["KeySchema"]} == {"due_shard": "HASH", "due_at": "RANGE"}
    # And it projects only what the cadence job reads
    assert index["Projection"]["ProjectionType"] == "INCLUDE"
    assert set(index["Projection"]["NonKeyAttributes"]) == {
        "account_id",
        "status",
        "score",
        "since",
        "check_at",
        "escalate_at",
        "last_check_at",
        "csm_member_id",
    }
    definitions = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
    assert definitions == {"pk": "S", "sk": "S", "due_shard": "S", "due_at": "S"}
