"""Every adapter of runners/*/adapter.toml passes the same protocol-conformance cases.

Each case runs once per adapter (ids `[<adapter>-<case>]`) against the real kernel, through
the adapter process. A case checks the strict protocol (docs/adapter-protocol.md); where an
adapter is known to say less (say, no errno), DETAILS names the gap and why, so the gap is
visible here rather than hidden in a weaker check. Every failed reply says whether the
loader refused (`error_kind` "refused") or the adapter broke (`internal`: a bad request, an
unsupported field, a crash); a crash is never a refusal. A case whose feature an adapter
lacks asserts what the adapter says instead: that hello does not list the field and that
the harness therefore SKIPs items needing it. What only one adapter does (bpftool's
mount namespace, aya's kprobe run, cilium's btf field, library versions) stays in its own
test_<adapter>.py.
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from adapter_helpers import MANIFESTS, Adapter, Launch, Objects, compile_bpf

from harness.discovery import Expectations, Item
from harness.protocol import Hello, RunReply
from harness.runner import required_fields

KNOWN_FIELDS = {"pin_root", "btf_custom_path", "data_in", "repeat", "skip", "info", "no_data",
                "ctx_in", "autoload_only", "attach"}
CTX_MARK_42 = "00000000" "00000000" "2a000000"  # struct __sk_buff: len, pkt_type, mark=42
EXIT_INSN = "9500000000000000"  # BPF_JMP | BPF_EXIT, as xlated hex
PINNED = "adapter_test_pinned"


@dataclass(frozen=True)
class Detail:
    """What one adapter says beyond (or short of) the strict protocol checks."""

    phases: frozenset[str] = frozenset({"open", "load", "run"})  # `ns` of a done reply
    btf: str | None = "loaded"  # `btf` of a done reply
    load_error: str = ""  # text in every load failure's error
    core_vmlinux_log: str = ""  # verifier log of a CO-RE relocation vmlinux cannot satisfy
    skip_error: str = "skip"  # text of the refusal of a non-empty skip
    directory_errno: int | None = None  # errno of an elf that is a directory, when checked
    gaps: frozenset[str] = field(default_factory=frozenset)  # strict checks not met, see GAPS


# Strict checks an adapter may be listed as not meeting (in DETAILS[...].gaps).
GAPS = {
    "missing_program_names_object": "the error names the program but not the object",
    "missing_program_ns_run": "no `run` timing when the program is not found",
    "bad_hex_is_bad_request": "a data_in that is not hex is an internal error, not bad request",
    "socket_skb_len": "a socket program runs as SCHED_CLS (tc): skb->len keeps the L2 header",
    "socket_programs": "SEC(\"socket\") is not loaded: the cases built on it check that refusal",
}

LIBBPF_CORE_LOG = "CO-RE relocation"  # libbpf reports the unresolved relocation itself
POISON_LOG = "unknown#195896080"  # libbpf's poison call, left for the verifier to refuse
DETAILS: dict[str, Detail] = {
    "libbpf": Detail(load_error="bpf_object__load", core_vmlinux_log=LIBBPF_CORE_LOG,
                     skip_error="skip not supported"),
    "libbpf-rs": Detail(load_error="load(", core_vmlinux_log=LIBBPF_CORE_LOG,
                        skip_error="skip not supported"),
    "bpftool": Detail(phases=frozenset({"load", "run"}), btf=None, load_error="prog loadall",
                      core_vmlinux_log=LIBBPF_CORE_LOG, skip_error="skip not supported",
                      gaps=frozenset({"missing_program_ns_run"})),
    "iproute2": Detail(phases=frozenset({"load", "run"}), btf=None, load_error="bpf da obj", core_vmlinux_log=LIBBPF_CORE_LOG, skip_error="skip not supported", gaps=frozenset({"missing_program_ns_run", "socket_skb_len"})),  # noqa: E501
    "aya": Detail(core_vmlinux_log=POISON_LOG, directory_errno=errno.EISDIR),
    "cilium-ebpf": Detail(core_vmlinux_log="poisoned by CO-RE", directory_errno=errno.EISDIR),
    "python": Detail(core_vmlinux_log=POISON_LOG),
    # only sections xdp, tc_cls, tc_act, k(ret)probe, tracepoint load (isProgTypeSupported)
    "aws-ebpf-sdk-go": Detail(phases=frozenset({"load", "run"}),
                              gaps=frozenset({"socket_programs"})),
}
assert all(g in GAPS for d in DETAILS.values() for g in d.gaps)


def meets(adapter: Adapter, check: str) -> bool:
    """Whether the strict `check` (a GAPS key) applies to this adapter."""
    return check not in DETAILS.get(adapter.name, Detail()).gaps


def detail(adapter: Adapter) -> Detail:
    """The adapter's DETAILS entry (the strict defaults for an adapter not listed)."""
    return DETAILS.get(adapter.name, Detail())


