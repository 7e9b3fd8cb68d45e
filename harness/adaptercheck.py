"""`bpfconform adapter-check`: a conformance test of an *adapter*, before it judges a loader.

An adapter may only be trusted with verdicts when it speaks the protocol
(docs/adapter-protocol.md) the way the harness reads it: hello names itself and what it
supports, a valid object runs, every failure is a one-line reply in the right phase that
says whether the loader refused (`error_kind` "refused") or the adapter broke ("internal"),
nothing outlives a request (no fd on a program or map, no pin outside `pin_root`), and it
exits 0 on `bye` and on EOF. Each check here is one such promise, run against the real
kernel with small objects compiled from the sources below. Loader authors run it on their
own adapter (`--adapter-manifest PATH`); tests/adapters runs it on every adapter of the
repository.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from harness import toolchain
from harness.client import AdapterClient, AdapterError
from harness.manifest import Manifest
from harness.protocol import Hello, ProtocolError, RunReply, RunRequest

BPFFS = Path("/sys/fs/bpf")
#: request fields an adapter may list in `supports` (docs/adapter-protocol.md)
KNOWN_FIELDS = frozenset({"pin_root", "btf_custom_path", "data_in", "repeat", "skip", "info",
                          "no_data", "ctx_in", "autoload_only", "attach"})
REQUIRED_FIELDS = frozenset({"pin_root", "data_in", "repeat"})
DATA_IN = "00" * 64
PINNED_MAP = "adapter_check_pin"

#: the objects every check uses; `#include "conformance.h"` is the suite's one header
SOURCES = {
    "good": """/* adapter-check: a program that runs, a global and a map it reads */
#include "conformance.h"
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32);
         __type(value, __u32); } check_map SEC(".maps");
volatile __u32 seven = 7;
SEC("socket") int returns_zero(void *ctx)
{
	__u32 k = 0;
	if (!bpf_map_lookup_elem(&check_map, &k))
		return 1;
	return seven == 7 ? 0 : 2;
}
SEC("socket") int returns_seven(void *ctx) { return seven; }
""",
    "refused": """/* adapter-check: a program the verifier refuses (a NULL dereference) */
#include "conformance.h"
SEC("socket") int refused(void *ctx) { return *(volatile int *)0; }
""",
    "pinned": """/* adapter-check: a map pinned by name under the pin root */
#include "conformance.h"
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32);
         __type(value, __u32); __uint(pinning, LIBBPF_PIN_BY_NAME); } adapter_check_pin
	SEC(".maps");
SEC("socket") int uses_pin(void *ctx)
{
	__u32 k = 0;
	return bpf_map_lookup_elem(&adapter_check_pin, &k) ? 0 : 1;
}
""",
}


class CheckFailed(Exception):
    """One promise the adapter does not keep (the message says which and what it did)."""


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome."""

    name: str
    ok: bool
    detail: str = ""


@dataclass
class Context:
    """What the checks share: the client, the compiled objects, a scratch directory."""

    client: AdapterClient
    objects: dict[str, Path]
    scratch: Path
    hello: Hello | None = None
    _ids: int = 0

    def request(self, obj: Path | str, program: str, **extra: object) -> RunReply:
        """One run request under a fresh pin root, checked for leftovers afterwards."""
        self._ids += 1
        with pin_root() as root:
            req = RunRequest(id=self._ids, elf=str(obj), program=program, pin_root=str(root),
                             data_in=str(extra.pop("data_in", DATA_IN)))
            line = json.loads(req.to_json())
            line.update(extra)
            raw = self.client.exchange(json.dumps(line))
            if raw.get("id") != self._ids:
                raise CheckFailed(f"reply has id {raw.get('id')!r}, expected {self._ids}")
            try:
                reply = RunReply.from_json(raw)
            except ProtocolError as exc:
                raise CheckFailed(f"protocol violation: {exc}: {raw}") from exc
            held = bpf_fds(self.client.pid)
            if held:
                raise CheckFailed(f"after the request the adapter still holds {held}")
            return reply


@contextlib.contextmanager
def pin_root() -> Iterator[Path]:
    """A fresh pin root under bpffs, removed (unpinning what is under it) afterwards."""
    root = BPFFS / f"bpfconform-adapter-check-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    root.mkdir()
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def bpf_fds(pid: int | None) -> list[str]:
    """`prog_id:N`/`map_id:N` of every BPF fd process `pid` holds (its /proc fdinfo)."""
    if pid is None:
        return []
    found = []
    for info in Path(f"/proc/{pid}/fdinfo").glob("*"):
        with contextlib.suppress(OSError):
            for line in info.read_text().splitlines():
                if line.startswith(("prog_id:", "map_id:")):
                    found.append(" ".join(line.split()))
    return sorted(found)


