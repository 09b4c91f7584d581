"""The raw-body archive: a Firehose stream batching webhook bodies into a private, encrypted S3 bucket.

Why Firehose and not a PutObject per webhook: S3 charges $5 per 1M PUTs, Firehose $0.029 per GB ingested
(in 5 KB steps per record) and writes one gzipped object per buffer (docs/cost.md). Durability: PutRecord
returns once Firehose has the record replicated across three AZs; delivery to S3 is retried for 24 h, and
the ``RawArchiveDeliveryStale`` alarm fires long before that.

Layout (services/ingest/logic/raw.py): ``raw/YYYY/MM/dd/HH/`` batch objects and ``.body`` objects
(oversized bodies), ``quarantine/`` bodies of quarantined deliveries over 256 KiB. The lifecycle rule
applies to ``raw/`` only: a quarantined body stays until its item is replayed.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.naming import set_logical_id
from infra.nag import acknowledge
from services.common.storage import RAW_PREFIX

#: Firehose's largest buffer: fewest objects (S3 PUTs) per GB; a body is readable within 15 minutes.
BUFFER_SECONDS = 900
BUFFER_MB = 128
#: Bodies stay in S3 Standard while they are most likely to be looked at, then in Glacier Instant Retrieval
#: (same millisecond reads, ~1/6 of the storage price) until they expire.
TRANSITION_AFTER = Duration.days(30)
EXPIRE_AFTER = Duration.days(400)
ACCESS_LOG_EXPIRY = Duration.days(90)
STALE_AFTER_SECONDS = 2 * BUFFER_SECONDS


class RawArchive(Construct):
    """``RawArchiveBucket`` (+ its access-log bucket) and ``RawArchiveStream`` with its own role."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(id="ExpireAccessLogs", expiration=ACCESS_LOG_EXPIRY)],
            removal_policy=RemovalPolicy.RETAIN,
        )
        # cdk-nag counts a bucket that receives access logs as compliant with S1 (no log of the log bucket).
        set_logical_id(self.access_logs, "RawArchiveAccessLogs")

        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="raw-archive/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="RawBodies",
                    prefix=RAW_PREFIX,
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transition_after=TRANSITION_AFTER
                        )
                    ],
                    expiration=EXPIRE_AFTER,
                ),
                s3.LifecycleRule(id="AbortIncompleteUploads", abort_incomplete_multipart_upload_after=Duration.days(7)),
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )
        set_logical_id(self.bucket, "RawArchiveBucket")

        self.delivery_logs = logs.LogGroup(self, "DeliveryLogs", retention=logs.RetentionDays.ONE_MONTH)
        set_logical_id(self.delivery_logs, "RawArchiveDeliveryLogs")
        log_stream = logs.LogStream(
            self, "DeliveryLogStream", log_group=self.delivery_logs, log_stream_name="S3Delivery"
        )
        set_logical_id(log_stream, "RawArchiveDeliveryLogStream")

        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "firehose.amazonaws.com",
                conditions={"StringEquals": {"sts:ExternalId": Stack.of(self).account}},
            ),
            description="Lets the raw-archive Firehose stream write batches under raw/ and log delivery errors",
        )
        set_logical_id(self.role, "RawArchiveStreamRole")
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
                resources=[self.bucket.bucket_arn],
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:AbortMultipartUpload", "s3:GetObject"],
                resources=[self.bucket.arn_for_objects(f"{RAW_PREFIX}*")],
            )
        )
        self.delivery_logs.grant_write(self.role)
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::<RawArchiveBucket.Arn>/raw/*]",
            "Firehose names each batch object itself (time prefix + random suffix); the grant is limited "
            "to the raw/ prefix of this one bucket.",
        )

        self.stream = firehose.CfnDeliveryStream(
            self,
            "Stream",
            delivery_stream_type="DirectPut",
            delivery_stream_encryption_configuration_input=firehose.CfnDeliveryStream.DeliveryStreamEncryptionConfigurationInputProperty(
                key_type="AWS_OWNED_CMK"
            ),
            extended_s3_destination_configuration=firehose.CfnDeliveryStream.ExtendedS3DestinationConfigurationProperty(
                bucket_arn=self.bucket.bucket_arn,
                role_arn=self.role.role_arn,
                # No expression: Firehose appends its UTC hour prefix (YYYY/MM/dd/HH/) itself.
                prefix=RAW_PREFIX,
                compression_format="GZIP",
                buffering_hints=firehose.CfnDeliveryStream.BufferingHintsProperty(
                    interval_in_seconds=BUFFER_SECONDS, size_in_m_bs=BUFFER_MB
                ),
                cloud_watch_logging_options=firehose.CfnDeliveryStream.CloudWatchLoggingOptionsProperty(
                    enabled=True,
                    log_group_name=self.delivery_logs.log_group_name,
                    log_stream_name=log_stream.log_stream_name,
                ),
            ),
        )
        self.stream.override_logical_id("RawArchiveStream")
        self.stream.node.add_dependency(self.role)
        self.stream_arn = self.stream.attr_arn
        self.stream_name = self.stream.ref

        self.stale_alarm = cloudwatch.Alarm(
            self,
            "DeliveryStale",
            alarm_description="Raw webhook bodies are waiting in Firehose longer than two buffer intervals: S3 "
            "delivery is failing (Firehose retries for 24 h, then drops them). See RawArchiveDeliveryLogs.",
            metric=cloudwatch.Metric(
                namespace="AWS/Firehose",
                metric_name="DeliveryToS3.DataFreshness",
                dimensions_map={"DeliveryStreamName": self.stream_name},
                period=Duration.minutes(5),
                statistic=cloudwatch.Stats.MAXIMUM,
            ),
            threshold=STALE_AFTER_SECONDS,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        set_logical_id(self.stale_alarm, "RawArchiveDeliveryStale")
