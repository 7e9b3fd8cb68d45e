"""Without privileges `bpfconform run` says which capability it needs, in one line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.run.runner import REPO_ROOT

# root without any capability (bounding and inheritable sets cleared): bpf() is denied
# exactly as for an unprivileged user; the interpreter under /root stays reachable.
NO_CAPS = ["setpriv", "--inh-caps=-all", "--bounding-set=-all"]


@pytest.mark.parametrize("adapter", ["python", "libbpf"])
def test_run_without_capabilities_names_the_capability_and_fails_without_traceback(
        adapter: str, tmp_path: Path) -> None:
    if shutil.which("setpriv") is None:
        pytest.fail("setpriv (util-linux) is missing")
    proc = subprocess.run([*NO_CAPS, sys.executable, "-m", "harness.cli", "run", "--adapter",
                           adapter, "--out", str(tmp_path)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "CAP_BPF" in lines[0] and "CAP_SYS_ADMIN" in lines[0]
    assert not (tmp_path / "results.json").exists()  # nothing ran
