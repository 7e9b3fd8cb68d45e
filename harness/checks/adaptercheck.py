"""`bpfconform adapter-check`: a conformance test of an *adapter*, before it judges a loader.

An adapter may only be trusted with verdicts when it speaks the protocol
(docs/adapter-protocol.md) the way the harness reads it: hello names itself and what it
supports, a valid object runs, a failing program's retval is the line of its assertion,
`data_in` and `repeat` reach the test run, the whole object is loaded, every failure is a
one-line reply in the right phase that says whether the loader refused (`error_kind`
"refused") or the adapter broke ("internal"), every optional field it claims does what the
protocol says, nothing outlives a request (no fd on a program, map, link, BTF or file, no
pin outside `pin_root`), and it exits 0 on `bye` and on EOF. Each check here is one such
promise, run against the real kernel with small objects compiled from the sources below.
Loader authors run it on their own adapter (`--adapter-manifest PATH`); tests/adapters runs
it on every adapter of the repository.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.adapters.client import AdapterClient, AdapterError
from harness.adapters.manifest import Manifest
from harness.adapters.protocol import Hello, ProtocolError, RunReply, RunRequest
from harness.build import toolchain
from harness.probes import probes

BPFFS = Path("/sys/fs/bpf")
#: request fields an adapter may list in `supports` (docs/adapter-protocol.md)
KNOWN_FIELDS = frozenset({"pin_root", "btf_custom_path", "data_in", "repeat", "skip", "info",
                          "no_data", "ctx_in", "autoload_only", "attach", "read_iter",
                          "extension"})
REQUIRED_FIELDS = frozenset({"pin_root", "data_in", "repeat"})
PHASES = frozenset({"open", "load", "run"})
DATA_IN = "00" * 64
PINNED_MAP = "adapter_check_pin"
CTX_MARK_42 = "00000000" "00000000" "2a000000"  # struct __sk_buff: len, pkt_type, mark=42
EXIT_INSN = "9500000000000000"  # BPF_JMP | BPF_EXIT, as xlated hex
ETH_HLEN = 14
#: requests an adapter cannot parse or serve, with the id its reply must echo
MALFORMED: tuple[tuple[str, int | None], ...] = (
    ("{not json", None),
    ("[1, 2, 3]", None),
    ('{"op": "frobnicate", "id": 3}', 3),
    ('{"op": "run", "id": 4, "program": "x"}', 4),  # no elf
    ('{"op": "run", "id": 5, "elf": 42}', 5),  # an elf that is no string
    ('{"op": "run", "id": 6}', 6),
    ('{"op": "run", "id": 8, "elf": "/x.o", "program": "p", "data_in": "zz"}', 8),  # not hex
)

#: the objects the checks use; `#include "conformance.h"` is the suite's one header.
#: `MARK:<name>` comments name the line a failing assertion returns (`line_of`).
SOURCES = {
    "good": """/* adapter-check: programs that run, a global and a map they read */
#include "conformance.h"
static long (*const bpf_skb_load_bytes)(const void *skb, __u32 off, void *to, __u32 len) =
	(void *)26;
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
SEC("socket") int fails(void *ctx)
{
	ASSERT_EQ(seven, 7);
	ASSERT_EQ(seven, 8); /* MARK:fails */
	return 0;
}
struct skb_head { __u32 len, pkt_type, mark; }; /* struct __sk_buff's first fields */
/* the first byte of the packet data << 16 | skb->len */
SEC("socket") int echo_data(struct skb_head *skb)
{
	__u8 first = 0;
	if (bpf_skb_load_bytes(skb, 0, &first, 1))
		return 0xffffff;
	return (first << 16) | skb->len;
}
SEC("socket") int returns_mark(struct skb_head *skb) { return skb->mark; }
""",
    "refused": """/* adapter-check: a program the verifier refuses (a NULL dereference) */
#include "conformance.h"
SEC("socket") int refused(void *ctx) { return *(volatile int *)0; }
""",
    "refused_uninit": """/* adapter-check: a program the verifier refuses (r5 never written) */
