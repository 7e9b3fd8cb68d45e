from __future__ import annotations

import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from harness import cli
from harness.adapters.client import AdapterClient, AdapterError
from harness.adapters.manifest import AdapterUnavailable, find_manifest
from harness.adapters.protocol import Hello, RunReply, RunRequest
from harness.checks import sensitivity
from harness.checks.sensitivity import CatalogueRules, Kind
from harness.probes.probes import ProbeResult
from harness.run.runner import REPO_ROOT, AdapterRun, Context, PinRoots
from harness.run.session import Session, paths_for
from harness.suite.discovery import Expectations, Item

ABSENT = "no /sys/bus/event_source/devices/kprobe"
UNKNOWN = "unknown behaviour id(s) to skip: {} (known: 40 ids in refloader.mutations)"


@dataclass
class Scripted:
    """Replies by whether the request asks to skip something."""

    plain: RunReply
    mutated: RunReply
    control: RunReply
    requests: list[RunRequest] = field(default_factory=list)

    def hello(self) -> Hello:
        return Hello("ref", "0", "reflib", "1", ("pin_root", "data_in", "skip", "attach"))

    def run(self, request: RunRequest) -> RunReply:
        self.requests.append(request)
        if ".control." in request.elf:
            return replace(self.control, id=request.id)
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
    src.write_text("/* x */\nint a;\nASSERT_EQ(a, 1);\nreturn 4;\n")
    negative = expect != "pass"
    exp = Expectations(behaviour=behaviour, expect=expect, level="required", requires=requires,
                       control="define" if negative else None)
    return Item(tmp_path / "x.bpf.o", src, "d/x.bpf.c", "p", expectations=exp,
                control_obj=tmp_path / "x.control.bpf.o" if negative else None)


def _check(tmp_path: Path, item: Item, plain: RunReply, mutated: RunReply,
           enforced: dict[str, str] | None = None, refusal: dict[str, str] | None = None,
           control: RunReply | None = None,
           pins: dict[str, tuple[tuple[str, str], ...]] | None = None) -> sensitivity.Check:
    ex = Scripted(plain, mutated, control or _done(0))
    ctx = Context("host-test", "clang-test", {"x": ProbeResult("x", True, ""),
                                              "kprobes": ProbeResult("kprobes", False, ABSENT)},
                  PinRoots(tmp_path / "pins"), mutate=True)
    # an explained refusal is pinned (the catalogue requires it); default: an EACCES at load
    rules = CatalogueRules(enforced or {}, {
        k: sensitivity.Refusal(why, pins[k] if pins is not None else (("load", "EACCES"),))
        for k, why in (refusal or {}).items()})
    return sensitivity.check(item, AdapterRun("ref", ex, replace(ctx, mutate=False)),
                             AdapterRun("ref", ex, ctx), rules)


def test_a_pass_program_failing_at_its_own_assertion_is_assert_sensitive(tmp_path: Path) -> None:
    c = _check(tmp_path, _item(tmp_path), _done(0), _done(3))
    assert c.kind is Kind.ASSERT and c.sensitive
    assert c.to_json()["kind"] == "assert"


def test_a_returned_number_that_is_no_assertion_line_is_not_sensitive(tmp_path: Path) -> None:
    c = _check(tmp_path, _item(tmp_path), _done(0), _done(4))  # line 4 is `return 4;`
    assert c.kind is Kind.NOT_SENSITIVE
    assert not sensitivity.proven([c])


def test_a_pass_program_passing_under_its_mutation_is_not_sensitive(tmp_path: Path) -> None:
    c = _check(tmp_path, _item(tmp_path), _done(0), _done(0))
    assert c.kind is Kind.NOT_SENSITIVE
    assert c.line() == "not_sensitive d/x.bpf.c::p: passes with skip=[data.data]"


