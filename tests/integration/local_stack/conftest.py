from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from fixture_template import template  # noqa: E402
from local_stack_helpers import TeeOut  # noqa: E402

from boomerang.local import LocalStack  # noqa: E402


@pytest.fixture(scope="session")
def template_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cdk.out") / "Boomerang.template.json"
    path.write_text(json.dumps(template(), indent=1))
    return path


@pytest.fixture(scope="session")
def stack_out() -> TeeOut:
    return TeeOut()


@pytest.fixture(scope="module")
def stack(template_path: Path, stack_out: TeeOut) -> Iterator[LocalStack]:
    import os

    saved = {k: os.environ.pop(k, None) for k in ("BOOMERANG_DELIGHTED_API_KEY", "BOOMERANG_SLACK_SIGNING_SECRET")}
    saved["BOOMERANG_SLACK_BOT_TOKEN"] = os.environ.get("BOOMERANG_SLACK_BOT_TOKEN")
    os.environ["BOOMERANG_SLACK_BOT_TOKEN"] = "xoxb-from-env"
    try:
        local = LocalStack(port=0, template_path=template_path, load_portfolio=False, stdout=stack_out)
        local.start()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    yield local
    local.stop()


@pytest.fixture
def calls() -> dict[str, list[Any]]:
    from fakesvc import handlers

    for value in handlers.CALLS.values():
        value.clear()
    return handlers.CALLS