#include "conformance.h"
SEC("socket") int refused_uninit(void *ctx)
{
	int x;
	asm volatile("%0 = r5" : "=r"(x));
	return x;
}
""",
    "pinned": """/* adapter-check: a counter in a map pinned by name under the pin root */
#include "conformance.h"
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32);
         __type(value, __u64); __uint(pinning, LIBBPF_PIN_BY_NAME); } adapter_check_pin
	SEC(".maps");
SEC("socket") int counts(void *ctx)
{
	__u32 k = 0;
	__u64 *n = bpf_map_lookup_elem(&adapter_check_pin, &k);
	if (!n)
		return 0xffff;
	*n += 1; /* test runs are sequential */
	return *n;
}
""",
    "core": """/* adapter-check: a CO-RE field offset vmlinux cannot resolve (core_target: 12) */
#include "conformance.h"
struct adapter_check_core { int a; int b; } __attribute__((preserve_access_index));
SEC("socket") int core_offset(void *ctx)
{
	ASSERT_EQ(__builtin_preserve_field_info(((struct adapter_check_core *)0)->b, 0), 12);
	return 0;
}
""",
    "core_target": """/* adapter-check: target BTF for core, b at offset 12 */
struct adapter_check_core { long pad; int a; int b; };
struct adapter_check_core adapter_check_core_instance;
""",
    "no_data": """/* adapter-check: a raw_tp program, whose test run takes no data */
#include "conformance.h"
SEC("raw_tp/sys_enter") int no_data_returns_3(void *ctx) { return 3; }
""",
    "mixed": """/* adapter-check: one program the verifier accepts, one it refuses */
#include "conformance.h"
SEC("socket") int loads(void *ctx) { return 7; }
SEC("socket") int refused_sibling(void *ctx)
{
	int *p = (int *)(long)bpf_get_prandom_u32();
	return *p;
}
""",
    "attach": """/* adapter-check: a tp_btf program on bpf_test_finish, which every test run of a
 * socket filter fires, attached and triggered by the adapter; `attached` checks both */
#include "conformance.h"
int hits;
int triggered;
SEC("tp_btf/bpf_test_finish") int tp_finish(void *ctx)
{
	hits++;
	return 0;
}
SEC("socket") int tp_trigger(void *ctx)
{
	triggered = 1;
	return 0;
}
SEC("socket") int attached(void *ctx)
{
	ASSERT_EQ(triggered, 1); /* MARK:triggered */
	ASSERT_GE(hits, 1); /* MARK:hits */
	return 0;
}
""",
    "read_iter": """/* adapter-check: an iter/bpf_map program the adapter's iterator read
 * runs once per map and once at the end (map NULL); `walked` checks it ran and ended once */
#include "conformance.h"
struct bpf_iter_meta {
	void *seq;
} __core_pai;
struct bpf_iter__bpf_map {
	struct bpf_iter_meta *meta;
	void *map;
} __core_pai;
int maps;
int ends;
SEC("iter/bpf_map") int walk(struct bpf_iter__bpf_map *ctx)
{
	if (ctx->map)
		maps++;
	else
		ends++;
	return 0;
}
SEC("socket") int walked(void *ctx)
{
	ASSERT_GE(maps, 1); /* MARK:maps */
	ASSERT_EQ(ends, 1); /* MARK:ends */
	return 0;
}
""",
    "extended": """/* adapter-check: a socket filter returning its global function's value
 * (1), which the extension object `extension` replaces (9) */
#include "conformance.h"
struct __sk_buff {
	__u32 len;
};
__noinline int value(int x)
{
	return x - x + 1;
}
SEC("socket") int calls_value(struct __sk_buff *skb)
{
	return value((int)skb->len);
}
""",
    "extension": """/* adapter-check: replaces value() of `extended` */
