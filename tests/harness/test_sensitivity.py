from __future__ import annotations

import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from harness import cli, sensitivity
from harness.client import AdapterClient, AdapterError
from harness.discovery import Expectations, Item
from harness.manifest import AdapterUnavailable, find_manifest
from harness.probes import ProbeResult
from harness.protocol import Hello, RunReply, RunRequest
from harness.runner import REPO_ROOT, AdapterRun, Context, PinRoots
from harness.sensitivity import Finding

ABSENT = "no /sys/bus/event_source/devices/kprobe"
UNKNOWN = "unknown behaviour id(s) to skip: {} (known: 40 ids in refloader.mutations)"


@dataclass
class Scripted:
    """Replies by whether the request asks to skip something."""

    plain: RunReply
    mutated: RunReply
    requests: list[RunRequest] = field(default_factory=list)

    def hello(self) -> Hello:
        return Hello("ref", "0", "reflib", "1", ("pin_root", "data_in", "skip"))

    def run(self, request: RunRequest) -> RunReply:
        self.requests.append(request)
        return replace(self.mutated if request.skip else self.plain, id=request.id)

    def close(self) -> None:
        pass


def _done(retval: int) -> RunReply:
    return RunReply(id=None, phase="done", retval=retval)


def _refused(phase: str, error: str) -> RunReply:
    return RunReply(id=None, phase=phase, error=error)  # type: ignore[arg-type]


def _item(tmp_path: Path, expect: str = "pass", behaviour: str = "data.data",
          requires: tuple[str, ...] = ()) -> Item:
    src = tmp_path / "x.bpf.c"
    src.write_text("/* x */\nint a;\nASSERT_EQ(a, 1);\n")
    exp = Expectations(behaviour=behaviour, expect=expect, level="required", requires=requires)
    return Item(tmp_path / "x.bpf.o", src, "d/x.bpf.c", "p", expectations=exp)


def _check(tmp_path: Path, item: Item, plain: RunReply, mutated: RunReply,
           enforced: dict[str, str] | None = None) -> sensitivity.Check:
    ex = Scripted(plain, mutated)
    ctx = Context("host-test", "clang-test", {"x": ProbeResult("x", True, ""),
                                              "kprobes": ProbeResult("kprobes", False, ABSENT)},
                  PinRoots(tmp_path / "pins"), mutate=True)
    return sensitivity.check(item, AdapterRun("ref", ex, replace(ctx, mutate=False)),
                             AdapterRun("ref", ex, ctx), enforced or {})


def test_a_pass_program_failing_under_its_mutation_is_sensitive(tmp_path: Path) -> None:
    c = _check(tmp_path, _item(tmp_path), _done(0), _done(3))
    assert c.finding is Finding.SENSITIVE


def test_a_pass_program_passing_under_its_mutation_is_insensitive(tmp_path: Path) -> None:
    c = _check(tmp_path, _item(tmp_path), _done(0), _done(0))
    assert c.finding is Finding.INSENSITIVE
    assert c.line() == "INSENSITIVE d/x.bpf.c::p: passes with skip=[data.data]"


def test_an_unknown_skip_id_is_an_error_never_sensitive(tmp_path: Path) -> None:
    refused = _refused("open", UNKNOWN.format("data.data"))
    c = _check(tmp_path, _item(tmp_path), _done(0), refused)
    assert c.finding is Finding.ERROR
    assert c.reason.startswith("adapter refused skip=[data.data]: unknown behaviour id")
    neg = _check(tmp_path, _item(tmp_path, "load_error"),
                 _refused("load", "EACCES"), refused, {"data.data": "kernel refuses"})
    assert neg.finding is Finding.ERROR  # not kernel-enforced, not insensitive either
    assert not sensitivity.proven([c])


def test_a_negative_program_that_loads_under_its_mutation_is_sensitive(tmp_path: Path) -> None:
    c = _check(tmp_path, _item(tmp_path, "load_error"), _refused("load", "EACCES"), _done(0))
    assert c.finding is Finding.SENSITIVE
    c = _check(tmp_path, _item(tmp_path, "open_error"), _refused("open", "bad"),
               _refused("run", "no program p"))
    assert c.finding is Finding.SENSITIVE  # loaded; only the run failed


def test_a_negative_program_still_refused_is_insensitive_unless_kernel_enforced(
    tmp_path: Path,
) -> None:
    item = _item(tmp_path, "load_error")
    refused = _refused("load", "EINVAL")
    c = _check(tmp_path, item, refused, refused)
    assert c.finding is Finding.INSENSITIVE
    assert "still refused at load with skip=[data.data]" in c.reason
    c = _check(tmp_path, item, refused, refused, {"data.data": "the verifier refuses it"})
    assert c.finding is Finding.KERNEL_ENFORCED
    assert c.reason.endswith("catalogue: the verifier refuses it")
    assert sensitivity.proven([c])


def test_a_program_that_does_not_pass_unmutated_is_unchecked(tmp_path: Path) -> None:
    c = _check(tmp_path, _item(tmp_path), _done(9), _done(9))
    assert c.finding is Finding.UNCHECKED
    assert not sensitivity.proven([c])
    c = _check(tmp_path, _item(tmp_path, "load_error"), _done(0), _done(0))
    assert c.finding is Finding.UNCHECKED  # a negative program that is not refused unmutated
    assert not sensitivity.proven([c])