def _refused(reply: RunReply, phase: str, what: str) -> None:
    if (reply.phase, reply.error_kind) != (phase, "refused"):
        raise CheckFailed(f"{what}: want a refusal at {phase}, got phase={reply.phase} "
                          f"error_kind={reply.error_kind} error={reply.error!r}")
    if not reply.error or "\n" in reply.error:
        raise CheckFailed(f"{what}: the error must be one line, got {reply.error!r}")


def _done(reply: RunReply, retval: int, what: str) -> None:
    if (reply.phase, reply.retval) != ("done", retval):
        raise CheckFailed(f"{what}: want done with retval {retval}, got phase={reply.phase} "
                          f"retval={reply.retval} error={reply.error!r}")


# ---- the checks ------------------------------------------------------------------------------

def check_hello(ctx: Context) -> str:
    """hello names the adapter, its library and version, and a known set of fields."""
    hello = ctx.client.hello()
    ctx.hello = hello
    if hello.protocol != 1:
        raise CheckFailed(f"protocol {hello.protocol}, want 1")
    base = ctx.client.name.partition("@")[0]  # `<name>@<version>`: the same adapter, built
    if hello.name != base:                    # against another release (docs/versions.md)
        raise CheckFailed(f"hello names {hello.name!r}, its manifest {base!r}")
    for field in ("adapter_version", "library", "library_version"):
        if not getattr(hello, field):
            raise CheckFailed(f"hello has no {field}")
    supports = set(hello.supports)
    if not supports >= REQUIRED_FIELDS:
        raise CheckFailed(f"supports lacks {sorted(REQUIRED_FIELDS - supports)}")
    if not supports <= KNOWN_FIELDS:
        raise CheckFailed(f"supports names unknown fields {sorted(supports - KNOWN_FIELDS)}")
    return f"{hello.library} {hello.library_version}, supports {', '.join(hello.supports)}"


def check_runs(ctx: Context) -> str:
    """A valid object loads whole and its programs run: retvals 0 and 7, timings present."""
    reply = ctx.request(ctx.objects["good"], "returns_zero")
    _done(reply, 0, "returns_zero")
    if not reply.ns or not all(isinstance(v, int) and v >= 0 for v in reply.ns.values()):
        raise CheckFailed(f"a done reply has no ns timings: {reply.ns}")
    _done(ctx.request(ctx.objects["good"], "returns_seven"), 7, "returns_seven")
    return f"ns phases: {', '.join(sorted(reply.ns))}"


def check_refused_program(ctx: Context) -> str:
    """A program the verifier refuses: a load refusal with the verifier's log."""
    reply = ctx.request(ctx.objects["refused"], "refused")
    _refused(reply, "load", "a NULL dereference")
    return "with a verifier log" if reply.verifier_log else "no verifier log (allowed)"


def check_missing_file(ctx: Context) -> str:
    """An object that does not exist: an open refusal, errno ENOENT."""
    reply = ctx.request(ctx.scratch / "no-such-object.bpf.o", "x")
    _refused(reply, "open", "a missing file")
    if reply.errno != errno.ENOENT:
        raise CheckFailed(f"a missing file: errno {reply.errno}, want ENOENT ({errno.ENOENT})")
    return ""


def check_corrupt_elf(ctx: Context) -> str:
    """A truncated object: an open refusal, never a crash."""
    corrupt = ctx.scratch / "truncated.bpf.o"
    corrupt.write_bytes(ctx.objects["good"].read_bytes()[:200])
    _refused(ctx.request(corrupt, "returns_zero"), "open", "a truncated ELF")
    return ""


def check_missing_program(ctx: Context) -> str:
    """A program the object lacks: a refusal with ENOENT naming it."""
    reply = ctx.request(ctx.objects["good"], "no_such_program")
    if reply.phase not in ("open", "load", "run") or reply.error_kind != "refused":
        raise CheckFailed(f"want a refusal, got {reply}")
    if reply.errno != errno.ENOENT or "no_such_program" not in (reply.error or ""):
        raise CheckFailed(f"want ENOENT and the program's name, got errno={reply.errno} "
                          f"error={reply.error!r}")
    return f"at {reply.phase}"


def check_bad_requests(ctx: Context) -> str:
    """Malformed requests are internal errors (never refusals), and the adapter goes on."""
    for line in ("this is not json", '{"op": "frobnicate", "id": 5}'):
        raw = ctx.client.exchange(line)
        if raw.get("error_kind") != "internal" or raw.get("phase") != "open":
            raise CheckFailed(f"{line!r}: want an internal error at open, got {raw}")
    _done(ctx.request(ctx.objects["good"], "returns_zero"), 0, "a good request after them")
    return ""