def test_a_refusal_counts_only_where_the_catalogue_explains_it(tmp_path: Path) -> None:
    c = _check(tmp_path, _item(tmp_path), _done(0), _refused("load", "EACCES"))
    assert c.kind is Kind.REFUSED and not c.sensitive
    assert not sensitivity.proven([c])
    c = _check(tmp_path, _item(tmp_path), _done(0), _refused("load", "EACCES"),
               refusal={"data.data": "only the verifier can see it"})
    assert c.kind is Kind.REFUSED and c.sensitive
    assert c.refusal_ok == "only the verifier can see it"
    assert sensitivity.proven([c])


def test_an_explained_refusal_counts_only_for_the_catalogues_reason(tmp_path: Path) -> None:
    why = {"data.data": "only the verifier can see it"}
    pins = {"data.data": (("load", "write into map forbidden"), ("run", "EINVAL"))}
    forbidden = replace(_refused("load", "BPF_PROG_LOAD: EACCES"),
                        verifier_log="6: (63) *(u32 *)(r1 +0) = r2\nwrite into map forbidden")
    c = _check(tmp_path, _item(tmp_path), _done(0), forbidden, refusal=why, pins=pins)
    assert c.kind is Kind.REFUSED and c.sensitive  # the verifier log names the reason
    c = _check(tmp_path, _item(tmp_path), _done(0), _refused("run", "TEST_RUN: EINVAL"),
               refusal=why, pins=pins)
    assert c.sensitive  # any of the pins
    for other in (_refused("load", "BPF_PROG_LOAD: EACCES"),  # another verifier refusal
                  _refused("open", "write into map forbidden")):  # the text, another phase
        c = _check(tmp_path, _item(tmp_path), _done(0), other, refusal=why, pins=pins)
        assert c.kind is Kind.REFUSED and not c.sensitive and not c.ok
        assert "not the refusal the catalogue explains" in c.reason
        assert "load: 'write into map forbidden' or run: 'EINVAL'" in c.reason


def test_a_refusal_of_another_program_of_the_object_proves_nothing(tmp_path: Path) -> None:
    other = replace(_refused("load", "EACCES"), failed_program="sibling")
    c = _check(tmp_path, _item(tmp_path), _done(0), other,
               refusal={"data.data": "explained, but for the sibling"})
    assert c.kind is Kind.REFUSED_OTHER and not c.sensitive
    assert "another program (sibling)" in c.reason
    mine = replace(_refused("load", "EACCES"), failed_program="p")
    c = _check(tmp_path, _item(tmp_path), _done(0), mine, refusal={"data.data": "why"})
    assert c.kind is Kind.REFUSED and c.sensitive


def test_an_unknown_skip_id_is_an_error_never_sensitive(tmp_path: Path) -> None:
    refused = _refused("open", UNKNOWN.format("data.data"))
    c = _check(tmp_path, _item(tmp_path), _done(0), refused)
    assert c.kind is Kind.ERROR
    assert c.reason.startswith("adapter refused skip=[data.data]: unknown behaviour id")
    neg = _check(tmp_path, _item(tmp_path, "load_error"),
                 _refused("load", "EACCES"), refused, {"data.data": "kernel refuses"})
    assert neg.kind is Kind.ERROR  # not kernel-enforced, not insensitive either
    assert not sensitivity.proven([c])


def test_a_negative_program_that_loads_under_its_mutation_is_sensitive(tmp_path: Path) -> None:
    c = _check(tmp_path, _item(tmp_path, "load_error"), _refused("load", "EACCES"), _done(0))
    assert c.kind is Kind.LOADS and c.sensitive
    c = _check(tmp_path, _item(tmp_path, "open_error"), _refused("open", "bad"),
               _refused("run", "no program p"))
    assert c.kind is Kind.LOADS  # loaded; only the run failed


def test_a_negative_program_still_refused_is_not_sensitive_unless_kernel_enforced(
    tmp_path: Path,
) -> None:
    item = _item(tmp_path, "load_error")
    refused = _refused("load", "EINVAL")
    c = _check(tmp_path, item, refused, refused)
    assert c.kind is Kind.NOT_SENSITIVE
    assert "still refused at load with skip=[data.data]" in c.reason
    c = _check(tmp_path, item, refused, refused, {"data.data": "the verifier refuses it"})
    assert c.kind is Kind.KERNEL_ENFORCED
    assert c.reason.endswith("catalogue: the verifier refuses it")
    assert sensitivity.proven([c])