def refused(reply: RunReply, phase: str) -> None:
    """`reply` is the loader's refusal in `phase`, with a one-line error."""
    assert (reply.phase, reply.retval, reply.error_kind) == (phase, None, "refused"), reply
    assert reply.error and "\n" not in reply.error


def internal(reply: RunReply, echoed_id: int | None) -> None:
    """`reply` is an internal error (never a refusal) that echoes the request's id."""
    assert (reply.id, reply.phase, reply.retval) == (echoed_id, "open", None), reply
    assert reply.error_kind == "internal" and reply.error and "\n" not in reply.error, reply


def harness_skips(ad: Adapter, field: str, **expectations: object) -> None:
    """The adapter does not list request field `field`, so the harness never sends it: an
    item whose .conform needs it is SKIPped "adapter does not support <field>"."""
    hello = Hello.from_json(ad.hello())
    assert field not in hello.supports
    exp = Expectations(behaviour="adapter.test", expect="pass", level="required",
                       **expectations)  # type: ignore[arg-type]
    item = Item(obj=Path("adapter.bpf.o"), source=Path("adapter.bpf.c"), rel="adapter.bpf.c",
                program="p", expectations=exp)
    assert field in required_fields(item, mutate=False)
    assert all(f in hello.supports for f in required_fields(item, mutate=False) if f != field)


Case = Callable[[Adapter, Objects, Path, Path], None]


def hello_fields(ad: Adapter, objs: Objects, pin_root: Path, tmp: Path) -> None:
    hello = ad.hello()
    assert (hello["op"], hello["protocol"], hello["name"]) == ("hello", 1, ad.name)
    for key in ("adapter_version", "library", "library_version"):
        assert isinstance(hello[key], str) and hello[key], f"hello has no {key}"
    supports = set(hello["supports"])
    assert {"pin_root", "data_in", "repeat"} <= supports <= KNOWN_FIELDS, supports


def pass_returns_zero(ad: Adapter, objs: Objects, pin_root: Path, tmp: Path) -> None:
    reply = ad.run(objs["basic"], "passes", pin_root)
    assert (reply.phase, reply.retval, reply.error, reply.error_kind) == ("done", 0, None, None)
    assert set(reply.ns) == detail(ad).phases and all(v > 0 for v in reply.ns.values())
    assert reply.btf == detail(ad).btf


def fail_returns_line(ad: Adapter, objs: Objects, pin_root: Path, tmp: Path) -> None:
    reply = ad.run(objs["basic"], "fails_at_line_29", pin_root, repeat=5)
    assert (reply.phase, reply.retval) == ("done", objs.failing_line)


def data_in_reaches_program(ad: Adapter, objs: Objects, pin_root: Path, tmp: Path) -> None:
    # A socket filter's skb->len excludes the 14-byte Ethernet header the kernel pulls.
    for size in (64, 100):
        reply = ad.run(objs["basic"], "returns_len", pin_root, data_in="ab" * size)
        assert (reply.phase, reply.retval) == ("done", size - 14 * meets(ad, "socket_skb_len"))


def load_error_with_verifier_log(ad: Adapter, objs: Objects, pin_root: Path, tmp: Path) -> None:
    for obj, program, log in [
        ("verifier_reject", "rejected", "R5 !read_ok"),
        ("verifier_reject_scalar", "rejected_scalar", "invalid mem access 'scalar'"),
    ]:
        reply = ad.run(objs[obj], program, pin_root)
        refused(reply, "load")
        assert reply.errno == errno.EACCES
        assert reply.error and program in reply.error
        assert detail(ad).load_error in reply.error
        assert reply.verifier_log and log in reply.verifier_log


def missing_program(ad: Adapter, objs: Objects, pin_root: Path, tmp: Path) -> None:
    reply = ad.run(objs["basic"], "no_such_program", pin_root)
    refused(reply, "run")  # the object loaded; the library has no such program: ENOENT
    assert reply.errno == errno.ENOENT
    assert reply.error and "no_such_program" in reply.error
    if meets(ad, "missing_program_names_object"):
        assert objs["basic"] in reply.error
    phases = detail(ad).phases - ({"run"} if not meets(ad, "missing_program_ns_run") else set())
    assert set(reply.ns) == phases


