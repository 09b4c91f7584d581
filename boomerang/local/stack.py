"""The Boomerang local stack: moto (own process) + in-process Lambda handlers + pollers + HTTP API + Slack sink."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from .containers import fresh_containers
from .moto_process import MotoProcess
from .pollers import EventSourceMappingPoller, PipePoller
from .resources import Deployer, Deployment, warn
from .slack_sink import SlackSink
from .streams import StreamPoller
from .template import DEFAULT_REGION, Template

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_FILE = "Boomerang.template.json"

# Development defaults shown in the README; any other key of the template's secret defaults to "dev-<key>".
DEV_DEFAULTS = {
    "delighted_api_key": "dev-delighted-key",
    "generic_signing_secret": "dev-generic-secret",
    "slack_signing_secret": "dev-slack-signing-secret",
    "slack_bot_token": "xoxb-dev-token",
}


def secret_keys(template: Template) -> list[str]:
    """The keys of the synthesized secret (its generated template plus the generated key)."""
    keys: list[str] = []
    for secret in template.by_type("AWS::SecretsManager::Secret"):
        generate = secret.properties.get("GenerateSecretString") or {}
        keys += list(json.loads(generate.get("SecretStringTemplate") or "{}"))
        if generate.get("GenerateStringKey"):
            keys.append(generate["GenerateStringKey"])
    return keys or list(DEV_DEFAULTS)


def effective_secrets(keys: list[str] | None = None) -> tuple[dict[str, str], list[str]]:
    """Secret values from BOOMERANG_<KEY> environment variables, falling back to development defaults."""
    values: dict[str, str] = {}
    defaults: list[str] = []
    for key in keys or list(DEV_DEFAULTS):
        env = f"BOOMERANG_{key.upper()}"
        value = os.environ.get(env)
        if value:
            values[key] = value
        else:
            values[key] = DEV_DEFAULTS.get(key, f"dev-{key.replace('_', '-')}")
            defaults.append(f"{key}={values[key]} (set {env})")
    return values, defaults


_ACTIVE_LOCK = threading.Lock()
_ACTIVE: list[LocalStack] = []  # the handlers' environment is process-global: one stack at a time
_LAST_MOTO_PORT: list[int] = []  # reused by later stacks so handler modules' cached clients stay valid


class LocalStack:
    """Run the synthesized Boomerang stack locally.

    ``LocalStack(...).start()`` returns once everything is ready; ``stop()`` (idempotent) tears it
    all down and restores ``os.environ`` and the moto patches. Also a context manager.
    """

    def __init__(
        self,
        *,
        port: int = 8787,
        data_dir: str | Path | None = None,
        slack_api_url: str | None = None,
        cdk_out: str | Path | None = None,
        template_path: str | Path | None = None,
        config_path: str | Path | None = None,
        repo_root: str | Path | None = None,
        region: str | None = None,
        load_portfolio: bool = True,
        warm: bool = True,
        tune_gc: bool = True,
        host: str = "127.0.0.1",
        moto_port: int = 0,
        stdout: TextIO | None = None,
    ) -> None:
        self.repo_root = Path(repo_root or REPO_ROOT).resolve()
        self.port = port
        self.host = host
        self.moto_port = moto_port
        self.cdk_out = Path(cdk_out) if cdk_out else self.repo_root / "cdk.out"
        if not self.cdk_out.is_absolute():
            self.cdk_out = self.repo_root / self.cdk_out
        self.template_path = Path(template_path) if template_path else self.cdk_out / TEMPLATE_FILE
        data = Path(data_dir) if data_dir else Path("examples/portfolio")
        self.data_dir = data if data.is_absolute() else self.repo_root / data
        self.config_path = Path(config_path).resolve() if config_path else self.repo_root / "boomerang.toml"
        self.external_slack_url = slack_api_url
        self.region = region or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        self.load_portfolio = load_portfolio
        self.warm = warm
        self.tune_gc = tune_gc
        self._saved_gc: tuple[int, ...] | None = None
        self._out = stdout

        # Populated by start()
        self.api_url = ""
        self.slack_api_url = ""
        self.moto_url = ""
        self.secrets: dict[str, str] = {}
        self.secret_arn = ""
        self.template: Template | None = None
        self.deployment: Deployment | None = None
        self.environment: dict[str, str] = {}  # variables applied to os.environ for the handlers
        self.portfolio_counts: dict[str, int] | None = None
        self.emails: list[dict[str, Any]] = []

        self._print_lock = threading.Lock()
        self._emails_lock = threading.Lock()
        self._stop_event = threading.Event()
        self._pollers: list[threading.Thread] = []
        self._moto: MotoProcess | None = None
        self._runtime: Any = None
        self._sink: SlackSink | None = None
        self._api: Any = None
        self._saved_env: dict[str, str | None] = {}
        self._added_sys_path = False
        self._started = False
        self._stopped = False

    # ------------------------------------------------------------------ public helpers
    @property
    def slack_calls(self) -> list[dict[str, Any]]:
        """Every call received by the built-in Slack sink: {"method", "payload", "token", "response", "received_at"}."""
        return self._sink.calls if self._sink else []

    def wait_for_slack_calls(self, count: int, timeout: float = 10.0) -> bool:
        """Block until the built-in Slack sink has recorded ``count`` calls in all (False on timeout)."""
        assert self._sink is not None, "the built-in Slack sink is not in use"
        return self._sink.wait_for_calls(count, timeout)

    def emit(self, line: dict[str, Any]) -> None:
        """Print one side-effect JSON line to stdout (thread-safe, flushed)."""
        text = json.dumps(line, default=str)
        with self._print_lock:
            out = self._out or sys.stdout
            out.write(text + "\n")
            out.flush()

    def client(self, service: str) -> Any:
        import boto3

        return boto3.session.Session(region_name=self.region).client(service, endpoint_url=self.moto_url)

    def run_schedule(self, logical_id: str | None = None, now: Any = None) -> dict[str, Any]:
        """Fire the template's schedules (or one) now, in-process: moto has no scheduler that fires them.

        ``<aws.scheduler.scheduled-time>`` in the input becomes ``now`` (default: the current time), which is
        also passed as ``now`` so a job can be run as of another moment. Returns each target's result.
        """
        from datetime import UTC, datetime

        assert self.deployment is not None, "start() first"
        moment = (now or datetime.now(UTC)).isoformat()
        results: dict[str, Any] = {}
        for schedule in self.deployment.schedules:
            if logical_id is not None and schedule.logical_id != logical_id:
                continue
            event = json.loads(schedule.input.replace("<aws.scheduler.scheduled-time>", moment))
            results[schedule.logical_id] = schedule.function.invoke({**event, "now": moment})
        if logical_id is not None and not results:
            raise KeyError(logical_id)
        return results

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> LocalStack:
        if self._started:
            return self
        self._started = True
        with _ACTIVE_LOCK:
            if _ACTIVE:
                self._stopped = True
                raise RuntimeError("another LocalStack is already running in this process; stop() it first")
            _ACTIVE.append(self)
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        from .runtime_api import RuntimeApi

        template_path = self._ensure_template()
        if str(self.repo_root) not in sys.path:
            sys.path.insert(0, str(self.repo_root))
            self._added_sys_path = True

        # 1. moto, in a process of its own (moto_process.py), and the runtime API it hands Lambda
        #    invocations and SES sends back to. Port 0 → the OS picks a free port.
        self._set_env(
            {
                "AWS_DEFAULT_REGION": self.region,
                "AWS_REGION": self.region,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_SESSION_TOKEN": None,
                "AWS_PROFILE": None,
                "AWS_SECURITY_TOKEN": None,
            }
        )
        self._runtime = RuntimeApi(lambda: self.deployment.functions if self.deployment else None, self._record_email)
        self._runtime.start()
        self._moto = self._start_moto()
        moto_host, moto_port = self._moto.get_host_and_port()
        self.moto_url = f"http://{moto_host}:{moto_port}"
        self._set_env({"MOTO_PORT": str(moto_port), "AWS_ENDPOINT_URL": self.moto_url})
        self._configure_moto()

        # 2. Slack sink
        if self.external_slack_url:
            self.slack_api_url = self.external_slack_url
        else:
            self._sink = SlackSink(host=self.host, emit=self.emit)
            self._sink.start()
            self.slack_api_url = self._sink.base_url

        # 3. Resources from the template
        self.template = Template.load(template_path, region=self.region)
        self.secrets, defaults = effective_secrets(secret_keys(self.template))
        if defaults:
            print(
                "[boomerang-local] development default secrets in use: " + ", ".join(defaults),
                file=sys.stderr,
                flush=True,
            )
        import boto3

        session = boto3.session.Session(region_name=self.region)
        self._session = session
        deployer = Deployer(self.template, _EndpointSession(session, self.moto_url), json.dumps(self.secrets))
        self.deployment = deployer.deploy()
        self.secret_arn = next(iter(self.deployment.secrets.values()), "")

        # 4. Environment for the in-process handlers
        merged, conflicts = self.deployment.functions.merged_environment()
        if conflicts - {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL"}:
            warn(f"per-function environment variables (set per invocation): {sorted(conflicts)}")
        # Per-function variables are set around each invocation; restore them on stop too.
        self._set_env({key: os.environ.get(key) for key in conflicts})
        env: dict[str, str | None] = dict(merged)
        # Powertools knobs already set in the caller's environment (e.g. POWERTOOLS_LOG_LEVEL=WARNING
        # for a benchmark) win over the template's; resource names always come from the template.
        for key in list(env):
            if key.startswith("POWERTOOLS_") and os.environ.get(key):
                env[key] = os.environ[key]
        env.update(
            {
                "BOOMERANG_CONFIG": str(self.config_path),
                "SLACK_API_URL": self.slack_api_url,
                "POWERTOOLS_TRACE_DISABLED": os.environ.get("POWERTOOLS_TRACE_DISABLED", "true"),
                "POWERTOOLS_METRICS_DISABLED": os.environ.get("POWERTOOLS_METRICS_DISABLED", "true"),
            }
        )
        self._set_env(env)
        self.environment = {k: v for k, v in env.items() if v is not None}
        # Handler modules outlive a stack in this process: their per-container objects (clients, the rules
        # file) are built afresh from this stack's environment, as a new deployment's containers would.
        fresh_containers()

        # 6. Portfolio data
        if self.load_portfolio:
            self._import_portfolio()

        # 7. Import the handlers now rather than on the first request (no cold start in the demo);
        #    a broken module is reported here and again when it is invoked.
        if self.warm:
            for fn in self.deployment.functions.functions.values():
                try:
                    fn.load()
                except Exception as exc:
                    warn(f"could not import {fn.handler_path} ({fn.logical_id}): {type(exc).__name__}: {exc}")

            self._warm_step_functions(session)

        # 8. Pollers and the HTTP API
        from .http_api import HttpApi

        for esm in self.deployment.mappings:
            if esm.enabled:
                self._pollers.append(
                    EventSourceMappingPoller(
                        esm, session.client("sqs", endpoint_url=self.moto_url), self.region, self._stop_event
                    )
                )
        for stream in self.deployment.stream_mappings:
            if stream.enabled:
                streams = session.client("dynamodbstreams", endpoint_url=self.moto_url)
                self._pollers.append(StreamPoller(stream, streams, self.region, self._stop_event))
        for pipe in self.deployment.pipes:
            if pipe.enabled:
                sfn = session.client("stepfunctions", endpoint_url=self.moto_url)
                sqs = session.client("sqs", endpoint_url=self.moto_url)
                self._pollers.append(PipePoller(pipe, sqs, sfn, self.region, self._stop_event))
        for poller in self._pollers:
            poller.start()
        self._api = HttpApi(self.deployment.routes, host=self.host, port=self.port)
        self._api.start()
        self.api_url = self._api.url

        if self.tune_gc:
            # moto keeps every execution, message and item it has seen: full (generation 2) collections
            # then take 100-450 ms and land in the hot path. Freeze what exists now and leave full
            # collections to stop() (a local, short-lived process; restored on stop).
            import gc

            self._saved_gc = gc.get_threshold()
            gc.collect()
            gc.freeze()
            gc.set_threshold(2000, 10, 1_000_000)

        with self._print_lock:
            out = self._out or sys.stdout
            out.write(
                f"Boomerang local stack ready: api={self.api_url} slack={self.slack_api_url} moto={self.moto_url}\n"
            )
            out.flush()

    def _start_moto(self) -> MotoProcess:
        # Handler modules stay imported between stacks (and keep their boto3 clients): with port 0,
        # try the previous stack's moto port first so those clients keep working.
        candidates = [self.moto_port] if self.moto_port else [*_LAST_MOTO_PORT[-1:], 0]
        assert self._runtime is not None
        moto = MotoProcess(self.host, candidates, self._runtime.url, self.region, str(self.repo_root))
        moto.start()
        _LAST_MOTO_PORT[:] = [moto.port]
        return moto

    def stop(self) -> None:
        if not self._started or self._stopped:
            return
        self._stopped = True
        try:
            self._stop()
        finally:
            with _ACTIVE_LOCK:
                if self in _ACTIVE:
                    _ACTIVE.remove(self)

    def _stop(self) -> None:
        self._stop_event.set()
        if self._api is not None:
            self._api.stop()
        for poller in self._pollers:
            poller.join(timeout=10)
        if self._sink is not None:
            self._sink.stop()
        if self._moto is not None:
            self._moto.stop()
        if self._runtime is not None:
            self._runtime.stop()
        if self._saved_gc is not None:
            import gc

            gc.set_threshold(*self._saved_gc)
            gc.unfreeze()
            self._saved_gc = None
        for key, old in self._saved_env.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
        if self._added_sys_path and str(self.repo_root) in sys.path:
            sys.path.remove(str(self.repo_root))
        fresh_containers()  # nothing built for this stack outlives it

    # ------------------------------------------------------------------ internals
    def _set_env(self, values: dict[str, str | None]) -> None:
        for key, value in values.items():
            if key not in self._saved_env:
                self._saved_env[key] = os.environ.get(key)
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def _ensure_template(self) -> Path:
        if self.template_path.exists():
            return self.template_path
        print(
            f"[boomerang-local] {self.template_path} not found; synthesizing: {sys.executable} app.py "
            f"(CDK_OUTDIR={self.cdk_out})",
            file=sys.stderr,
            flush=True,
        )
        env = dict(os.environ, CDK_OUTDIR=str(self.cdk_out))
        env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
        subprocess.run([sys.executable, "app.py"], cwd=self.repo_root, env=env, check=True, stdout=sys.stderr)
        if not self.template_path.exists():
            raise FileNotFoundError(f"synthesis did not produce {self.template_path}")
        return self.template_path

    def _moto_api(self, path: str, payload: dict[str, Any]) -> None:
        req = urllib.request.Request(
            f"{self.moto_url}/moto-api/{path}",
            data=json.dumps(payload).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            resp.read()

    def _configure_moto(self) -> None:
        self._moto_api("config", {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}})

    def _record_email(self, payload: dict[str, Any]) -> None:
        with self._emails_lock:
            self.emails.append(payload)
        self.emit({"kind": "email", "payload": payload})

    def _warm_step_functions(self, session: Any) -> None:
        """Run a throwaway Pass workflow so the first real execution doesn't pay moto's lazy imports."""
        assert self.deployment is not None
        if not self.deployment.state_machines:
            return
        sfn = session.client("stepfunctions", endpoint_url=self.moto_url)
        arn = sfn.create_state_machine(
            name="boomerang-local-warmup",
            roleArn=f"arn:aws:iam::{self.template.account_id if self.template else ''}:role/warmup",
            definition='{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}',
        )["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
        deadline = time.monotonic() + 5
        while sfn.describe_execution(executionArn=execution)["status"] == "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.01)
        sfn.delete_state_machine(stateMachineArn=arn)

    def _import_portfolio(self) -> None:
        import importlib

        try:  # imported by name: the importer is the lead's module, loaded only if present
            import_portfolio = importlib.import_module("boomerang.portfolio.importer").import_portfolio
        except ModuleNotFoundError as exc:
            if exc.name in ("boomerang", "boomerang.portfolio", "boomerang.portfolio.importer"):
                warn("boomerang.portfolio.importer is not available; portfolio data not loaded")
                return
            raise
        table = self.environment.get("PORTFOLIO_TABLE")
        if not table:
            assert self.deployment is not None
            table = next((n for lid, n in self.deployment.tables.items() if "portfolio" in lid.lower()), None)
        if not table:
            warn("no portfolio table in the template; portfolio data not loaded")
            return
        if not self.data_dir.is_dir():
            warn(f"portfolio data directory {self.data_dir} not found; portfolio data not loaded")
            return
        self.portfolio_counts = import_portfolio(self.data_dir, table)
        print(
            f"[boomerang-local] portfolio loaded from {self.data_dir}: {self.portfolio_counts}",
            file=sys.stderr,
            flush=True,
        )


class _EndpointSession:
    """Creates clients bound to the moto endpoint (for the deployer)."""

    def __init__(self, session: Any, endpoint: str) -> None:
        self.session = session
        self.endpoint = endpoint

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.endpoint)
