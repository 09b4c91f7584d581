"""Docker-free packaging: the code bundle and the cached dependency layer."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra import packaging


def _write(path: Path, text: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_code_bundle_holds_services_and_rules_without_caches_or_tests(tmp_path: Path) -> None:
    # Given a repo with a services package, caches, tests and the rules file
    repo = tmp_path / "repo"
    _write(repo / "services" / "__init__.py")
    _write(repo / "services" / "ingest" / "handlers" / "webhook.py", "def handler(e, c): ...\n")
    _write(repo / "services" / "common" / "schemas" / "event.json", "{}")
    _write(repo / "services" / "ingest" / "__pycache__" / "webhook.cpython-313.pyc", "x")
    _write(repo / "services" / "ingest" / "tests" / "test_webhook.py", "x")
    _write(repo / "services" / "ingest" / "test_local.py", "x")
    _write(repo / "boomerang.toml", "[rules]\n")
    _write(repo / "README.md", "not shipped")
    # When the code is staged
    staged = packaging.stage_function_code(repo, build_dir=tmp_path / "build")
    # Then the bundle holds exactly the package files and the rules file
    files = sorted(p.relative_to(staged.path).as_posix() for p in staged.path.rglob("*") if p.is_file())
    assert files == [
        "boomerang.toml",
        "services/__init__.py",
        "services/common/schemas/event.json",
        "services/ingest/handlers/webhook.py",
    ]


def test_code_bundle_is_content_addressed(tmp_path: Path) -> None:
    # Given a staged repo
    repo = tmp_path / "repo"
    _write(repo / "services" / "__init__.py")
    first = packaging.stage_function_code(repo, build_dir=tmp_path / "build")
    # When it is staged again unchanged, then after a change
    again = packaging.stage_function_code(repo, build_dir=tmp_path / "build")
    _write(repo / "boomerang.toml", "[rules]\n")
    changed = packaging.stage_function_code(repo, build_dir=tmp_path / "build")
    # Then the unchanged tree reuses the same asset and the change yields a new one
    assert again == first
    assert changed.asset_hash != first.asset_hash
    assert (changed.path / "boomerang.toml").is_file()


def test_missing_services_get_a_placeholder_in_the_staging_copy_only(tmp_path: Path) -> None:
    # Given a repo without services/ nor boomerang.toml
    repo = tmp_path / "repo"
    repo.mkdir()
    # When the code is staged
    staged = packaging.stage_function_code(repo, build_dir=tmp_path / "build")
    # Then the bundle has a placeholder package and the repo is untouched
    assert (staged.path / "services" / "__init__.py").is_file()
    assert not (staged.path / "boomerang.toml").exists()
    assert list(repo.iterdir()) == []


def test_layer_is_built_once_for_arm64_and_then_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a pip that records its invocations and "installs" a package and botocore
    calls: list[list[str]] = []

    def fake_pip(cmd: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        calls.append(cmd)
        target = Path(cmd[cmd.index("--target") + 1])
        _write(target / "pydantic" / "__init__.py")
        _write(target / "botocore" / "__init__.py")
        _write(target / "botocore-1.0.dist-info" / "METADATA")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(packaging.subprocess, "run", fake_pip)
    # When the layer is requested twice
    first = packaging.build_dependency_layer(["pydantic==2.13.4"], build_dir=tmp_path)
    second = packaging.build_dependency_layer(["pydantic==2.13.4"], build_dir=tmp_path)
    # Then pip ran once, for the Lambda platform, from wheels only
    assert len(calls) == 1
    cmd = calls[0]
    assert cmd[cmd.index("--platform") + 1] == "manylinux2014_aarch64"
    assert cmd[cmd.index("--python-version") + 1] == packaging.LAYER_PYTHON_VERSION
    assert "--only-binary=:all:" in cmd
    assert second == first
    # And the runtime-provided AWS SDK was pruned from the layer
    site = first.path / "python"
    assert (site / "pydantic").is_dir()
    assert not (site / "botocore").exists()
    assert not (site / "botocore-1.0.dist-info").exists()


def test_layer_build_failure_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a pip that fails
    monkeypatch.setattr(
        packaging.subprocess,
        "run",
        lambda cmd, **_: subprocess.CompletedProcess(cmd, 1, "", "No matching distribution"),
    )
    # When the layer is built
    # Then the error says why, and nothing half-built is left behind
    with pytest.raises(packaging.PackagingError, match="No matching distribution"):
        packaging.build_dependency_layer(["nope==0"], build_dir=tmp_path)
    assert [p.name for p in (tmp_path / "layer").iterdir()] == []


def test_layer_requirements_are_the_runtime_dependencies() -> None:
    # Given the layer requirements
    # Then they are the pinned runtime dependencies, without the AWS SDK
    assert set(packaging.LAYER_REQUIREMENTS) == {
        "aws-lambda-powertools[tracer]==3.37.0",
        "pydantic==2.13.4",
        "slack_sdk==3.47.0",
    }