def check_pins(ctx: Context) -> str:
    """A LIBBPF_PIN_BY_NAME map is pinned under pin_root, and nowhere else on bpffs (found by
    its name, unique to this check, so that other users of bpffs do not matter)."""
    ctx._ids += 1
    with pin_root() as root:
        req = RunRequest(id=ctx._ids, elf=str(ctx.objects["pinned"]), program="uses_pin",
                         pin_root=str(root), data_in=DATA_IN)
        reply = RunReply.from_json(ctx.client.exchange(req.to_json()))
        _done(reply, 0, "uses_pin")
        pinned = os.listdir(root)
        if PINNED_MAP not in pinned:
            raise CheckFailed(f"{PINNED_MAP} not pinned under pin_root (found {pinned})")
    # os.walk ignores directories that vanish meanwhile (other users of bpffs)
    stray = sorted(os.path.join(d, PINNED_MAP) for d, dirs, files in os.walk(BPFFS)
                   if PINNED_MAP in files + dirs
                   and Path(d) != root and root not in Path(d).parents)
    if stray:
        for path in stray:  # the adapter's leftover: remove it, it is this check's map
            with contextlib.suppress(OSError):
                os.unlink(path)
        raise CheckFailed(f"pinned outside pin_root: {stray}")
    return ""


def check_claimed_fields(ctx: Context) -> str:
    """Each optional field the adapter lists is honoured: data_in reaches the program,
    btf_custom_path takes the kernel's own BTF, an unknown skip id is internal."""
    hello = ctx.hello or ctx.client.hello()
    done = []
    if "btf_custom_path" in hello.supports:
        _done(ctx.request(ctx.objects["good"], "returns_zero",
                          btf_custom_path="/sys/kernel/btf/vmlinux"), 0, "btf_custom_path")
        done.append("btf_custom_path")
    if "skip" in hello.supports:
        raw = ctx.client.exchange(json.dumps(
            {"op": "run", "id": 999, "elf": str(ctx.objects["good"]), "program": "returns_zero",
             "pin_root": str(BPFFS), "data_in": DATA_IN, "repeat": 1,
             "skip": ["no.such.behaviour"]}))
        if raw.get("error_kind") != "internal" or "no.such.behaviour" not in str(raw.get("error")):
            raise CheckFailed(f"an unknown skip id must be an internal error naming it: {raw}")
        done.append("skip")
    if "info" in hello.supports:
        reply_raw = ctx.client.exchange(json.dumps(
            {"op": "run", "id": 998, "elf": str(ctx.objects["good"]), "program": "returns_zero",
             "pin_root": str(BPFFS), "data_in": DATA_IN, "repeat": 1, "skip": [], "info": True}))
        info = reply_raw.get("info")
        if not isinstance(info, dict) or "prog" not in info or "maps" not in info:
            raise CheckFailed(f"info requested, reply has none: {reply_raw}")
        done.append("info")
    return f"checked {', '.join(done) or 'none beyond the required'}"


def check_exit_on_bye_and_eof(ctx: Context) -> str:
    """`bye` and EOF on stdin each end the adapter with status 0."""
    for say_bye in (True, False):
        ctx.client.hello()  # (re)start
        status = ctx.client.finish(say_bye=say_bye)
        if status != 0:
            how = "bye" if say_bye else "EOF"
            raise CheckFailed(f"on {how} the adapter exited with {status}, want 0")
    return ""


CHECKS: tuple[Callable[[Context], str], ...] = (
    check_hello, check_runs, check_refused_program, check_missing_file, check_corrupt_elf,
    check_missing_program, check_bad_requests, check_pins, check_claimed_fields,
    check_exit_on_bye_and_eof,
)


def build_objects(out: Path, include_dir: Path) -> dict[str, Path]:
    """Compile SOURCES with the default compiler into `out` (the suite's flags and cache)."""
    compiler = toolchain.default_compiler(toolchain.discover_compilers())
    objects = {}
    for name, text in SOURCES.items():
        src = out / "src" / f"{name}.bpf.c"
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_text(text)
        built = toolchain.build_one(compiler, toolchain.Source(src, src.name), out / "build",
                                    include_dir)
        if not built.ok:
            raise toolchain.ToolchainError(f"adapter-check object {name}: {built.diagnostics}")
        objects[name] = built.obj
    return objects


def run_checks(manifest: Manifest, repo_root: Path, scratch: Path,
               timeout: float) -> list[CheckResult]:
    """Every check against one adapter; an adapter that breaks fails the check it broke in
    and is restarted for the next."""
    objects = build_objects(scratch, repo_root / "bpf-src" / "include")
    results = []
    client = AdapterClient(manifest, repo_root, timeout)
    ctx = Context(client, objects, scratch)
    try:
        for check in CHECKS:
            name = check.__name__.removeprefix("check_")
            try:
                results.append(CheckResult(name, True, check(ctx)))
            except (CheckFailed, AdapterError, ProtocolError) as exc:
                results.append(CheckResult(name, False, str(exc).splitlines()[0]))
    finally:
        client.close()
    return results


def to_json(adapter: str, results: list[CheckResult]) -> str:
    """The `--json` document."""
    return json.dumps({"adapter": adapter, "fit": all(r.ok for r in results),
                       "checks": [asdict(r) for r in results]}, indent=1)