#include "conformance.h"
SEC("freplace/value") int new_value(int x)
{
	return 9;
}
""",
}


def line_of(source: str, mark: str) -> int:
    """1-based line of `MARK:<mark>` in SOURCES[source]: what its failed assertion returns."""
    lines = SOURCES[source].splitlines()
    return next(i for i, text in enumerate(lines, 1) if f"MARK:{mark}" in text)


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
    #: (pid, fds) of the running adapter after its warm-up request
    _baseline: tuple[int | None, Counter[str]] = field(default_factory=lambda: (None, Counter()))

    def supports(self, name: str) -> bool:
        """Whether hello lists request field `name`."""
        if self.hello is None:
            self.hello = self.client.hello()
        return name in self.hello.supports

    def raw(self, obj: Path | str, program: str, root: Path | None = None,
            tolerate: str = "", **extra: object) -> dict[str, Any]:
        """One run request (under a fresh pin root unless `root`), its raw reply checked for
        its id and for what the adapter holds afterwards (an fd on the file `tolerate`
        names is no failure: it joins the baseline, and the request returns it in `held`)."""
        with contextlib.ExitStack() as stack:
            if root is None:
                root = stack.enter_context(pin_root())
            baseline = self._warm_up()
            self._ids += 1
            req = RunRequest(id=self._ids, elf=str(obj), program=program, pin_root=str(root),
                             data_in=str(extra.pop("data_in", DATA_IN)))
            line = json.loads(req.to_json())
            line.update(extra)
            raw = self.client.exchange(json.dumps(line))
            if raw.get("id") != self._ids:
                raise CheckFailed(f"reply has id {raw.get('id')!r}, expected {self._ids}")
            leaked = held_fds(self.client.pid) - baseline
            if tolerate and leaked[tolerate]:
                baseline[tolerate] += leaked.pop(tolerate)
                raw = {**raw, "held": tolerate}
            if leaked:
                raise CheckFailed(f"after a request for {program} the adapter still holds "
                                  f"{sorted(leaked.elements())}")
            return raw

    def request(self, obj: Path | str, program: str, root: Path | None = None,
                **extra: object) -> RunReply:
        """`raw`, parsed."""
        raw = self.raw(obj, program, root, "", **extra)
        try:
            return RunReply.from_json(raw)
        except ProtocolError as exc:
            raise CheckFailed(f"protocol violation: {exc}: {raw}") from exc

    def _warm_up(self) -> Counter[str]:
        """The fds a (re)started adapter holds after one good request (what a library opens
        once and keeps, such as a cache, is not a leak of later requests)."""
        self.client.hello()  # starts the adapter when none runs
        pid, fds = self._baseline
        if pid != self.client.pid:
            with pin_root() as root:
                self._ids += 1
                self.client.exchange(RunRequest(
                    id=self._ids, elf=str(self.objects["good"]), program="returns_zero",
                    pin_root=str(root), data_in=DATA_IN).to_json())
            fds = held_fds(self.client.pid)
            self._baseline = (self.client.pid, fds)
        return fds


@contextlib.contextmanager
def pin_root() -> Iterator[Path]:
    """A fresh pin root under bpffs, removed (unpinning what is under it) afterwards."""
    root = BPFFS / f"bpfconform-adapter-check-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    root.mkdir()
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def held_fds(pid: int | None) -> Counter[str]:
    """What process `pid` holds that a request could leak: BPF objects (programs and maps
    with their kernel ids, links, BTF) and files. A language runtime's own fds (pipes,
    eventfds, epoll, sockets) come and go on the runtime's schedule and are not counted."""
    found: Counter[str] = Counter()
    if pid is None:
        return found
    for fd in Path(f"/proc/{pid}/fd").glob("*"):
        try:
            target = os.readlink(fd)
        except OSError:  # closed while listing: not held
            continue
        if target.startswith("anon_inode:bpf") or target == "anon_inode:btf":
            with contextlib.suppress(OSError):
                ids = [" ".join(line.split()) for line in
                       (fd.parent.parent / "fdinfo" / fd.name).read_text().splitlines()
                       if line.startswith(("prog_id:", "map_id:", "link_id:"))]
                target = " ".join([target, *ids])
            found[target] += 1
        elif target.startswith("/"):
            found[target] += 1
    return found


