"""Helpers the bench scripts share (imported as `_common`: scripts run from bench/)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from elftools.elf.elffile import ELFFile

REPO = Path(__file__).resolve().parents[1]


def conform(path: Path) -> dict[str, dict[str, str]]:
    """The object's `.conform` entries (`prog:key=value`, NUL-separated), by program."""
    with path.open("rb") as f:
        sec = ELFFile(f).get_section_by_name(".conform")
        raw = sec.data() if sec is not None else b""
    out: dict[str, dict[str, str]] = {}
    for item in raw.split(b"\0"):
        if b":" in item and b"=" in item:
            prog, kv = item.decode().split(":", 1)
            key, value = kv.split("=", 1)
            out.setdefault(prog, {})[key] = value
    return out


class Adapter:
    """One long-lived adapter process, spoken to over protocol v1 (the harness's client
    is richer; a benchmark wants nothing between it and the adapter's own timings)."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(argv, cwd=REPO, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, env=env)
        self.next_id = 0

    @classmethod
    def from_manifest(cls, name: str) -> Adapter:
        """The adapter as `runners/<name>/adapter.toml` starts it."""
        manifest = tomllib.loads((REPO / "runners" / name / "adapter.toml").read_text())
        cmd = list(manifest["command"])
        if not os.path.isabs(cmd[0]) and (REPO / cmd[0]).exists():
            cmd[0] = str(REPO / cmd[0])
        return cls(cmd)

    def ask(self, req: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"adapter {self.proc.args} died on {req}")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def run(self, req: dict[str, Any]) -> dict[str, Any]:
        """A `run` request with a fresh pin root under /sys/fs/bpf (objects that pin by
        name pin there), removed with whatever was pinned in it."""
        self.next_id += 1
        pin = tempfile.mkdtemp(prefix="bpfconform-bench-", dir="/sys/fs/bpf")
        try:
            return self.ask({"op": "run", "repeat": 1, "skip": [], **req,
                             "id": self.next_id, "pin_root": pin})
        finally:
            shutil.rmtree(pin, ignore_errors=True)

    def peak_rss_mb(self) -> float:
        """VmHWM of the adapter process, in MB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
        return -1.0

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write('{"op": "bye"}\n')
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