MALFORMED: list[tuple[str, int | None]] = [
    ("{not json", None),
    ("[1, 2, 3]", None),
    ('{"op": "frobnicate", "id": 3}', 3),
    ('{"op": "run", "id": 4, "program": "x"}', 4),  # no elf
    ('{"op": "run", "id": 5, "elf": 42}', 5),  # wrong field type
    ('{"op": "run", "id": 6}', 6),
    ('{"op": "run", "id": 8, "elf": "/x.o", "program": "p", "data_in": "zz"}', 8),
]


def malformed_line_then_good_request(
    ad: Adapter, objs: Objects, pin_root: Path, tmp: Path
) -> None:
    for line, echoed_id in MALFORMED:
        reply = RunReply.from_json(ad.send_line(line))
        internal(reply, echoed_id)
        if '"zz"' not in line or meets(ad, "bad_hex_is_bad_request"):
            assert reply.error.startswith("bad request"), (line, reply.error)
        assert ad.hello()["name"] == ad.name
    assert ad.run(objs["basic"], "passes", pin_root).retval == 0


def unreadable_file(ad: Adapter, objs: Objects, pin_root: Path, tmp: Path) -> None:
    absent = tmp / "absent.bpf.o"
    reply = ad.run(str(absent), "passes", pin_root)
    refused(reply, "open")
    assert reply.error and str(absent) in reply.error
    assert reply.errno == errno.ENOENT
    # A directory cannot be read as a file whatever the caller's privileges (root here).
    reply = ad.run(str(tmp), "passes", pin_root)
    refused(reply, "open")
    assert reply.error and str(tmp) in reply.error
    if detail(ad).directory_errno is not None:
        assert reply.errno == detail(ad).directory_errno
    for name, content in [("junk", b"this is not an ELF object\n" * 4),
                          ("garbage", b"\x7fELF not really")]:
        bad = tmp / f"{name}.bpf.o"
        bad.write_bytes(content)
        reply = ad.run(str(bad), "passes", pin_root)
        refused(reply, "open")
        assert reply.error and str(bad) in reply.error


def btf_custom_path(ad: Adapter, objs: Objects, pin_root: Path, tmp: Path) -> None:
    # Without it the struct is looked up in vmlinux, which lacks it: the load fails.
    vmlinux = ad.run(objs["core"], "core_offset", pin_root)
    refused(vmlinux, "load")
    assert vmlinux.verifier_log and detail(ad).core_vmlinux_log in vmlinux.verifier_log
    if not ad.supports("btf_custom_path"):
        # test_bpftool.py: an internal error when sent anyway
        harness_skips(ad, "btf_custom_path", btf_custom_path=objs["core_target"])
        return
    custom = ad.run(objs["core"], "core_offset", pin_root, btf_custom_path=objs["core_target"])
    assert (custom.phase, custom.retval) == ("done", 0)
    missing = str(tmp / "no-such-dir" / "target.o")
    reply = ad.run(objs["core"], "core_offset", pin_root, btf_custom_path=missing)
    refused(reply, "load")
    assert reply.errno == errno.ENOENT
    assert missing in reply.error


def pinned_map_under_pin_root(ad: Adapter, objs: Objects, pin_root: Path, tmp: Path) -> None:
    first = ad.run(objs["basic"], "counts", pin_root)
    assert (first.phase, first.retval) == ("done", 1)
    # Only the map pinned by name stays: no program pins, no other map pins.
    assert os.listdir(pin_root) == [PINNED]
    inode = (pin_root / PINNED).stat().st_ino
    # A second load reuses the pin (same inode, same map): the counter goes on from 1.
    second = ad.run(objs["basic"], "counts", pin_root, repeat=3)
    assert (second.phase, second.retval) == ("done", 4), "repeat=3 on the reused pinned map"
    assert (pin_root / PINNED).stat().st_ino == inode
    assert os.listdir(pin_root) == [PINNED]
    # Unpinning is the harness's cleanup; a later load starts from a fresh map.
    (pin_root / PINNED).unlink()
    assert ad.run(objs["basic"], "counts", pin_root).retval == 1


def skip_refused_unless_supported(
    ad: Adapter, objs: Objects, pin_root: Path, tmp: Path
) -> None:
    reply = ad.run(objs["basic"], "passes", pin_root, skip=["data.data"])
    if ad.supports("skip"):
        # .data is left zero, so the program's `seven == 7` assertion fails.
        assert (reply.phase, reply.retval) == ("done", objs.line_of("basic", "seven"))
    else:
        # a request the adapter cannot serve: internal, never the loader's refusal
        internal(reply, reply.id)
        assert reply.error and detail(ad).skip_error in reply.error
        assert "skip" not in Hello.from_json(ad.hello()).supports  # `bpfconform mutate` refuses


