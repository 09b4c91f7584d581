"""RuleEvaluation: the EXPRESS state machine that runs the Triggers function, and the pipe feeding it."""

from __future__ import annotations

from aws_cdk import CfnElement, Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_pipes as pipes
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from aws_cdk import aws_xray as xray
from constructs import Construct

from infra.constructs.naming import set_logical_id
from infra.nag import acknowledge
from services.common.models.events import BusSource

TRIGGERS_SOURCE = BusSource.TRIGGERS.value
EXECUTION_TIMEOUT = Duration.minutes(5)
SAMPLING_RATE = 0.05  # of rule evaluations traced end to end (state machine + Triggers function)


class RuleEvaluation(Construct):
    """Evaluate -> Outcome? -> PublishFired | PublishBlocked | Done, started by ``TriggersPipe``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        evaluate: lambda_.IFunction,
        bus: events.IEventBus,
        source_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.state_machine = self._state_machine(evaluate, bus)
        self.sampling_rule = self._sampling_rule()
        self.pipe = self._pipe(source_queue)

    # -- state machine --------------------------------------------------------------------------------

    def _state_machine(self, evaluate_fn: lambda_.IFunction, bus: events.IEventBus) -> sfn.StateMachine:
        evaluate = tasks.LambdaInvoke(
            self,
            "Evaluate",
            comment="Decide whether the event fires a trigger: {outcome, event}.",
            lambda_function=evaluate_fn,
            payload_response_only=True,
            result_path="$",
            retry_on_service_exceptions=True,
        )
        publish_fired = self._publish("PublishFired", "TriggerFired", bus)
        publish_blocked = self._publish("PublishBlocked", "TriggerBlocked", bus)
        done = sfn.Succeed(self, "Done", comment="Not a trigger, or already handled.")
        outcome = (
            sfn.Choice(self, "Outcome?")
            .when(sfn.Condition.string_equals("$.outcome", "fired"), publish_fired)
            .when(sfn.Condition.string_equals("$.outcome", "blocked"), publish_blocked)
            .otherwise(done)
        )
        publish_fired.next(sfn.Succeed(self, "Fired"))
        publish_blocked.next(sfn.Succeed(self, "Blocked"))

        # The /aws/vendedlogs/ prefix keeps CloudWatch Logs' resource policy from growing per log group.
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/vendedlogs/states/{Stack.of(self).stack_name}-RuleEvaluation",
            retention=logs.RetentionDays.ONE_MONTH,
        )
        set_logical_id(self.log_group, "RuleEvaluationLogs")
        machine = sfn.StateMachine(
            self,
            "RuleEvaluation",
            comment="Boomerang rule evaluation (docs/architecture.md)",
            state_machine_type=sfn.StateMachineType.EXPRESS,
            definition_body=sfn.DefinitionBody.from_chainable(evaluate.next(outcome)),
            timeout=EXECUTION_TIMEOUT,
            tracing_enabled=True,
            # Every state transition, without execution data: the decisions themselves are on the bus
            # (TriggerFired / TriggerBlocked, with each gate's result), while the data would log promoters'
            # emails and survey comments (and ~10 KB an execution instead of ~2 KB).
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
        )
        set_logical_id(machine, "RuleEvaluation")
        set_logical_id(machine.role, "RuleEvaluationRole")
        acknowledge(
            machine.role,
            "AwsSolutions-IAM5[Resource::*]",
            "Step Functions log delivery (logs:CreateLogDelivery, GetLogDelivery, ... DescribeLogGroups) and "
            "X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSampling*) do not support "
            "resource-level permissions.",
        )
        acknowledge(
            machine.role,
            f"AwsSolutions-IAM5[Resource::<{self._logical_id_of(evaluate_fn)}.Arn>:*]",
            "The LambdaInvoke task grants lambda:InvokeFunction on the Triggers function's versions/aliases "
            "(ARN suffix ':*') as well; it is still that one function only.",
        )
        return machine

    def _sampling_rule(self) -> xray.CfnSamplingRule:
        """Trace a fixed share of rule evaluations (the Triggers function passes the decision through).

        X-Ray's default rule records the first request each second plus 5 %, which at a few peak moments a
        second is every execution ($5 per 1M traces); decisions themselves are audited on the bus.
        """
        rule = xray.CfnSamplingRule(
            self,
            "Sampling",
            sampling_rule=xray.CfnSamplingRule.SamplingRuleProperty(
                rule_name=f"{Stack.of(self).stack_name[:16]}-RuleEvaluation",
                priority=100,
                fixed_rate=SAMPLING_RATE,
                reservoir_size=0,
                service_name=self.state_machine.state_machine_name,
                service_type="AWS::StepFunctions::StateMachine",
                host="*",
                http_method="*",
                url_path="*",
                resource_arn="*",
                version=1,
            ),
        )
        set_logical_id(rule, "RuleEvaluationSampling")
        return rule

    def _publish(self, name: str, detail_type: str, bus: events.IEventBus) -> tasks.EventBridgePutEvents:
        return tasks.EventBridgePutEvents(
            self,
            name,
            comment=f"Publish {detail_type} with the canonical envelope returned by Evaluate.",
            # Keep Evaluate's decision as the execution's output: it says why an ask was (not) sent.
            result_path=sfn.JsonPath.DISCARD,
            entries=[
                tasks.EventBridgePutEventsEntry(
                    event_bus=bus,
                    source=TRIGGERS_SOURCE,
                    detail_type=detail_type,
                    detail=sfn.TaskInput.from_json_path_at("$.event"),
                )
            ],
        )

    # -- pipe -------------------------------------------------------------------------------------------

    def _pipe(self, source_queue: sqs.IQueue) -> pipes.CfnPipe:
        role = iam.Role(
            self,
            "PipeRole",
            assumed_by=iam.ServicePrincipal("pipes.amazonaws.com"),
            description="TriggersPipe: read TriggersQueue, start RuleEvaluation executions",
        )
        set_logical_id(role, "TriggersPipeRole")
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                resources=[source_queue.queue_arn],
            )
        )
        self.state_machine.grant_start_execution(role)

        self.pipe_log_group = logs.LogGroup(self, "PipeLogs", retention=logs.RetentionDays.ONE_MONTH)
        set_logical_id(self.pipe_log_group, "TriggersPipeLogs")
        self.pipe_log_group.grant_write(role)

        pipe = pipes.CfnPipe(
            self,
            "TriggersPipe",
            description="TriggersQueue -> RuleEvaluation (one SQS record per execution)",
            role_arn=role.role_arn,
            source=source_queue.queue_arn,
            source_parameters=pipes.CfnPipe.PipeSourceParametersProperty(
                sqs_queue_parameters=pipes.CfnPipe.PipeSourceSqsQueueParametersProperty(batch_size=1)
            ),
            target=self.state_machine.state_machine_arn,
            target_parameters=pipes.CfnPipe.PipeTargetParametersProperty(
                step_function_state_machine_parameters=pipes.CfnPipe.PipeTargetStateMachineParametersProperty(
                    invocation_type="FIRE_AND_FORGET"
                )
            ),
            log_configuration=pipes.CfnPipe.PipeLogConfigurationProperty(
                level="ERROR",
                cloudwatch_logs_log_destination=pipes.CfnPipe.CloudwatchLogsLogDestinationProperty(
                    log_group_arn=self.pipe_log_group.log_group_arn
                ),
            ),
        )
        pipe.override_logical_id("TriggersPipe")
        # The role must be able to act before the pipe starts polling.
        pipe.node.add_dependency(role)
        return pipe

    @staticmethod
    def _logical_id_of(fn: lambda_.IFunction) -> str:
        child = fn.node.default_child
        if not isinstance(child, CfnElement):
            raise TypeError(f"{fn.node.path} is not a function defined in this app")
        return str(Stack.of(fn).resolve(child.logical_id))
