"""The `boomerang` command as a new user meets it: every option explained in --help, the deployed-resource commands
pointable at the local stack, and AWS or file problems told in one line rather than a traceback."""

from __future__ import annotations

import argparse
import hmac
import json
from hashlib import sha256
from pathlib import Path

import pytest

from boomerang import cli
from boomerang.demo import build_parser as demo_parser
from boomerang.local.cli import build_parser as local_parser
from tests.fakes import EXAMPLES

PRIYA = EXAMPLES / "webhooks" / "delighted" / "01-promoter-priya-raman-halvorsen.json"


def _parsers(parser: argparse.ArgumentParser, name: str) -> list[tuple[str, argparse.ArgumentParser]]:
    """``parser`` and every sub-command parser below it, named as typed (``boomerang config validate``)."""
    found = [(name, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command, sub in action.choices.items():
                found += _parsers(sub, f"{name} {command}")
    return found


ALL_PARSERS = [
    *_parsers(cli.build_parser(), "boomerang"),
    ("boomerang demo", demo_parser()),
    ("boomerang local", local_parser()),
]


@pytest.mark.parametrize(("name", "parser"), ALL_PARSERS, ids=[name for name, _ in ALL_PARSERS])
def test_every_option_and_argument_is_explained_in_help(name, parser):
    unexplained = [
        action.dest
        for action in parser._actions
        if not isinstance(action, argparse._SubParsersAction | argparse._HelpAction) and not action.help
    ]
    assert unexplained == [], f"`{name} --help` does not explain {unexplained}"


@pytest.fixture
def clean_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No region, no credentials, no endpoint: a new user's shell (and what use_endpoint sets is undone after)."""
    for key in ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN", "AWS_PROFILE"):  # fmt: skip
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance metadata to ask for a region
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))


def test_portfolio_import_takes_the_endpoint_url_quarantine_and_raw_take(clean_aws_env, monkeypatch):
    # Given the importer, watched
    seen: dict[str, str | None] = {}

    def import_portfolio(data: Path, table: str) -> dict[str, int]:
        import os

        seen.update(endpoint=os.environ.get("AWS_ENDPOINT_URL"), table=table)
        return {"accounts": 12}

    monkeypatch.setattr("boomerang.portfolio.importer.import_portfolio", import_portfolio)
    # When the portfolio is imported into the local stack
    args = ["portfolio", "import", "--data", str(EXAMPLES / "portfolio"), "--table", "PortfolioTable"]
    assert cli.main([*args, "--endpoint-url", "http://127.0.0.1:5123"]) == 0
    # Then it wrote through the local stack's moto endpoint
    assert seen == {"endpoint": "http://127.0.0.1:5123", "table": "PortfolioTable"}


@pytest.mark.parametrize(
    "argv",
    [
        ["portfolio", "import", "--data", str(EXAMPLES / "portfolio"), "--table", "PortfolioTable"],
        ["quarantine", "list", "--table", "QuarantineTable"],
        ["cadence", "run", "--state-table", "S", "--portfolio-table", "P", "--bus", "B"],
    ],
    ids=["portfolio import", "quarantine list", "cadence run"],
)
def test_aws_not_configured_is_one_line_not_a_traceback(clean_aws_env, capsys, argv):
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"boomerang {' '.join(argv[:2])}: AWS: You must specify a region.")
    assert len(err.splitlines()) == 1


def test_sign_with_a_missing_file_is_one_line(capsys):
    assert cli.main(["sign", "--source", "delighted", "--secret", "k", "no-such-file.json"]) == 1
    assert capsys.readouterr().err == "boomerang sign: no-such-file.json: cannot read: No such file or directory\n"


def test_sign_now_needs_a_file_to_write_the_body_to(capsys):
    assert cli.main(["sign", "--source", "delighted", "--secret", "k", "--now", str(PRIYA)]) == 2
    assert "give --out FILE" in capsys.readouterr().err


def test_sign_now_writes_a_re_stamped_body_and_signs_exactly_those_bytes(tmp_path, capsys):
    # Given Priya's sample answer, dated 2026-11-22
    out = tmp_path / "now.json"
    # When re-stamped to now and signed
    assert cli.main(["sign", "--source", "delighted", "--secret", "k", "--now", "--out", str(out), str(PRIYA)]) == 0
    printed = capsys.readouterr()
    # Then the written body's answer is from the last few minutes, and the signature is over the written bytes
    import time

    data = json.loads(out.read_bytes())["event_data"]
    assert time.time() - 15 * 60 < data["created_at"] <= time.time()
    signature = "sha256=" + hmac.new(b"k", out.read_bytes(), sha256).hexdigest()
    assert f"-H 'x-delighted-webhook-signature: {signature}'" in printed.out.splitlines()
    assert f"send it with --data-binary @{out}" in printed.err
