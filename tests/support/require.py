"""What a test needs from the machine, in one rule (`from require import require_tool`):
under CI (`CI=true`, as .ci/run runs) a missing tool, package or built adapter FAILS
naming the install step that provides it, since .ci/install must have provided it;
elsewhere it is a skip naming the same command, so a developer's partial machine still
runs the rest.

Only this module decides that. A SKIP by a recorded kernel or compiler feature probe is
another matter (the environment lacks the feature, nothing is broken): such skips stay
where they are, each with a comment saying so.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from harness.adapters.manifest import AdapterUnavailable, find_manifest
from harness.run.runner import REPO_ROOT

INSTALL = ".ci/install"


def in_ci() -> bool:
    """Whether this runs under CI (`CI=true`)."""
    return os.environ.get("CI", "").lower() == "true"


def require(cond: object, why: str, install: str = INSTALL) -> None:
    """Go on when `cond` holds; else fail (CI) or skip (elsewhere), naming `install`."""
    if cond:
        return
    message = f"{why}; provided by: {install}"
    if in_ci():
        pytest.fail(f"{message} [CI=true: the install must provide it]", pytrace=False)
    pytest.skip(message)


def require_tool(name: str, install: str = INSTALL) -> str:
    """The path of executable `name` on PATH (see `require` when there is none)."""
    path = shutil.which(name)
    require(path is not None, f"{name} is not installed (not on PATH)", install)
    assert path is not None
    return path


def require_adapter(name: str, repo_root: Path = REPO_ROOT) -> list[str]:
    """The command of the built adapter `name` (see `require` when it is not built)."""
    try:
        return find_manifest(repo_root, name).argv(repo_root)
    except AdapterUnavailable as exc:
        require(False, f"adapter {name} is not built: {exc}",
                f"{INSTALL} (runs runners/{name}/install.sh; alone: "
                f"bpfconform build-adapters --adapter {name})")
        raise AssertionError("unreachable") from exc
