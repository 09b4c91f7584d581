"""Operational visibility: the ``Boomerang`` dashboard and the alarms that mean "work is stuck"."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.constructs.functions import METRICS_NAMESPACE, ServiceFunction
from infra.constructs.queues import QueueWithDlq

PERIOD = Duration.minutes(5)
ALARM_PERIOD = Duration.minutes(1)
WIDGET_WIDTH = 12


class Observability(Construct):
    """Dashboard ``Boomerang`` plus alarms on every DLQ (>= 1 visible message) and on failed executions.

    Alarms carry no actions: wire them to your paging / chat channel (``alarms`` lists them).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        dashboard_name: str,
        functions: Sequence[ServiceFunction],
        queues: Sequence[QueueWithDlq],
        state_machine: sfn.StateMachine,
        http_api: apigwv2.HttpApi,
        dead_letter_queues: Sequence[sqs.IQueue] = (),
        alarms: Sequence[cloudwatch.Alarm] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.alarms: list[cloudwatch.Alarm] = list(alarms)  # raised by other capabilities (archive, quarantine)

        # Every DLQ: the work queues' and those of other senders (the cadence schedule's).
        dlqs = [*(pair.dlq for pair in queues), *dead_letter_queues]
        for dlq in dlqs:
            name = dlq.node.id
            self.alarms.append(
                cloudwatch.Alarm(
                    self,
                    f"{name}NotEmpty",
                    alarm_description=f"{name} holds messages that could not be processed: inspect and redrive.",
                    metric=dlq.metric_approximate_number_of_messages_visible(
                        period=ALARM_PERIOD, statistic=cloudwatch.Stats.MAXIMUM
                    ),
                    threshold=1,
                    comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                    evaluation_periods=1,
                    treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                )
            )
        self.alarms.append(
            cloudwatch.Alarm(
                self,
                "RuleEvaluationFailed",
                alarm_description="RuleEvaluation executions failed: triggers were not evaluated or published.",
                metric=state_machine.metric_failed(period=ALARM_PERIOD, statistic=cloudwatch.Stats.SUM),
                threshold=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
        )

        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=dashboard_name)
        self.dashboard.add_widgets(
            cloudwatch.TextWidget(
                markdown="# Boomerang\nWebhook → bus → scoring / rule evaluation → Slack. "
                "DLQ depth above zero means work is waiting for a redrive.",
                width=24,
                height=2,
            )
        )
        self.dashboard.add_widgets(cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24, height=3))
        for fn in functions:
            f = fn.function
            self.dashboard.add_widgets(
                cloudwatch.GraphWidget(
                    title=f"{fn.spec.name}: invocations / errors",
                    left=[
                        f.metric_invocations(period=PERIOD, statistic=cloudwatch.Stats.SUM),
                        f.metric_errors(period=PERIOD, statistic=cloudwatch.Stats.SUM),
                        f.metric_throttles(period=PERIOD, statistic=cloudwatch.Stats.SUM),
                    ],
                    width=WIDGET_WIDTH,
                ),
                cloudwatch.GraphWidget(
                    title=f"{fn.spec.name}: duration p99",
                    left=[f.metric_duration(period=PERIOD, statistic=cloudwatch.Stats.p(99))],
                    width=WIDGET_WIDTH,
                ),
            )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Dead-letter queues: visible messages",
                left=[
                    dlq.metric_approximate_number_of_messages_visible(
                        period=PERIOD, statistic=cloudwatch.Stats.MAXIMUM, label=dlq.node.id
                    )
                    for dlq in dlqs
                ],
                width=WIDGET_WIDTH,
            ),
            cloudwatch.GraphWidget(
                title="Work queues: age of oldest message (s)",
                left=[
                    pair.queue.metric_approximate_age_of_oldest_message(
                        period=PERIOD, statistic=cloudwatch.Stats.MAXIMUM, label=pair.queue.node.id
                    )
                    for pair in queues
                ],
                width=WIDGET_WIDTH,
            ),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="RuleEvaluation executions",
                left=[
                    state_machine.metric_started(period=PERIOD, statistic=cloudwatch.Stats.SUM),
                    state_machine.metric_succeeded(period=PERIOD, statistic=cloudwatch.Stats.SUM),
                    state_machine.metric_failed(period=PERIOD, statistic=cloudwatch.Stats.SUM),
                    state_machine.metric_timed_out(period=PERIOD, statistic=cloudwatch.Stats.SUM),
                ],
                width=WIDGET_WIDTH,
            ),
            cloudwatch.GraphWidget(
                title="HTTP API: requests, 4xx, 5xx",
                left=[
                    http_api.metric_count(period=PERIOD, statistic=cloudwatch.Stats.SUM),
                    http_api.metric_client_error(period=PERIOD, statistic=cloudwatch.Stats.SUM),
                    http_api.metric_server_error(period=PERIOD, statistic=cloudwatch.Stats.SUM),
                ],
                width=WIDGET_WIDTH,
            ),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title=f"Custom metrics ({METRICS_NAMESPACE} namespace, by service)",
                left=[
                    cloudwatch.MathExpression(
                        expression=f"SEARCH('{{{METRICS_NAMESPACE},service}}', 'Sum', 300)",
                        label="",
                        period=PERIOD,
                    )
                ],
                width=24,
            )
        )