def _refused(reply: RunReply, phase: str, what: str, names: str | Path | None = None) -> None:
    if (reply.phase, reply.error_kind, reply.retval) != (phase, "refused", None):
        raise CheckFailed(f"{what}: want a refusal at {phase}, got phase={reply.phase} "
                          f"error_kind={reply.error_kind} retval={reply.retval} "
                          f"error={reply.error!r}")
    if not reply.error or "\n" in reply.error:
        raise CheckFailed(f"{what}: the error must be one line, got {reply.error!r}")
    if names is not None and str(names) not in reply.error:
        raise CheckFailed(f"{what}: the error must name {str(names)!r}, got {reply.error!r}")


def _done(reply: RunReply, retval: int, what: str) -> None:
    if (reply.phase, reply.retval, reply.error, reply.error_kind) != ("done", retval, None,
                                                                     None):
        raise CheckFailed(f"{what}: want done with retval {retval}, got phase={reply.phase} "
                          f"retval={reply.retval} error={reply.error!r} "
                          f"error_kind={reply.error_kind}")


def _internal(raw: dict[str, Any], echoed: int | None, what: str, says: str,
              may_drop_id: bool = False) -> bool:
    """`raw` is an internal error at open echoing the request's id (or, `may_drop_id`, with
    a null id: a request the adapter could not read); whether it echoed the id."""
    ids = (echoed, None) if may_drop_id else (echoed,)
    if raw.get("id") not in ids or (raw.get("phase"), raw.get("retval"),
                                    raw.get("error_kind")) != ("open", None, "internal"):
        raise CheckFailed(f"{what}: want an internal error at open with id {echoed}, got {raw}")
    error = raw.get("error")
    if not isinstance(error, str) or "\n" in error or says not in error:
        raise CheckFailed(f"{what}: want a one-line error with {says!r}, got {error!r}")
    return raw.get("id") == echoed


def _ns(reply: RunReply, what: str) -> None:
    """`ns` times the phases that ran (load always did), each a positive integer."""
    if not set(reply.ns) <= PHASES or "load" not in reply.ns:
        raise CheckFailed(f"{what}: ns must time load and the phases that ran, got {reply.ns}")
    if not all(v > 0 for v in reply.ns.values()):
        raise CheckFailed(f"{what}: ns timings must be positive, got {reply.ns}")


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
    for name in ("adapter_version", "library", "library_version"):
        if not getattr(hello, name):
            raise CheckFailed(f"hello has no {name}")
    supports = set(hello.supports)
    if not supports >= REQUIRED_FIELDS:
        raise CheckFailed(f"supports lacks {sorted(REQUIRED_FIELDS - supports)}")
    if not supports <= KNOWN_FIELDS:
        raise CheckFailed(f"supports names unknown fields {sorted(supports - KNOWN_FIELDS)}")
    return f"{hello.library} {hello.library_version}, supports {', '.join(hello.supports)}"


def check_runs(ctx: Context) -> str:
    """A valid object loads whole and its programs run: retvals 0 and 7, no error, `ns`
    timings of the phases that ran, a `btf` of the documented form."""
    reply = ctx.request(ctx.objects["good"], "returns_zero")
    _done(reply, 0, "returns_zero")
    if "run" not in reply.ns:
        raise CheckFailed(f"a done reply must time the run, got ns={reply.ns}")
    _ns(reply, "returns_zero")
    btf = reply.btf
    if btf is not None and btf not in ("loaded", "none") and not btf.startswith(
            ("sanitized: ", "dropped: ")):
        raise CheckFailed(f"btf must be loaded, none, sanitized: ... or dropped: ..., got {btf!r}")
    _done(ctx.request(ctx.objects["good"], "returns_seven"), 7, "returns_seven")
    return f"ns phases: {', '.join(sorted(reply.ns))}; btf: {btf}"


def check_failing_line(ctx: Context) -> str:
    """A failing assertion's retval is its __LINE__ (with repeat 5: every run fails alike)."""
    line = line_of("good", "fails")
    _done(ctx.request(ctx.objects["good"], "fails", repeat=5), line, "fails")
    return f"returned line {line}"


