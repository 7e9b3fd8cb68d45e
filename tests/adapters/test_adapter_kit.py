"""The adapter kit (docs/adapter-kit/, docs/writing-an-adapter.md) is real: both minimal
adapters build from their one file, are fit to be judged (`bpfconform adapter-check`), and
judge the data family as their full adapters do."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from harness import cli
from harness.adapters.manifest import command_manifest
from harness.checks import adaptercheck
from harness.run.runner import REPO_ROOT

KIT = REPO_ROOT / "docs" / "adapter-kit"
GO_PATHS = ("/usr/local/go/bin", "/usr/lib/go-1.23/bin")  # where runners/cilium-ebpf finds go


def _tool(name: str, *extra_paths: str) -> str:
    found = shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), *extra_paths]))
    if found is None:
        pytest.fail(f"{name} is not installed: .ci/install installs it")
    return found


def _build_c(out: Path) -> Path:
    exe = out / "minimal-libbpf"
    subprocess.run([_tool("cc"), "-O2", "-Wall", "-Werror", "-o", str(exe),
                    str(KIT / "minimal-libbpf.c"), "-lbpf", "-ljansson"], check=True)
    return exe


def _build_go(out: Path) -> Path:
    exe = out / "minimal-cilium"
    env = {**os.environ, "GOFLAGS": "-mod=readonly -buildvcs=false", "GOTOOLCHAIN": "auto"}
    subprocess.run([_tool("go", *GO_PATHS), "build", "-o", str(exe), "."],
                   cwd=KIT / "minimal-cilium", check=True, env=env)
    return exe


@pytest.mark.parametrize(("name", "build", "full"), [
    ("minimal", _build_c, "libbpf"), ("minimal-go", _build_go, "cilium-ebpf")])
def test_a_minimal_adapter_is_fit_and_judges_like_its_full_one(
    name: str, build: object, full: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exe = build(tmp_path)  # type: ignore[operator]
    manifest = command_manifest(f"{name}={exe}", tmp_path)
    results = adaptercheck.run_checks(manifest, REPO_ROOT, tmp_path / "check", 60)
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    out = tmp_path / "out"
    cli.main(["run", "-k", "data/", "--adapter", full, "--adapter-command", f"{name}={exe}",
              "--out", str(out)])
    capsys.readouterr()
    rows = json.loads((out / "results.json").read_text())["results"]
    # the full adapter's known failures are listed (XFAIL); the kit adapter has no table
    verdicts = {a: {(r["file"], r["program"]): r["verdict"].replace("XFAIL", "FAIL")
                    for r in rows if r["adapter"] == a} for a in (name, full)}
    same = {k for k, v in verdicts[name].items() if v == verdicts[full].get(k)}
    assert len(verdicts[name]) >= 20
    assert same == set(verdicts[name]), {k: (v, verdicts[full].get(k))
                                         for k, v in verdicts[name].items() if k not in same}
