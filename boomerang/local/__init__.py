"""Boomerang local stack: the synthesized CDK template run on moto, with the handlers in-process.

Usage::

    from boomerang.local import LocalStack

    with LocalStack(port=0) as stack:          # cdk.out/Boomerang.template.json (synthesized if missing)
        stack.api_url                          # http://127.0.0.1:<port>  (POST /webhooks/{source}, GET /health)
        stack.slack_api_url                    # http://127.0.0.1:<port>/api/  (built-in Slack sink)
        stack.moto_url                         # http://127.0.0.1:<port>
        stack.secrets                          # effective secret values (sign test requests with them)
        stack.slack_calls, stack.emails        # captured side effects (also printed as JSON lines)

or ``boomerang local [--port 8787] [--data examples/portfolio] [--slack-api-url URL] [--cdk-out cdk.out]
[--config boomerang.toml]`` (``python -m boomerang.local``), which runs until SIGINT/SIGTERM.

Nothing here lists resources: everything comes from the template (see ``resources.py`` for the
handled resource types and ``lambdas.py`` for how environment variables reach the handlers).
moto runs in a child process (moto_process.py); the handlers run in this one, so only one LocalStack can run
per process (the handlers' environment variables and module-level clients are process-global).
"""

from .stack import LocalStack

__all__ = ["LocalStack"]
