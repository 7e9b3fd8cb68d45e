"""docs/ci/github-actions.yml, the recipe a loader project copies, is a valid workflow
(actionlint, installed by .ci/install) whose bpfconform commands this checkout accepts."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from harness import cli
from harness.run.runner import REPO_ROOT

RECIPE = REPO_ROOT / "docs" / "ci" / "github-actions.yml"
GO_BIN = str(Path.home() / "go" / "bin")  # where `go install` puts actionlint


def test_the_recipe_passes_actionlint() -> None:
    exe = shutil.which("actionlint", path=os.pathsep.join([os.environ.get("PATH", ""), GO_BIN]))
    if exe is None:
        pytest.fail("actionlint is not installed: .ci/install installs it (go install "
                    "github.com/rhysd/actionlint/cmd/actionlint)")
    proc = subprocess.run([exe, str(RECIPE)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_bpfconform_command_of_the_recipe_parses() -> None:
    text = RECIPE.read_text().replace("\\\n", " ")
    commands = [line.split("sudo bpfconform ", 1)[1] for line in text.splitlines()
                if "sudo bpfconform " in line]
    assert commands
    for command in commands:
        argv = shlex.split(command.split("#")[0])
        cli.parser().parse_args(argv)  # SystemExit (exit 2) on an option this CLI lacks