def check_data_in(ctx: Context) -> str:
    """`data_in` is the test run's packet: its bytes and its length reach the program."""
    lens = []
    for fill, size in ((0xAB, 64), (0xCD, 100)):
        reply = ctx.request(ctx.objects["good"], "echo_data", data_in=f"{fill:02x}" * size)
        if reply.phase != "done" or reply.retval is None:
            raise CheckFailed(f"echo_data with {size} bytes: want done, got {reply}")
        if reply.retval >> 16 != fill:
            raise CheckFailed(f"{size} bytes of {fill:#x}: the program read "
                              f"{reply.retval >> 16:#x}, not the data_in sent")
        lens.append(reply.retval & 0xFFFF)
    if lens[1] - lens[0] != 36 or lens[0] not in (64, 64 - ETH_HLEN):
        raise CheckFailed(f"skb->len of 64 and 100 bytes of data_in: {lens}")
    if lens[0] == 64:
        return "skb->len is all of data_in (run as an L2 program, such as SCHED_CLS)"
    return "skb->len is data_in less its 14-byte L2 header (a socket filter)"


def check_refused_program(ctx: Context) -> str:
    """Programs the verifier refuses: load refusals with EACCES, and the verifier's reason
    in the log when there is one (whether the error names the program is reported)."""
    logs = named = 0
    for obj, why in (("refused", "invalid mem access"), ("refused_uninit", "R5 !read_ok")):
        reply = ctx.request(ctx.objects[obj], obj)
        _refused(reply, "load", obj)
        named += obj in (reply.error or "")
        if reply.errno != errno.EACCES:
            raise CheckFailed(f"{obj}: errno {reply.errno}, want EACCES ({errno.EACCES})")
        if reply.failed_program not in (None, obj):
            raise CheckFailed(f"{obj}: failed_program {reply.failed_program!r}")
        if reply.verifier_log:
            if why not in reply.verifier_log:
                raise CheckFailed(f"{obj}: the verifier log lacks {why!r}: "
                                  f"{reply.verifier_log[-300:]!r}")
            logs += 1
    says = ["with the verifier's log" if logs == 2 else "no verifier log (allowed)",
            "the error names the program" if named == 2 else "the error does not name the "
            "program (allowed)"]
    return "; ".join(says)


def check_missing_file(ctx: Context) -> str:
    """An object that does not exist, and a directory: open refusals naming the path;
    ENOENT for the missing one."""
    absent = ctx.scratch / "no-such-object.bpf.o"
    reply = ctx.request(absent, "x")
    _refused(reply, "open", "a missing file", names=absent)
    if reply.errno != errno.ENOENT:
        raise CheckFailed(f"a missing file: errno {reply.errno}, want ENOENT ({errno.ENOENT})")
    directory = ctx.scratch / "a-directory.bpf.o"
    directory.mkdir(exist_ok=True)
    # libbpf (1.4 to 1.7) keeps the fd of a directory it failed to open as an ELF: its
    # bpf_object__elf_finish returns early when elf_begin failed. An fd on a directory is no
    # kernel object and changes no later verdict: said here, not failed.
    raw = ctx.raw(directory, "x", tolerate=str(directory))
    try:
        _refused(RunReply.from_json(raw), "open", "a directory", names=directory)
    except ProtocolError as exc:
        raise CheckFailed(f"protocol violation: {exc}: {raw}") from exc
    if raw.get("held"):
        return "the loader keeps an fd on a directory it failed to open (a library leak)"
    return ""


