"""Raw-body archive (bucket + Firehose) and the quarantine's storage."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Synth

BUCKETS = ("RawArchiveBucket", "RawArchiveAccessLogs")


def _bucket_policy_statements(synth: Synth, bucket: str) -> list[dict]:
    return [
        statement
        for policy in synth.of_type("AWS::S3::BucketPolicy").values()
        if policy["Properties"]["Bucket"] == {"Ref": bucket}
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_archive_buckets_are_encrypted_private_and_refuse_plain_http(synth: Synth) -> None:
    for bucket in BUCKETS:
        # Given the bucket
        props = synth.props(bucket, "AWS::S3::Bucket")
        # Then objects are encrypted at rest and no public access is possible
        [rule] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
        # And requests without TLS are denied
        deny = [s for s in _bucket_policy_statements(synth, bucket) if s["Effect"] == "Deny"]
        assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in deny), bucket
        # And the bucket outlives the stack
        assert synth.resource(bucket, "AWS::S3::Bucket")["DeletionPolicy"] == "Retain"


def test_raw_bodies_move_to_glacier_instant_retrieval_then_expire_and_quarantine_bodies_do_not(synth: Synth) -> None:
    # Given the archive bucket's lifecycle
    rules = {r["Id"]: r for r in synth.props("RawArchiveBucket", "AWS::S3::Bucket")["LifecycleConfiguration"]["Rules"]}
    raw = rules["RawBodies"]
    # Then only raw/ is aged: Glacier Instant Retrieval after 30 days, deleted after 400
    assert (raw["Prefix"], raw["Status"]) == ("raw/", "Enabled")
    assert raw["Transitions"] == [{"StorageClass": "GLACIER_IR", "TransitionInDays": 30}]
    assert raw["ExpirationInDays"] == 400
    # And no rule expires anything else (a quarantined body stays until its item is replayed)
    assert [r for r in rules.values() if "ExpirationInDays" in r and r.get("Prefix") != "raw/"] == []
    assert rules["AbortIncompleteUploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}


def test_archive_bucket_access_is_logged(synth: Synth) -> None:
    props = synth.props("RawArchiveBucket", "AWS::S3::Bucket")
    assert props["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": "RawArchiveAccessLogs"}
    [rule] = synth.props("RawArchiveAccessLogs", "AWS::S3::Bucket")["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == 90


def test_firehose_batches_gzipped_bodies_into_raw_with_server_side_encryption(synth: Synth) -> None:
    # Given the delivery stream
    props = synth.props("RawArchiveStream", "AWS::KinesisFirehose::DeliveryStream")
    destination = props["ExtendedS3DestinationConfiguration"]
    # Then producers put records directly, encrypted at rest with an AWS-owned key
    assert props["DeliveryStreamType"] == "DirectPut"
    assert props["DeliveryStreamEncryptionConfigurationInput"] == {"KeyType": "AWS_OWNED_CMK"}
    # And it writes gzipped batches under raw/ (Firehose adds the UTC hour) of the archive bucket
    assert destination["BucketARN"] == {"Fn::GetAtt": ["RawArchiveBucket", "Arn"]}
    assert (destination["Prefix"], destination["CompressionFormat"]) == ("raw/", "GZIP")
    assert destination["BufferingHints"] == {"IntervalInSeconds": 900, "SizeInMBs": 128}
    assert destination["RoleARN"] == {"Fn::GetAtt": ["RawArchiveStreamRole", "Arn"]}
    assert destination["CloudWatchLoggingOptions"]["Enabled"] is True


def test_firehose_role_writes_only_raw_objects_of_its_bucket(synth: Synth) -> None:
    # Given the stream's role
    trust = synth.props("RawArchiveStreamRole", "AWS::IAM::Role")["AssumeRolePolicyDocument"]["Statement"]
    # Then only Firehose of this account can assume it
    assert [s["Principal"] for s in trust] == [{"Service": "firehose.amazonaws.com"}]
    assert trust[0]["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "AWS::AccountId"}}}
    # And it may list the bucket, write objects under raw/, and log delivery errors: nothing else
    permissions = synth.role_permissions("RawArchiveStreamRole")
    assert permissions == {
        "RawArchiveBucket": {"s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"},
        "${RawArchiveBucket.Arn}/raw/*": {"s3:PutObject", "s3:AbortMultipartUpload", "s3:GetObject"},
        "RawArchiveDeliveryLogs": {"logs:CreateLogStream", "logs:PutLogEvents"},
    }


def test_quarantine_is_listed_by_reason_without_copying_bodies(synth: Synth) -> None:
    # Given the quarantine table
    props = synth.props("QuarantineTable", "AWS::DynamoDB::Table")
    [index] = props["GlobalSecondaryIndexes"]
    # Then its ByReason index lists pending items by reason, then source and time
    assert index["IndexName"] == "ByReason"
    assert {k["AttributeName"]: k["KeyType"] for k in index["KeySchema"]} == {"list_pk": "HASH", "list_sk": "RANGE"}
    # And projects what the listing shows, never the body
    assert index["Projection"]["ProjectionType"] == "INCLUDE"
    assert {"quarantine_id", "source", "reason", "message", "received_at"} <= set(
        index["Projection"]["NonKeyAttributes"]
    )
    assert "body" not in index["Projection"]["NonKeyAttributes"]


def test_portfolio_streams_its_keys_so_new_mappings_wake_the_quarantine(synth: Synth) -> None:
    props = synth.props("PortfolioTable", "AWS::DynamoDB::Table")
    assert props["StreamSpecification"] == {"StreamViewType": "KEYS_ONLY"}


def test_archive_and_replay_failures_raise_alarms_on_the_dashboard(synth: Synth) -> None:
    stale = synth.props("RawArchiveDeliveryStale", "AWS::CloudWatch::Alarm")
    assert (stale["Namespace"], stale["MetricName"]) == ("AWS/Firehose", "DeliveryToS3.DataFreshness")
    assert stale["Threshold"] == 1800
    failures = synth.props("QuarantineReplayDlqNotEmpty", "AWS::CloudWatch::Alarm")
    assert failures["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["QuarantineReplayDlq", "QueueName"]}}
    ]
    [dashboard] = synth.of_type("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    assert "RawArchiveDeliveryStale" in body
    assert "QuarantineReplayDlqNotEmpty" in body


def test_outputs_name_what_the_cli_needs(synth: Synth) -> None:
    assert synth.outputs["QuarantineTableName"]["Value"] == {"Ref": "QuarantineTable"}
    assert synth.outputs["QuarantineReplayFunctionName"]["Value"] == {"Ref": "QuarantineReplay"}
    assert synth.outputs["RawArchiveBucketName"]["Value"] == {"Ref": "RawArchiveBucket"}