def info_when_supported(ad: Adapter, objs: Objects, pin_root: Path, tmp: Path) -> None:
    # Without the flag the reply has no info.
    plain = ad.send_line(json.dumps({"op": "run", "id": 90, "elf": objs["basic"],
                                     "program": "counts", "pin_root": str(pin_root),
                                     "data_in": "00" * 64}))
    assert (plain["id"], plain["phase"], plain["retval"]) == (90, "done", 1)
    assert plain.get("info") is None
    if not ad.supports("info"):
        # The oracle never asks (its cells say "no info"); asked anyway, the adapter says
        # nothing rather than something made up.
        anyway = ad.send_line(json.dumps({"op": "run", "id": 92, "elf": objs["basic"],
                                          "program": "counts", "pin_root": str(pin_root),
                                          "data_in": "00" * 64, "info": True}))
        assert (anyway["id"], anyway["phase"], anyway.get("info")) == (92, "done", None)
        return
    raw = ad.send_line(json.dumps({"op": "run", "id": 91, "elf": objs["basic"],
                                   "program": "counts", "pin_root": str(pin_root),
                                   "data_in": "00" * 64, "info": True}))
    assert (raw["id"], raw["phase"], raw["retval"]) == (91, "done", 2)
    prog, maps = raw["info"]["prog"], raw["info"]["maps"]
    assert prog["type"] == 1  # BPF_PROG_TYPE_SOCKET_FILTER
    xlated = prog["xlated"]
    assert xlated and len(xlated) % 16 == 0 and int(xlated, 16) != 0
    assert xlated.endswith(EXIT_INSN)
    # The kernel keeps BPF_OBJ_NAME_LEN - 1 = 15 characters of a map's name.
    pinned = next(m for m in maps if m["name"] == PINNED[:15])
    assert prog["map_ids"] == [pinned["id"]]
    assert (pinned["type"], pinned["key_size"], pinned["value_size"]) == (2, 4, 8)
    assert pinned["max_entries"] == 1 and pinned["btf_id"] > 0


def no_data_when_supported(ad: Adapter, objs: Objects, pin_root: Path, tmp: Path) -> None:
    if not ad.supports("no_data"):
        harness_skips(ad, "no_data", data_in="")  # never sent `"data_in": ""`
        return
    reply = ad.run(objs["basic"], "no_data_returns_3", pin_root, data_in="", repeat=0)
    assert (reply.phase, reply.retval, reply.error) == ("done", 3, None)


def ctx_in_when_supported(ad: Adapter, objs: Objects, pin_root: Path, tmp: Path) -> None:
    if not ad.supports("ctx_in"):
        harness_skips(ad, "ctx_in", ctx_in=CTX_MARK_42)  # never sent `ctx_in`
        return
    reply = ad.run(objs["basic"], "returns_mark", pin_root, ctx_in=CTX_MARK_42)
    assert (reply.phase, reply.retval, reply.error) == ("done", 42, None)
    reply = ad.run(objs["basic"], "returns_mark", pin_root)  # no ctx_in: mark stays 0
    assert (reply.phase, reply.retval) == ("done", 0)


