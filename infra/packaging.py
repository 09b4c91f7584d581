"""Docker-free packaging of the Lambda code and the shared dependency layer.

Two staging directories live under ``<repo>/.build/`` (safe to delete at any time):

* ``.build/layer/<hash>/python/...`` -- the runtime dependencies, installed by ``pip`` for the Lambda
  platform (manylinux aarch64, CPython of the function runtime) from binary wheels only, so no Docker
  and no compiler are needed. The directory is keyed by a hash of the requirements and the target
  platform: only the first synth downloads anything.
* ``.build/code/<hash>/`` -- a copy of the repo's ``services/`` package (without ``__pycache__`` and
  tests) plus the rules file ``boomerang.toml``. Keyed by a hash of the copied content, so an unchanged
  tree yields an unchanged asset.

Both directories are built in a temporary sibling and renamed into place, so concurrent synths (e.g. a
test run next to ``cdk synth``) never observe a half-written directory.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = REPO_ROOT / ".build"

#: Runtime dependencies of the functions. boto3/botocore come with the Lambda runtime and are not shipped.
LAYER_REQUIREMENTS: tuple[str, ...] = (
    "aws-lambda-powertools[tracer]==3.37.0",
    "pydantic==2.13.4",
    "slack_sdk==3.47.0",
)
#: Target platform of the layer (must match the function architecture and runtime).
LAYER_PLATFORM = "manylinux2014_aarch64"
LAYER_PYTHON_VERSION = "3.14"
#: Distributions removed after install: provided by the Lambda runtime, and shipping a second botocore next
#: to the runtime's boto3 would shadow the runtime's matching botocore.
_PRUNED_DISTRIBUTIONS = ("boto3", "botocore", "s3transfer")
#: Bump when the build recipe changes, to invalidate caches.
_RECIPE_VERSION = "1"

CODE_PACKAGE = "services"
RULES_FILE = "boomerang.toml"
_SKIPPED_NAMES = frozenset({"__pycache__", "tests", "test", ".pytest_cache", ".mypy_cache", ".ruff_cache"})
_SKIPPED_SUFFIXES = (".pyc", ".pyo")
_STALE_AFTER_SECONDS = 3600


@dataclass(frozen=True)
class StagedAsset:
    """A directory ready for ``lambda_.Code.from_asset`` plus a stable hash of its content."""

    path: Path
    asset_hash: str


class PackagingError(RuntimeError):
    """Raised when the dependency layer cannot be built."""


def build_dependency_layer(
    requirements: Iterable[str] = LAYER_REQUIREMENTS,
    *,
    python_version: str = LAYER_PYTHON_VERSION,
    platform: str = LAYER_PLATFORM,
    build_dir: Path = BUILD_DIR,
) -> StagedAsset:
    """Return the (cached) layer directory, installing the requirements with pip on a cache miss."""
    reqs = sorted(requirements)
    key = _hash_strings([_RECIPE_VERSION, platform, python_version, *reqs])
    root = build_dir / "layer"
    target = root / key
    if (target / "python").is_dir():
        return StagedAsset(target, key)

    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
    try:
        cmd = [
            sys.executable, "-m", "pip", "install",
            "--quiet", "--disable-pip-version-check", "--no-compile",
            "--platform", platform,
            "--implementation", "cp",
            "--python-version", python_version,
            "--only-binary=:all:",
            "--target", str(tmp / "python"),
            *reqs,
        ]  # fmt: skip
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise PackagingError(
                f"pip could not build the dependency layer (exit {result.returncode}):\n{result.stderr}"
            )
        _prune_layer(tmp / "python")
        _publish(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _remove_stale_siblings(root, keep=key)
    return StagedAsset(target, key)


def stage_function_code(repo_root: Path = REPO_ROOT, *, build_dir: Path = BUILD_DIR) -> StagedAsset:
    """Copy ``services/`` and ``boomerang.toml`` into a content-addressed staging directory.

    Missing inputs are tolerated so the stack synthesizes while the services are being written: without a
    ``services/`` package a placeholder ``services/__init__.py`` is created in the *staging copy only*;
    without ``boomerang.toml`` the bundle simply has no rules file.
    """
    files = sorted(_code_files(repo_root))
    digest = hashlib.sha256(_RECIPE_VERSION.encode())
    for rel in files:
        digest.update(rel.as_posix().encode() + b"\0")
        digest.update((repo_root / rel).read_bytes() + b"\0")
    key = digest.hexdigest()[:32]

    root = build_dir / "code"
    target = root / key
    if target.is_dir():
        return StagedAsset(target, key)

    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
    try:
        for rel in files:
            dest = tmp / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(repo_root / rel, dest)
        placeholder = tmp / CODE_PACKAGE / "__init__.py"
        if not placeholder.exists():
            placeholder.parent.mkdir(parents=True, exist_ok=True)
            placeholder.write_text('"""Placeholder: services/ was not present when this bundle was staged."""\n')
        _publish(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _remove_stale_siblings(root, keep=key)
    return StagedAsset(target, key)


def _code_files(repo_root: Path) -> Iterator[Path]:
    package = repo_root / CODE_PACKAGE
    if package.is_dir():
        for dirpath, dirnames, filenames in os.walk(package):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIPPED_NAMES and not d.startswith("."))
            for name in filenames:
                if name.endswith(_SKIPPED_SUFFIXES) or name.startswith("."):
                    continue
                if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
                    continue
                yield (Path(dirpath) / name).relative_to(repo_root)
    if (repo_root / RULES_FILE).is_file():
        yield Path(RULES_FILE)


def _prune_layer(site: Path) -> None:
    for entry in list(site.iterdir()):
        name = entry.name.lower()
        dist = name.split("-", 1)[0] if name.endswith(".dist-info") else name
        if dist in _PRUNED_DISTRIBUTIONS or name in {"bin", "__pycache__"}:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    for cache in list(site.rglob("__pycache__")):
        shutil.rmtree(cache, ignore_errors=True)


def _publish(tmp: Path, target: Path) -> None:
    """Atomically move a finished build into place; a concurrent winner is fine (same content)."""
    try:
        tmp.rename(target)
    except OSError:
        if not target.is_dir():
            raise


def _remove_stale_siblings(root: Path, keep: str) -> None:
    """Best-effort cleanup of old builds (never the current one, never anything recent)."""
    cutoff = time.time() - _STALE_AFTER_SECONDS
    for entry in root.iterdir():
        if entry.name == keep or not entry.is_dir():
            continue
        try:
            if entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue


def _hash_strings(parts: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()[:32]
