#!/usr/bin/env python3
"""CDK entry point: ``python app.py`` (or ``npx cdk synth``) writes cdk.out/Boomerang.template.json.

cdk-nag's AwsSolutions checks run on every synth; any unacknowledged finding fails it.
"""

from infra.main import build_app

app, _ = build_app()
app.synth()