def check_corrupt_elf(ctx: Context) -> str:
    """Truncated objects, text, an ELF magic with nothing after it: open refusals naming the
    file, never a crash."""
    good = ctx.objects["good"].read_bytes()
    for name, content in (("truncated-200", good[:200]), ("truncated-third", good[:len(good) // 3]),
                          ("text", b"this is not an ELF object\n" * 4),
                          ("magic-only", b"\x7fELF not really")):
        bad = ctx.scratch / f"{name}.bpf.o"
        bad.write_bytes(content)
        _refused(ctx.request(bad, "returns_zero"), "open", name, names=bad)
    return ""


def check_missing_program(ctx: Context) -> str:
    """A program the loaded object lacks: a run refusal, ENOENT, naming the program and the
    object; `ns` times what ran."""
    good = ctx.objects["good"]
    reply = ctx.request(good, "no_such_program")
    _refused(reply, "run", "a missing program", names="no_such_program")
    if reply.errno != errno.ENOENT or str(good) not in (reply.error or ""):
        raise CheckFailed(f"want ENOENT and the object's path, got errno={reply.errno} "
                          f"error={reply.error!r}")
    _ns(reply, "a missing program")
    return ""


def check_bad_requests(ctx: Context) -> str:
    """Malformed requests are internal errors "bad request: ..." (never refusals) with the
    request's id or a null one, and the adapter goes on serving."""
    dropped = 0
    for line, echoed in MALFORMED:
        if not _internal(ctx.client.exchange(line), echoed, repr(line), "bad request",
                         may_drop_id=True):
            dropped += 1
        hello = ctx.client.hello()
        if hello.name != ctx.client.name.partition("@")[0]:
            raise CheckFailed(f"after {line!r} hello says {hello}")
    _done(ctx.request(ctx.objects["good"], "returns_zero"), 0, "a good request after them")
    if dropped:  # the protocol asks for the id "when it could be read"; no verdict reads it
        return f"{len(MALFORMED)} malformed requests, {dropped} replied with a null id"
    return f"{len(MALFORMED)} malformed requests, every readable id echoed"


def check_repeat(ctx: Context) -> str:
    """`repeat` 3 runs the program three times (a counter in a map goes to 3)."""
    _done(ctx.request(ctx.objects["pinned"], "counts", repeat=3), 3, "counts with repeat 3")
    return ""


def check_pins(ctx: Context) -> str:
    """A LIBBPF_PIN_BY_NAME map is pinned under pin_root (nothing else is), a second load
    reuses the pin, and nowhere else on bpffs has it (found by its name, unique to this
    check, so that other users of bpffs do not matter)."""
    pinned = ctx.objects["pinned"]
    with pin_root() as root:
        _done(ctx.request(pinned, "counts", root), 1, "counts")
        if os.listdir(root) != [PINNED_MAP]:
            raise CheckFailed(f"want only {PINNED_MAP} pinned under pin_root, found "
                              f"{os.listdir(root)}")
        inode = (root / PINNED_MAP).stat().st_ino
        _done(ctx.request(pinned, "counts", root), 2, "counts on the reused pin")
        if os.listdir(root) != [PINNED_MAP] or (root / PINNED_MAP).stat().st_ino != inode:
            raise CheckFailed("a second load replaced the pinned map instead of reusing it")
        (root / PINNED_MAP).unlink()
        _done(ctx.request(pinned, "counts", root), 1, "counts once the pin is gone")
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


def check_btf_custom_path(ctx: Context) -> str:
    """A CO-RE relocation of a type vmlinux lacks is a load refusal; if claimed,
    btf_custom_path naming a target BTF that has it resolves it, and a missing one is a load
    refusal with ENOENT naming it."""
    core = ctx.objects["core"]
    _refused(ctx.request(core, "core_offset"), "load", "CO-RE against vmlinux")
    if not ctx.supports("btf_custom_path"):
        return "not claimed (the unresolved relocation checked)"
    _done(ctx.request(core, "core_offset", btf_custom_path=str(ctx.objects["core_target"])), 0,
          "CO-RE against btf_custom_path")
    missing = ctx.scratch / "no-such-dir" / "target.o"
    reply = ctx.request(core, "core_offset", btf_custom_path=str(missing))
    _refused(reply, "load", "a missing btf_custom_path", names=missing)
    if reply.errno != errno.ENOENT:
        raise CheckFailed(f"a missing btf_custom_path: errno {reply.errno}, want ENOENT")
    return "claimed"


def check_skip(ctx: Context) -> str:
    """If claimed, skip ["data.data"] leaves .data zero and an unknown id is an internal
    error naming it; if not, any non-empty skip is an internal error."""
    good = ctx.objects["good"]
    if not ctx.supports("skip"):
        raw = ctx.raw(good, "returns_seven", skip=["data.data"])
        _internal(raw, ctx._ids, "an unclaimed skip", "skip")
        return "not claimed: a non-empty skip is internal"
    _done(ctx.request(good, "returns_seven", skip=["data.data"]), 0, "skip data.data")
    raw = ctx.raw(good, "returns_seven", skip=["no.such.behaviour"])
    _internal(raw, ctx._ids, "an unknown skip id", "no.such.behaviour")
    return "claimed"


def check_info(ctx: Context) -> str:
    """If claimed, `info` is the kernel's view of the tested program and the object's maps,
    and only when asked; if not, asked anyway, the adapter makes none up."""
    pinned = ctx.objects["pinned"]
    plain = ctx.raw(pinned, "counts")
    if plain.get("info") is not None:
        raise CheckFailed(f"info not asked, reply has it: {plain}")
    if not ctx.supports("info"):
        anyway = ctx.raw(pinned, "counts", info=True)
        if anyway.get("info") is not None:
            raise CheckFailed(f"info not claimed, asked anyway: the reply made some up: {anyway}")
        return "not claimed"
    raw = ctx.raw(pinned, "counts", info=True)
    info = raw.get("info")
    if raw.get("phase") != "done" or not isinstance(info, dict):
        raise CheckFailed(f"info asked: want done with info, got {raw}")
    try:
        prog, maps = info["prog"], info["maps"]
        xlated = prog["xlated"]
        if prog["type"] != 1:  # BPF_PROG_TYPE_SOCKET_FILTER
            raise CheckFailed(f"info.prog.type {prog['type']}, want 1 (socket filter)")
        if not xlated or len(xlated) % 16 or not xlated.endswith(EXIT_INSN):
            raise CheckFailed(f"info.prog.xlated is not the program's instructions: {xlated!r}")
        # the kernel keeps BPF_OBJ_NAME_LEN - 1 = 15 characters of a map's name
        mine = [m for m in maps if m["name"] == PINNED_MAP[:15]]
        if len(mine) != 1 or prog["map_ids"] != [mine[0]["id"]]:
            raise CheckFailed(f"info: want map_ids of the one map {PINNED_MAP}, got {info}")
        found = tuple(mine[0][k] for k in ("type", "key_size", "value_size", "max_entries"))
        if found != (2, 4, 8, 1) or not mine[0]["btf_id"] > 0:
            raise CheckFailed(f"info: {PINNED_MAP} is an array of 1 u32 -> u64 with BTF, got "
                              f"{mine[0]}")
    except (KeyError, TypeError, IndexError) as exc:
        raise CheckFailed(f"info lacks {exc}: {info}") from exc
    return "claimed"


def check_no_data(ctx: Context) -> str:
    """If claimed, `data_in` "" with repeat 0 test-runs a raw_tp program without data."""
    if not ctx.supports("no_data"):
        return "not claimed"
    _done(ctx.request(ctx.objects["no_data"], "no_data_returns_3", data_in="", repeat=0), 3,
          "a raw_tp program without data")
    return "claimed"


def check_ctx_in(ctx: Context) -> str:
    """If claimed, `ctx_in` is the test run's context (a __sk_buff whose mark is 42)."""
    if not ctx.supports("ctx_in"):
        return "not claimed"
    good = ctx.objects["good"]
    _done(ctx.request(good, "returns_mark", ctx_in=CTX_MARK_42), 42, "ctx_in with mark 42")
    _done(ctx.request(good, "returns_mark"), 0, "no ctx_in")
    return "claimed"


def check_autoload_only(ctx: Context) -> str:
    """If claimed, a request without it loads the whole object (a program whose sibling the
    verifier refuses is refused at load, failed_program the sibling if said), and with it
    only the program: it runs though its sibling is refused; the sibling is refused at load;
    a program the object lacks is a load refusal with ENOENT."""
    if not ctx.supports("autoload_only"):
        return "not claimed"
    mixed = ctx.objects["mixed"]
    whole = ctx.request(mixed, "loads")
    _refused(whole, "load", "loads in the whole object")
    if whole.failed_program not in (None, "refused_sibling"):
        raise CheckFailed(f"failed_program {whole.failed_program!r}, want refused_sibling")
    _done(ctx.request(mixed, "loads", autoload_only=True), 7, "loads alone")
    _refused(ctx.request(mixed, "refused_sibling", autoload_only=True), "load",
             "refused_sibling alone")
    missing = ctx.request(mixed, "no_such_program", autoload_only=True)
    _refused(missing, "load", "a missing program alone", names="no_such_program")
    if missing.errno != errno.ENOENT:
        raise CheckFailed(f"a missing program alone: errno {missing.errno}, want ENOENT")
    return "claimed"


def check_attach(ctx: Context) -> str:
    """If claimed, `attach` attaches a tp_btf program and `trigger` test-runs another first
    (without them the checker sees neither); a program to attach the object lacks is a
    refusal with ENOENT; the link does not outlive the request."""
    if not ctx.supports("attach"):
        return "not claimed"
    obj = ctx.objects["attach"]
    _done(ctx.request(obj, "attached"), line_of("attach", "triggered"), "neither")
    _done(ctx.request(obj, "attached", trigger="tp_trigger"), line_of("attach", "hits"),
          "trigger without attach")
    _done(ctx.request(obj, "attached", attach=["tp_finish"], trigger="tp_trigger"), 0,
          "attach tp_finish, trigger tp_trigger")
    _missing_program(ctx.request(obj, "attached", attach=["no_such_program"],
                                 trigger="tp_trigger"), "attaching a missing program")
    return "claimed"


def _missing_program(reply: RunReply, what: str) -> None:
    """`reply` is a load or run refusal naming `no_such_program`, with ENOENT."""
    if reply.phase not in ("load", "run"):
        raise CheckFailed(f"{what}: want a refusal, got {reply}")
    _refused(reply, reply.phase, what, names="no_such_program")
    if reply.errno != errno.ENOENT:
        raise CheckFailed(f"{what}: errno {reply.errno}, want ENOENT")


def check_read_iter(ctx: Context) -> str:
    """If claimed, `read_iter` makes an iter/bpf_map program's iterator and reads it to its
    end once before the checker runs (without it the checker sees no run); an iterator
    program the object lacks is a refusal with ENOENT."""
    if not ctx.supports("read_iter"):
        return "not claimed"
    obj = ctx.objects["read_iter"]
    _done(ctx.request(obj, "walked"), line_of("read_iter", "maps"), "no read_iter")
    _done(ctx.request(obj, "walked", read_iter="walk"), 0, "read_iter walk")
    _missing_program(ctx.request(obj, "walked", read_iter="no_such_program"),
                     "reading a missing iterator")
    return "claimed"


def check_extension(ctx: Context) -> str:
    """If claimed, `extension` loads an extension object against the checked program and
    attaches it: the run returns the extension's value (9), without it the target's own
    (1); a missing extension program is a refusal with ENOENT. Where the kernel refuses
    extensions (probe freplace) the claim cannot be checked: said, with the probe's
    reason."""
    if not ctx.supports("extension"):
        return "not claimed"
    probe = probes.probe_freplace()
    if not probe.ok:
        return f"claimed; not checkable on this kernel: {probe.reason}"
    target, ext = ctx.objects["extended"], str(ctx.objects["extension"])
    _done(ctx.request(target, "calls_value"), 1, "no extension")
    _done(ctx.request(target, "calls_value", extension={"elf": ext, "program": "new_value"}),
          9, "extension new_value")
    _missing_program(ctx.request(target, "calls_value",
                                 extension={"elf": ext, "program": "no_such_program"}),
                     "a missing extension program")
    return "claimed"


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
    check_hello, check_runs, check_failing_line, check_data_in, check_refused_program,
    check_missing_file, check_corrupt_elf, check_missing_program, check_bad_requests,
    check_repeat, check_pins, check_btf_custom_path, check_skip,
    check_info, check_no_data, check_ctx_in, check_autoload_only, check_attach,
    check_read_iter, check_extension, check_exit_on_bye_and_eof,
)
#: every check's name, as results and `--json` say it
CHECK_NAMES = tuple(c.__name__.removeprefix("check_") for c in CHECKS)


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