def test_a_negative_program_whose_control_fails_is_unchecked(tmp_path: Path) -> None:
    c = _check(tmp_path, _item(tmp_path, "load_error"), _refused("load", "EINVAL"), _done(0),
               control=_refused("load", "control refused too"))
    assert c.kind is Kind.UNCHECKED
    assert "cannot judge the refusal" in c.reason


def test_a_program_that_does_not_pass_unmutated_is_unchecked(tmp_path: Path) -> None:
    c = _check(tmp_path, _item(tmp_path), _done(9), _done(9))
    assert c.kind is Kind.UNCHECKED
    assert not sensitivity.proven([c])
    c = _check(tmp_path, _item(tmp_path, "load_error"), _done(0), _done(0))
    assert c.kind is Kind.UNCHECKED  # a negative program that is not refused unmutated
    assert not sensitivity.proven([c])


def test_a_program_a_recorded_probe_skips_is_not_checkable_and_does_not_fail(
    tmp_path: Path,
) -> None:
    for expect in ("pass", "load_error"):
        c = _check(tmp_path, _item(tmp_path, expect, requires=("kprobes",)), _done(0), _done(3))
        assert c.kind is Kind.NOT_CHECKABLE
        assert c.line() == (f"not_checkable d/x.bpf.c::p: not checkable on this kernel: "
                            f"requires kprobes: {ABSENT}")
        assert sensitivity.proven([c])


def test_a_skip_without_a_recorded_probe_is_unchecked_and_fails(tmp_path: Path) -> None:
    c = _check(tmp_path, _item(tmp_path, requires=("never_probed",)), _done(0), _done(3))
    assert c.kind is Kind.UNCHECKED
    assert "probe not run" in c.reason
    assert not sensitivity.proven([c])


def test_the_summary_counts_every_kind(tmp_path: Path) -> None:
    checks = [
        _check(tmp_path, _item(tmp_path), _done(0), _done(3)),
        _check(tmp_path, _item(tmp_path), _done(0), _done(0)),
        _check(tmp_path, _item(tmp_path), _done(0), _refused("load", "EACCES"),
               refusal={"data.data": "why"}),
        _check(tmp_path, _item(tmp_path, "load_error"), _refused("load", "x"),
               _refused("load", "x"), {"data.data": "k"}),
        _check(tmp_path, _item(tmp_path, requires=("kprobes",)), _done(0), _done(3)),
    ]
    assert sensitivity.summary(checks) == [
        "2/4 required expect=pass programs sensitive (1 assert, 1 refused, 1 not_sensitive, "
        "1 not_checkable; 1 of the refusals explained by the catalogue)",
        "0/1 required expect=load_error/open_error programs sensitive (1 kernel_enforced)",
        "1 required programs not checkable on this kernel (feature probe)",
    ]


def test_catalogue_rules_read_kernel_enforced_and_refusal_reasons(tmp_path: Path) -> None:
    cat = tmp_path / "catalogue.toml"
    cat.write_text('["a.b"]\nfamily = "a"\nsensitivity = "refusal"\n'
                   'sensitivity_reason = "only the verifier sees it"\n'
                   'sensitivity_refusal = ["load: write into map forbidden"]\n\n'
                   '["a.c"]\nfamily = "a"\nkernel_enforced = "the verifier refuses it"\n')
    rules = sensitivity.catalogue_rules(cat)
    assert rules.kernel_enforced == {"a.c": "the verifier refuses it"}
    assert rules.refusal == {"a.b": sensitivity.Refusal(
        "only the verifier sees it", (("load", "write into map forbidden"),))}
    for pins in ("", 'sensitivity_refusal = []\n', 'sensitivity_refusal = ["verify: x"]\n',
                 'sensitivity_refusal = ["load: "]\n', 'sensitivity_refusal = "load: x"\n'):
        cat.write_text('["a.b"]\nfamily = "a"\nsensitivity = "refusal"\n'
                       f'sensitivity_reason = "only the verifier sees it"\n{pins}')
        with pytest.raises(sensitivity.DiscoveryError, match="sensitivity_refusal"):
            sensitivity.catalogue_rules(cat)  # a refusal is pinned, or the catalogue is broken
    cat.write_text('["a.b"]\nfamily = "a"\nsensitivity = "refusal"\n')
    with pytest.raises(sensitivity.DiscoveryError, match="sensitivity_reason"):
        sensitivity.catalogue_rules(cat)


