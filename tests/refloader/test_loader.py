"""The library API against the real kernel: .rodata set before load, pinning, sanitising."""

from __future__ import annotations

import os
import shutil
import struct
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from refloader import syscall as sc
from refloader.errors import LoaderError
from refloader.loader import open_object
from refloader.sanitize import KernelFeatures
from refloader_helpers import Compile

RODATA = r"""
const volatile __u32 threshold = 10;
SEC("socket") int check(void *ctx) { return threshold; }
"""

PINNED = r"""
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, %d); __type(key, __u32);
         __type(value, __u64); __uint(pinning, LIBBPF_PIN_BY_NAME); } shared SEC(".maps");
SEC("socket") int bump(void *ctx) {
    __u32 k = 0; __u64 *v = bpf_map_lookup_elem(&shared, &k);
    if (!v) return 1;
    *v += 1;
    return *v;
}
"""

NEW_KINDS = r"""
#define __tag(x) __attribute__((btf_decl_tag(x)))
enum big { BIG = 0x100000000ULL };
struct odd { float f; int __attribute__((btf_type_tag("user"))) *p; enum big e; } __tag("s");
struct odd odd_var;
__noinline __tag("fn") int global_fn(int x) { return x + (int)sizeof(odd_var); }
SEC("socket") int uses_all(void *ctx) { int a = 1; barrier_var(a); return global_fn(a) - 25; }
"""


@pytest.fixture
def pin_root() -> Iterator[str]:
    root = f"/sys/fs/bpf/refloader-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    os.mkdir(root)
    yield root
    shutil.rmtree(root)


def test_a_rodata_value_set_before_load_is_what_the_program_sees(compile_bpf: Compile) -> None:
    path = str(compile_bpf("rodata", RODATA))
    with open_object(path) as obj:
        obj.load()
        assert obj.test_run("check", bytes(64)).retval == 10
    with open_object(path) as obj:
        obj.set_global("threshold", 77)
        obj.load()
        assert obj.test_run("check", bytes(64)).retval == 77
        with pytest.raises(LoaderError):
            obj.set_global("threshold", 1)


UNUSED_RODATA = r"""
const volatile __u32 bpf_metadata_unused = 7;  /* in .rodata, read by no instruction */
SEC("socket") int plain(void *ctx) { return 0; }
"""


def test_rodata_is_bound_to_every_program_even_unused(compile_bpf: Compile) -> None:
    """libbpf binds each .rodata* map to each program (BPF_PROG_BIND_MAP) so bpftool can
    show bpf_metadata_* variables; the oracle compares the programs' map ids with libbpf's."""
    from refloader.adapter import kernel_info

    path = str(compile_bpf("unused_rodata", UNUSED_RODATA))
    with open_object(path) as obj:
        obj.load()
        info = kernel_info(obj, "plain")
        assert info is not None
        rodata = [m["id"] for m in info["maps"] if m["name"].endswith(".rodata")]
        assert len(rodata) == 1 and info["prog"]["map_ids"] == rodata
    with open_object(path) as obj:  # a kernel without BPF_PROG_BIND_MAP: no binding
        obj.load(KernelFeatures(prog_bind_map=False))
        info = kernel_info(obj, "plain")
        assert info is not None and info["prog"]["map_ids"] == []


def test_a_compatible_pinned_map_is_reused(compile_bpf: Compile, pin_root: str) -> None:
    path = str(compile_bpf("pinned", PINNED % 1))
    for expected in (1, 2, 3):
        with open_object(path, pin_root=pin_root) as obj:
            obj.load()
            assert obj.test_run("bump", bytes(64)).retval == expected
    assert os.path.exists(os.path.join(pin_root, "shared"))


def test_an_incompatible_pinned_map_is_rejected(compile_bpf: Compile, pin_root: str) -> None:
    fd = sc.map_create(sc.MapCreate(2, 4, 8, 1))  # max_entries 1; the object wants 4
    try:
        sc.obj_pin(fd, os.path.join(pin_root, "shared"))
    finally:
        sc.close(fd)
    with open_object(str(compile_bpf("pinned4", PINNED % 4)), pin_root=pin_root) as obj, \
            pytest.raises(LoaderError, match="incompatible"):
        obj.load()


def test_btf_for_an_old_kernel_is_sanitized_and_reported(compile_bpf: Compile) -> None:
    old = KernelFeatures(btf_float=False, btf_decl_tag=False, btf_type_tag=False,
                         btf_enum64=False, btf_global_func=False)
    with open_object(str(compile_bpf("kinds", NEW_KINDS))) as obj:
        obj.load(old)
        assert obj.btf_status.startswith("sanitized: ")
        for what in ("float->struct", "decl_tag->int", "type_tag->const", "enum64->union",
                     "global func->static"):
            assert what in obj.btf_status
        assert obj.test_run("uses_all", bytes(64)).retval == 0


def test_btf_the_kernel_refuses_is_dropped_and_reported(compile_bpf: Compile,
                                                       tmp_path: Path) -> None:
    path = compile_bpf("rodata", RODATA)
    raw = bytearray(path.read_bytes())
    btf_at = raw.find(struct.pack("<HBB", 0xEB9F, 1, 0))
    raw[btf_at + 3] = 0x80  # an unknown header flag: BPF_BTF_LOAD says EINVAL
    with open_object(str(path), raw=bytes(raw)) as obj:
        obj.load()
        assert obj.btf_status.startswith("dropped: ")
        assert obj.test_run("check", bytes(64)).retval == 10