def crash_is_never_a_refusal(ad: Adapter, objs: Objects, pin_root: Path, tmp: Path) -> None:
    """`error_kind`: the loader's refusals are `refused`; what is not the loader's verdict
    on the object (a bad request, a skip id nobody knows) is `internal`."""
    corrupt = tmp / "truncated.bpf.o"
    raw = Path(objs["basic"]).read_bytes()
    corrupt.write_bytes(raw[: len(raw) // 3])  # a real object cut short: a corrupt ELF
    refused(ad.run(str(corrupt), "passes", pin_root), "open")
    missing = ad.run(objs["basic"], "no_such_program", pin_root)
    refused(missing, "run")
    assert missing.errno == errno.ENOENT
    unknown_skip = ad.run(objs["basic"], "passes", pin_root, skip=["no.such.behaviour"])
    internal(unknown_skip, unknown_skip.id)
    assert "no.such.behaviour" in (unknown_skip.error or "") or not ad.supports("skip")
    no_elf = RunReply.from_json(ad.send_line(json.dumps({"op": "run", "id": 77,
                                                         "program": "passes"})))
    internal(no_elf, 77)
    assert (no_elf.error or "").startswith("bad request")
    # and after all that the adapter still serves a good request
    assert ad.run(objs["basic"], "passes", pin_root).error_kind is None


def no_fd_leak(ad: Adapter, objs: Objects, pin_root: Path, tmp: Path) -> None:
    requests: list[tuple[str, str, dict[str, object]]] = [
        ("basic", "passes", {}),
        ("basic", "fails_at_line_29", {}),
        ("basic", "no_such_program", {}),
        ("basic", "counts", {}),
        ("verifier_reject", "rejected", {}),
        ("verifier_reject_scalar", "rejected_scalar", {}),
        ("core", "core_offset", {}),
    ]
    if ad.supports("btf_custom_path"):
        requests.append(("core", "core_offset", {"btf_custom_path": objs["core_target"]}))
    if ad.supports("no_data"):
        requests.append(("basic", "no_data_returns_3", {"data_in": "", "repeat": 0}))
    if ad.supports("ctx_in"):
        requests.append(("basic", "returns_mark", {"ctx_in": CTX_MARK_42}))
    ad.run(objs["basic"], "passes", pin_root)  # warm up anything opened lazily
    before = ad.fds()
    for _ in range(10):
        for obj, program, extra in requests:
            ad.run(objs[obj], program, pin_root, **extra)
    ad.run(str(tmp / "absent.bpf.o"), "passes", pin_root)
    assert ad.fds() == before


MIXED = """\
/* Adapter test: one program the verifier accepts, one it refuses, in one object. */
#include "conformance.h"

SEC("socket")
int loads(void *ctx)
{
	return 7;
}

SEC("socket")
int refused_sibling(void *ctx)
{
	int *p = (int *)(long)bpf_get_prandom_u32();

	return *p; /* R0 invalid mem access 'scalar' */
}
"""


def autoload_only_loads_one_program(ad: Adapter, objs: Objects, pin_root: Path,
                                    tmp: Path) -> None:
    # docs/adapter-protocol.md "One program": with autoload_only the refused sibling is not
    # loaded, so `loads` runs; the sibling itself is still refused, and a program the object
    # lacks is a refusal with ENOENT at load. Without it, the whole object fails to load.
    if not ad.supports("autoload_only"):
        assert "autoload_only" not in ad.hello()["supports"]  # the corpus sends whole objects
        return
    obj = str(compile_bpf(MIXED, tmp / "mixed.bpf.o", "-g"))
    refused(ad.run(obj, "loads", pin_root), "load")  # the whole object: the sibling fails it
    one = ad.run(obj, "loads", pin_root, autoload_only=True)
    assert (one.phase, one.retval, one.error_kind) == ("done", 7, None), one
    refused(ad.run(obj, "refused_sibling", pin_root, autoload_only=True), "load")
    missing = ad.run(obj, "no_such_program", pin_root, autoload_only=True)
    refused(missing, "load")
    assert missing.errno == errno.ENOENT


CASES: list[Case] = [
    hello_fields,
    pass_returns_zero,
    fail_returns_line,
    data_in_reaches_program,
    load_error_with_verifier_log,
    missing_program,
    malformed_line_then_good_request,
    unreadable_file,
    btf_custom_path,
    pinned_map_under_pin_root,
    skip_refused_unless_supported,
    info_when_supported,
    no_data_when_supported,
    ctx_in_when_supported,
    crash_is_never_a_refusal,
    autoload_only_loads_one_program,
    no_fd_leak,
]


def socket_section_refused(ad: Adapter, objs: Objects, pin_root: Path) -> None:
    """What a `socket_programs` adapter says instead: the socket program is refused at run
    with ENOENT, the error naming the section (test_<adapter>.py runs the programs it loads)."""
    reply = ad.run(objs["basic"], "passes", pin_root)
    refused(reply, "run")
    assert reply.errno == errno.ENOENT and 'section "socket"' in (reply.error or "")


# Cases whose objects are SEC("socket") programs that must load and run.
SOCKET_CASES = {pass_returns_zero, fail_returns_line, data_in_reaches_program, btf_custom_path,
                load_error_with_verifier_log, malformed_line_then_good_request,
                pinned_map_under_pin_root, info_when_supported, crash_is_never_a_refusal}


@pytest.mark.parametrize(
    ("name", "case"),
    [pytest.param(n, c, id=f"{n}-{c.__name__}") for n in sorted(MANIFESTS) for c in CASES],
)
def test_protocol(
    name: str, case: Case, launch: Launch, objects: Objects, pin_root: Path, tmp_path: Path
) -> None:
    ad = launch(name)
    if case in SOCKET_CASES and not meets(ad, "socket_programs"):
        socket_section_refused(ad, objects, pin_root)
        return
    case(ad, objects, pin_root, tmp_path)
