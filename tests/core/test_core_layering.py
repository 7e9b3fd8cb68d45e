"""The CO-RE engine is pure: importing it pulls in no syscall layer (aya-obj style)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_core_modules_import_no_ctypes_and_no_syscall_layer() -> None:
    code = ("import sys; import refloader.core, refloader.core.spec, refloader.core.target; "
            "bad = [m for m in ('ctypes', 'refloader.syscall', 'subprocess', 'fcntl', 'mmap',"
            " 'harness') if m in sys.modules]; print(','.join(bad))")
    env_path = str(REPO / "runners" / "python")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == ""