def test_a_program_a_recorded_probe_skips_is_not_checkable_and_does_not_fail(
    tmp_path: Path,
) -> None:
    for expect in ("pass", "load_error"):
        c = _check(tmp_path, _item(tmp_path, expect, requires=("kprobes",)), _done(0), _done(3))
        assert c.finding is Finding.NOT_CHECKABLE
        assert c.line() == (f"NOT-CHECKABLE d/x.bpf.c::p: not checkable on this kernel: "
                            f"requires kprobes: {ABSENT}")
        assert sensitivity.proven([c])


def test_a_skip_without_a_recorded_probe_is_unchecked_and_fails(tmp_path: Path) -> None:
    c = _check(tmp_path, _item(tmp_path, requires=("never_probed",)), _done(0), _done(3))
    assert c.finding is Finding.UNCHECKED
    assert "probe not run" in c.reason
    assert not sensitivity.proven([c])


def test_the_summary_counts_both_kinds_and_names_the_rest(tmp_path: Path) -> None:
    checks = [
        _check(tmp_path, _item(tmp_path), _done(0), _done(3)),
        _check(tmp_path, _item(tmp_path), _done(0), _done(0)),
        _check(tmp_path, _item(tmp_path, "load_error"), _refused("load", "x"),
               _refused("load", "x"), {"data.data": "k"}),
        _check(tmp_path, _item(tmp_path, requires=("kprobes",)), _done(0), _done(3)),
    ]
    assert sensitivity.summary(checks) == [
        "1/3 required expect=pass programs sensitive (1 insensitive, 1 not-checkable)",
        "0/1 required expect=load_error/open_error programs sensitive (1 kernel-enforced)",
        "1 required programs not checkable on this kernel (feature probe)",
    ]


def test_kernel_enforced_entries_come_from_the_catalogue(tmp_path: Path) -> None:
    cat = tmp_path / "catalogue.toml"
    cat.write_text('["a.b"]\nfamily = "a"\n\n["a.c"]\nfamily = "a"\n'
                   'kernel_enforced = "the verifier refuses it"\n')
    assert sensitivity.kernel_enforced(cat) == {"a.c": "the verifier refuses it"}


@pytest.fixture
def reference() -> None:
    try:
        with AdapterClient(find_manifest(REPO_ROOT, "python"), REPO_ROOT) as client:
            supports = client.hello().supports
    except (AdapterUnavailable, AdapterError) as exc:
        pytest.skip(f"reference loader unavailable: {exc}")
    if "skip" not in supports:
        pytest.skip("the reference loader does not list 'skip'")


NEGATIVE_RO = """/* sensitivity negative test: write to .rodata */
#include "conformance.h"
const volatile __u32 ro = 1;
TEST(writes_rodata, "data.rodata.readonly", "load_error", "required");
SEC("socket") int writes_rodata(void *ctx) { *(volatile __u32 *)&ro = 2; return 0; }
"""
NEGATIVE_MAP = """/* sensitivity negative test: a map the kernel cannot create */
#include "conformance.h"
TEST(bad_type, "maps.create_error", "load_error", "required");
struct { __uint(type, 0x7fff); __uint(max_entries, 1); __type(key, __u32);
         __type(value, __u32); } bogus SEC(".maps");
SEC("socket") int bad_type(void *ctx) { return 0; }
"""


def test_the_reference_loader_proves_real_negative_programs_and_refuses_unknown_ids(
    reference: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bpf_src = tmp_path / "bpf-src"
    shutil.copytree(REPO_ROOT / "bpf-src" / "include", bpf_src / "include")
    (bpf_src / "d").mkdir()
    (bpf_src / "d" / "ro.bpf.c").write_text(NEGATIVE_RO)
    (bpf_src / "d" / "map.bpf.c").write_text(NEGATIVE_MAP)
    rc = cli.main(["sensitivity", "--adapter", "python", "--bpf-src", str(bpf_src)])
    out = capsys.readouterr().out
    assert "0/0 required expect=pass programs sensitive" in out
    assert "2/2 required expect=load_error/open_error programs sensitive" in out, out
    assert rc == 0
    prepared = cli._prepare(cli.parser().parse_args(["list", "--bpf-src", str(bpf_src)]))
    item = next(i for i in prepared.items if i.program == "writes_rodata")
    assert item.expectations is not None
    unknown = replace(item, expectations=replace(item.expectations, behaviour="no.such.id"))
    with AdapterClient(find_manifest(REPO_ROOT, "python"), REPO_ROOT) as client:
        ctx = Context("host", prepared.compiler.id, {}, PinRoots(), mutate=True)
        c = sensitivity.check(unknown, AdapterRun("python", client, replace(ctx, mutate=False)),
                              AdapterRun("python", client, ctx), {"no.such.id": "k"})
    assert c.finding is Finding.ERROR, c.line()
    assert "adapter refused skip=[no.such.id]" in c.reason