@pytest.fixture
def reference() -> None:
    try:
        with AdapterClient(find_manifest(REPO_ROOT, "python"), REPO_ROOT) as client:
            supports = client.hello().supports
    except (AdapterUnavailable, AdapterError) as exc:
        pytest.fail(f"reference loader unavailable (run .ci/install): {exc}")
    assert "skip" in supports, "the reference loader must list 'skip' (mutation testing)"


NEGATIVE_RO = """/* sensitivity negative test: write to .rodata */
#include "conformance.h"
const volatile __u32 ro = 1;
volatile __u32 rw = 1;
TEST(writes_rodata, "data.rodata.readonly", "load_error", "required");
CONFORM(writes_rodata, "control", "define");
#ifdef CONFORM_CONTROL
SEC("socket") int writes_rodata(void *ctx) { rw = 2; ASSERT_EQ(ro, 1); return 0; }
#else
SEC("socket") int writes_rodata(void *ctx) { *(volatile __u32 *)&ro = 2; return 0; }
#endif
"""
NEGATIVE_MAP = """/* sensitivity negative test: a map the kernel cannot create */
#include "conformance.h"
TEST(bad_type, "maps.create_error", "load_error", "required");
CONFORM(bad_type, "control", "define");
#ifdef CONFORM_CONTROL
#define BOGUS_TYPE BPF_MAP_TYPE_ARRAY
#else
#define BOGUS_TYPE 0x7fff
#endif
struct { __uint(type, BOGUS_TYPE); __uint(max_entries, 1); __type(key, __u32);
         __type(value, __u32); } bogus SEC(".maps");
SEC("socket") int bad_type(void *ctx)
{
#ifdef CONFORM_CONTROL  /* the control's map is created: the program can use it */
    __u32 k = 0;
    ASSERT_NOT_NULL(bpf_map_lookup_elem(&bogus, &k));
#endif
    return 0;
}
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
    prepared = Session.open(paths_for(bpf_src), known=False).suite
    item = next(i for i in prepared.items if i.program == "writes_rodata")
    assert item.expectations is not None
    unknown = replace(item, expectations=replace(item.expectations, behaviour="no.such.id"))
    with AdapterClient(find_manifest(REPO_ROOT, "python"), REPO_ROOT) as client:
        ctx = Context("host", prepared.compiler.id, {}, PinRoots(), mutate=True)
        c = sensitivity.check(unknown, AdapterRun("python", client, replace(ctx, mutate=False)),
                              AdapterRun("python", client, ctx),
                              CatalogueRules({"no.such.id": "k"}, {}))
    assert c.kind is Kind.ERROR, c.line()
    assert "adapter refused skip=[no.such.id]" in c.reason


def test_a_refusal_of_a_program_the_item_attaches_is_its_own(tmp_path: Path) -> None:
    """A sleepable lsm.s program without its flag is refused when the item loads it to
    attach it: that program is part of the item, not a sibling."""
    item = _item(tmp_path)
    assert item.expectations is not None
    item = replace(item, expectations=replace(item.expectations, attach=("hook",),
                                              trigger="kick"))
    for program in ("hook", "kick"):
        reply = replace(_refused("load", "EACCES"), failed_program=program)
        c = _check(tmp_path, item, _done(0), reply, refusal={"data.data": "why"})
        assert c.kind is Kind.REFUSED and c.sensitive, program
    sibling = replace(_refused("load", "EACCES"), failed_program="sibling")
    c = _check(tmp_path, item, _done(0), sibling, refusal={"data.data": "why"})
    assert c.kind is Kind.REFUSED_OTHER