VALUES = r"""
SEC("socket") int tail_a(void *ctx) { return 11; }
SEC("socket") int tail_b(void *ctx) { return 22; }
struct { __uint(type, BPF_MAP_TYPE_PROG_ARRAY); __uint(max_entries, 4); __type(key, __u32);
         __array(values, int (void *)); } jump SEC(".maps") = {
    .values = { [0] = (void *)&tail_a, [2] = (void *)&tail_b } };
struct inner { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32);
               __type(value, __u32); };
struct inner in0 SEC(".maps"), in1 SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS); __uint(max_entries, 2); __type(key, __u32);
         __array(values, struct inner); } outer SEC(".maps") = { .values = { [1] = &in1 } };
SEC("socket") int entry(void *ctx) {
    __u32 k = 1;
    if (!bpf_map_lookup_elem(&outer, &k)) return 1;   /* slot 1 filled with in1 */
    k = 0;
    if (bpf_map_lookup_elem(&outer, &k)) return 2;    /* slot 0 left empty */
    bpf_tail_call(ctx, &jump, 1);                      /* hole: falls through */
    bpf_tail_call(ctx, &jump, 2);                      /* tail_b */
    return 3;
}
"""

LEGACY = r"""
struct bpf_map_def { unsigned int type, key_size, value_size, max_entries, map_flags; };
struct bpf_map_def SEC("maps") lm = { BPF_MAP_TYPE_ARRAY, 4, 8, 3, 0 };
SEC("socket") int entry(void *ctx) {
    __u32 k = 2; __u64 *v = bpf_map_lookup_elem(&lm, &k);
    if (!v) return 1;
    *v += 5;
    return *v == 5 ? 0 : 2;
}
"""


def test_values_fill_prog_array_and_map_in_map_slots_leaving_holes(
        compile_bpf: Compile) -> None:
    with open_object(str(compile_bpf("values", VALUES))) as obj:
        assert obj.map("jump").init_slots == [(0, "tail_a"), (2, "tail_b")]
        assert obj.map("outer").inner is not None
        obj.load()
        assert obj.test_run("entry", bytes(64)).retval == 22


def test_a_legacy_maps_section_defines_maps(compile_bpf: Compile) -> None:
    with open_object(str(compile_bpf("legacy", LEGACY))) as obj:
        m = obj.map("lm")
        assert (m.origin, m.map_type, m.key_size, m.value_size, m.max_entries) == (
            "legacy", 2, 4, 8, 3)
        obj.load()
        assert obj.test_run("entry", bytes(64)).retval == 0


BAD_PROG = r"""
SEC("socket") int reads_uninit(void *ctx) { return *(volatile int *)((char *)ctx + 4000); }
"""


def test_a_refused_program_raises_kernel_error_with_errno_and_verifier_log(
        compile_bpf: Compile) -> None:
    from refloader.errors import KernelError
    with open_object(str(compile_bpf("bad", BAD_PROG))) as obj:
        with pytest.raises(KernelError) as exc:
            obj.load()
        e = exc.value
        assert e.errno == 13  # EACCES
        assert e.verifier_log is not None and "invalid bpf_context access" in e.verifier_log
        assert (e.section, e.symbol) == ("socket", "reads_uninit")


ALL_OLD = KernelFeatures(btf_func=False, btf_global_func=False, btf_datasec=False,
                         btf_float=False, btf_decl_tag=False, btf_type_tag=False,
                         btf_enum64=False, btf_qmark_datasec=False)


def test_btf_sanitised_for_a_kernel_without_func_and_datasec_still_loads(
        compile_bpf: Compile) -> None:
    with open_object(str(compile_bpf("kinds", NEW_KINDS))) as obj:
        obj.load(ALL_OLD)
        for what in ("datasec->struct", "var->int", "func->typedef", "func_proto->enum"):
            assert what in obj.btf_status
        assert obj.test_run("uses_all", bytes(64)).retval == 0


BLOOM = r"""
struct { __uint(type, 30 /* BPF_MAP_TYPE_BLOOM_FILTER */); __uint(max_entries, 16);
         __type(value, __u32); __ulong(map_extra, 3); } bloom SEC(".maps");
SEC("socket") int entry(void *ctx) { return 0; }
"""


def test_map_extra_given_with_ulong_reaches_the_kernel(compile_bpf: Compile) -> None:
    with open_object(str(compile_bpf("bloom", BLOOM))) as obj:
        assert obj.map("bloom").map_extra == 3
        obj.load()
        assert sc.map_info(obj.map_fds[0]).map_extra == 3


def test_unparsable_btf_is_dropped_and_reported_when_the_object_can_do_without(
        compile_bpf: Compile) -> None:
    path = compile_bpf("rodata", RODATA)
    raw = bytearray(path.read_bytes())
    btf_at = raw.find(struct.pack("<HBB", 0xEB9F, 1, 0))
    raw[btf_at + 2] = 9  # BTF version 9: not parsable
    with open_object(str(path), raw=bytes(raw)) as obj:
        assert obj.btf is None and obj.btf_status.startswith("dropped: .BTF unusable")
        obj.load()
        assert obj.test_run("check", bytes(64)).retval == 10


def test_a_kernel_without_memcg_accounting_gets_the_memlock_limit_raised(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import resource

    from refloader import loader

    calls: list[tuple[int, tuple[int, int]]] = []
    monkeypatch.setattr(resource, "setrlimit", lambda what, lim: calls.append((what, lim)))
    loader.bump_rlimit_memlock()
    assert calls == [(resource.RLIMIT_MEMLOCK, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))]
