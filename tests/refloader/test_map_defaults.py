"""Sizes the loader decides at map creation (PERF_EVENT_ARRAY without max_entries), the
ARENA's image (.addr_space.1) and the SEC() flags that reach BPF_PROG_LOAD
(BPF_F_SLEEPABLE, BPF_F_XDP_HAS_FRAGS), each with the mutation that skips it."""

from __future__ import annotations

import pytest
from refloader import syscall as sc
from refloader.errors import ParseError
from refloader.loader import (
    BPF_F_SLEEPABLE,
    BPF_F_XDP_HAS_FRAGS,
    POSSIBLE_CPUS,
    open_object,
    parse_cpu_list,
    perf_event_array_size,
)
from refloader.mutations import Plan, plan_for
from refloader.reloc import RelocKind
from refloader_helpers import Compile


@pytest.mark.parametrize(("text", "cpus"), [
    ("0\n", [0]), ("0-3\n", [0, 1, 2, 3]), ("0,2-3,7", [0, 2, 3, 7]),
], ids=["one cpu", "a range", "ranges and singles with holes"])
def test_a_cpu_list_is_read_as_the_kernel_writes_it(text: str, cpus: list[int]) -> None:
    assert parse_cpu_list(text) == cpus


@pytest.mark.parametrize("text", ["", "0-", "3-1", "a"])
def test_a_malformed_cpu_list_is_a_parse_error(text: str) -> None:
    with pytest.raises(ParseError, match="bad cpu list"):
        parse_cpu_list(text)


def test_a_perf_event_array_gets_the_count_of_possible_cpus_not_the_last_index() -> None:
    assert perf_event_array_size("0-3\n", Plan()) == 4
    assert perf_event_array_size("0,2-3", Plan()) == 3  # counted, as libbpf_num_possible_cpus
    mutated = plan_for(["maps.perf_event_array.size"], env=False)
    assert perf_event_array_size("0-3\n", mutated) == 3


PERF_ARRAY = r"""
struct {
	__uint(type, 4); /* BPF_MAP_TYPE_PERF_EVENT_ARRAY */
	__uint(key_size, 4);
	__uint(value_size, 4);
} events SEC(".maps");
SEC("socket") int unused(void *ctx) { return 0; }  /* maps are created used or not */
"""


def test_a_perf_event_array_without_max_entries_is_created_per_possible_cpu(
    compile_bpf: Compile,
) -> None:
    with open(POSSIBLE_CPUS) as f:
        want = len(parse_cpu_list(f.read()))
    with open_object(str(compile_bpf("perf", PERF_ARRAY))) as obj:
        assert obj.map("events").max_entries == 0  # the spec keeps what the object says
        obj.load()
        assert sc.map_info(obj.map_fds[0]).max_entries == want


FLAGS = r"""
SEC("syscall") int sleeper(void *ctx) { return 0; }
SEC("xdp.frags") int frags(void *ctx) { return 2; }
SEC("xdp") int plain(void *ctx) { return 2; }
"""


class _Recorded(Exception):
    """Raised by the recording BPF_PROG_LOAD: the flags were seen, nothing was loaded."""


@pytest.mark.parametrize(("skip", "want"), [
    ((), {"sleeper": BPF_F_SLEEPABLE, "frags": BPF_F_XDP_HAS_FRAGS, "plain": 0}),
    (("progtype.sleepable",), {"sleeper": 0, "frags": BPF_F_XDP_HAS_FRAGS, "plain": 0}),
    (("progtype.xdp.frags",), {"sleeper": BPF_F_SLEEPABLE, "frags": 0, "plain": 0}),
], ids=["as libbpf", "sleepable skipped", "xdp.frags skipped"])
def test_sec_flags_reach_prog_load_unless_skipped(
    compile_bpf: Compile, monkeypatch: pytest.MonkeyPatch, skip: tuple[str, ...],
    want: dict[str, int],
) -> None:
    seen: dict[str, int] = {}
    real_prog_load = sc.prog_load

    def recording_prog_load(args: sc.ProgLoad) -> int:
        if args.name not in want:  # the loader's own feature probes
            return real_prog_load(args)
        seen[args.name] = args.prog_flags
        raise _Recorded(args.name)
    monkeypatch.setattr(sc, "prog_load", recording_prog_load)
    path = str(compile_bpf("flags", FLAGS))
    for name in want:
        with open_object(path, plan=plan_for(skip, env=False)) as obj:
            obj.autoload_only(name)
            with pytest.raises(_Recorded):
                obj.load()
    assert seen == want


ARENA = r"""
struct {
	__uint(type, 33); __uint(map_flags, 1U << 10); __uint(max_entries, 2);
} arena SEC(".maps");
int first SEC(".addr_space.1") = 0x11;
int second SEC(".addr_space.1") = 0x22;
SEC("socket") int reads(void *ctx) { return *(volatile int *)&second; }
"""


def test_addr_space_1_is_the_arena_maps_image_and_its_globals_relocate_into_it(
    compile_bpf: Compile,
) -> None:
    with open_object(str(compile_bpf("arena", ARENA))) as obj:
        arena = obj.map("arena")
        assert bytes(arena.arena_image or b"") == (0x11).to_bytes(4, "little") + \
            (0x22).to_bytes(4, "little")
        (relo,) = obj.relocations()["reads"]
        assert (relo.kind, relo.sym_off, obj.maps[relo.map_index].name) == (
            RelocKind.RELO_DATA, 4, "arena")


def test_arena_globals_without_an_arena_map_fail_the_open(compile_bpf: Compile) -> None:
    path = str(compile_bpf("no_arena", ARENA.replace("__uint(type, 33)", "__uint(type, 2)")
                           .replace("__uint(map_flags, 1U << 10); ", "")))
    with pytest.raises(ParseError, match="ARENA map should be explicitly declared"):
        open_object(path)
