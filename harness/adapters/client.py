"""The one module that spawns adapter processes and speaks the protocol to them.

An AdapterClient keeps one adapter alive across requests. A crash, a hang past the
per-request timeout, a line that is not a JSON object, a reply with the wrong id or
without a phase: each raises AdapterError (cause + the adapter's last 64 KiB of stderr),
and the adapter is killed; the next request starts a fresh one.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from harness.adapters.manifest import Manifest
from harness.adapters.protocol import Hello, ProtocolError, RunReply, RunRequest, decode_line

DEFAULT_TIMEOUT = 30.0
STDERR_LIMIT = 64 * 1024
MAX_LINE = 64 * 1024 * 1024
#: how long a process whose stdout or stdin closed may take to become reapable: the pipe
#: closes in the kernel's exit path just before the exit status is set, so only an
#: adapter that closed the pipe and lives on waits this long
EXIT_WAIT_S = 10.0
#: variables never passed to an adapter: `BPFCONFORM_SKIP` (refloader.mutations.SKIP_ENV)
#: would mutate the reference loader for every request of a normal run; only a request's
#: `skip` field (`bpfconform sensitivity`) mutates
SCRUBBED_ENV = frozenset({"BPFCONFORM_SKIP"})


def adapter_env() -> dict[str, str]:
    """The environment an adapter process gets: this one less SCRUBBED_ENV."""
    return {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}


class AdapterError(Exception):
    """The adapter broke (not the loader): crash, hang, garbage, wrong id."""

    def __init__(self, cause: str, stderr: str = "") -> None:
        super().__init__(cause)
        self.cause = cause
        self.stderr = stderr


@dataclass
class _Process:
    popen: subprocess.Popen[bytes]
    out: bytearray


class AdapterClient:
    """A long-lived adapter process behind `hello()` and `run()`."""

    def __init__(self, manifest: Manifest, repo_root: Path,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self.manifest = manifest
        self.repo_root = repo_root
        self.timeout = timeout
        self._argv = manifest.argv(repo_root)
        self._proc: _Process | None = None
        self._hello: Hello | None = None
        self._stderr = bytearray()

    @property
    def name(self) -> str:
        """The adapter's name (from its manifest)."""
        return self.manifest.name

    def stderr_tail(self) -> str:
        """The last 64 KiB the adapter wrote to stderr (across restarts)."""
        return self._stderr.decode("utf-8", "replace")

    def hello(self) -> Hello:
        """The adapter's hello reply (starting it if needed)."""
        self._ensure_started()
        assert self._hello is not None
        return self._hello

    def run(self, request: RunRequest) -> RunReply:
        """Send one run request; AdapterError (and a restart next time) if the adapter broke."""
        return self.run_raw(request)[0]

    def run_raw(self, request: RunRequest, fields: Mapping[str, object] | None = None
                ) -> tuple[RunReply, dict[str, object]]:
        """As `run()`, with optional protocol `fields` added to the request (such as
        `"info": true`, docs/adapter-protocol.md); the checked reply and the raw reply object
        it was read from (for the optional reply fields the records do not hold)."""
        self._ensure_started()
        line = request.to_json()
        if fields:
            line = json.dumps({**json.loads(line), **fields}, separators=(",", ":"))
        obj = self._exchange(line)
        if obj.get("id") != request.id:
            self._fail(f"reply has id {obj.get('id')!r}, expected {request.id}")
        try:
            return RunReply.from_json(obj), obj
        except ProtocolError as exc:
            self._fail(f"protocol violation: {exc}")

    def exchange(self, line: str) -> dict[str, object]:
        """Send one raw request line (any text: the adapter checker sends malformed ones) and
        return the decoded reply object; AdapterError if the adapter broke. For requests the
        records do not cover; `run()` is the checked path."""
        self._ensure_started()
        return self._exchange(line)

    @property
    def pid(self) -> int | None:
        """The running adapter's process id, or None when none runs."""
        return self._proc.popen.pid if self._proc is not None else None

    def finish(self, say_bye: bool = True) -> int | None:
        """Stop the adapter as a user would: `bye` (or, without `say_bye`, only EOF on its
        stdin) and wait; its exit status, or None if it had to be killed."""
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        assert proc.popen.stdin is not None
        status: int | None = None
        try:
            if say_bye:
                proc.popen.stdin.write(b'{"op":"bye"}\n')
            proc.popen.stdin.close()
            status = proc.popen.wait(timeout=self.timeout)
        except (OSError, subprocess.TimeoutExpired):
            status = None
        self._kill(proc)
        return status

    def close(self) -> None:
        """Say bye and stop the adapter (killing it if it does not exit)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            assert proc.popen.stdin is not None
            proc.popen.stdin.write(b'{"op":"bye"}\n')
            proc.popen.stdin.close()
            proc.popen.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            pass  # it did not leave politely: killed below
        self._kill(proc)

    def __enter__(self) -> AdapterClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals ----------------------------------------------------------------------

    def _ensure_started(self) -> None:
        if self._proc is not None and self._proc.out:
            self._note("[harness] adapter wrote extra output after a reply; restarting it")
            self._kill(self._proc)
            self._proc = None
        if self._proc is not None:
            return
        try:
            popen = subprocess.Popen(
                self._argv, cwd=self.manifest.cwd(self.repo_root), stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                env=adapter_env(),
            )
        except OSError as exc:
            raise AdapterError(f"cannot start adapter {self.name}: {exc}") from exc
        self._proc = _Process(popen, bytearray())
        obj = self._exchange('{"op":"hello"}')
        try:
            self._hello = Hello.from_json(obj)
        except ProtocolError as exc:
            self._fail(f"bad hello: {exc}")

    def _exchange(self, line: str) -> dict[str, object]:
        proc = self._proc
        assert proc is not None and proc.popen.stdin is not None
        try:
            proc.popen.stdin.write(line.encode() + b"\n")
            proc.popen.stdin.flush()
        except OSError:
            self._fail(self._exit_cause(proc, "adapter closed its stdin"))
        reply = self._read_line(proc)
        try:
            return decode_line(reply)
        except ProtocolError as exc:
            self._fail(f"{exc}: {reply[:200]!r}")

    def _read_line(self, proc: _Process) -> str:
        assert proc.popen.stdout is not None and proc.popen.stderr is not None
        deadline = time.monotonic() + self.timeout
        with selectors.DefaultSelector() as sel:
            sel.register(proc.popen.stdout, selectors.EVENT_READ, "out")
            sel.register(proc.popen.stderr, selectors.EVENT_READ, "err")
            while b"\n" not in proc.out:
                left = deadline - time.monotonic()
                if left <= 0:
                    self._fail(f"no reply within {self.timeout:g} s (adapter hung; killed)")
                for key, _ in sel.select(timeout=left):
                    chunk = os.read(key.fd, 65536)
                    if key.data == "err":
                        if chunk:
                            self._keep_stderr(chunk)
                        else:
                            sel.unregister(key.fileobj)
                    elif chunk:
                        proc.out += chunk
                        if len(proc.out) > MAX_LINE:
                            self._fail("reply line longer than 64 MiB")
                    else:
                        self._drain_stderr(proc)
                        self._fail(self._exit_cause(proc, "adapter closed stdout"))
        line, _, rest = bytes(proc.out).partition(b"\n")
        proc.out[:] = rest
        return line.decode("utf-8", "replace")

    def _drain_stderr(self, proc: _Process) -> None:
        assert proc.popen.stderr is not None
        with selectors.DefaultSelector() as sel:
            sel.register(proc.popen.stderr, selectors.EVENT_READ)
            while sel.select(timeout=0.5):
                chunk = os.read(proc.popen.stderr.fileno(), 65536)
                if not chunk:
                    break
                self._keep_stderr(chunk)

    def _keep_stderr(self, chunk: bytes) -> None:
        self._stderr += chunk
        del self._stderr[:-STDERR_LIMIT]

    def _note(self, text: str) -> None:
        self._keep_stderr(text.encode() + b"\n")

    def _exit_cause(self, proc: _Process, what: str) -> str:
        try:
            status = proc.popen.wait(timeout=EXIT_WAIT_S)
        except subprocess.TimeoutExpired:
            return what
        if status < 0:
            return f"{what}: adapter killed by signal {signal.Signals(-status).name}"
        return f"{what}: adapter exited with status {status}"

    def _fail(self, cause: str) -> NoReturn:
        proc, self._proc = self._proc, None
        if proc is not None:
            self._kill(proc)
        self._note(f"[harness] {cause}")
        raise AdapterError(f"adapter {self.name}: {cause}", self.stderr_tail())

    @staticmethod
    def _kill(proc: _Process) -> None:
        popen = proc.popen
        if popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(popen.pid, signal.SIGKILL)
        popen.wait()
        for stream in (popen.stdin, popen.stdout, popen.stderr):
            if stream is not None:
                stream.close()

