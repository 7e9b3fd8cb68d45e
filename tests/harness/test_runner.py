from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from require import require

from harness.adapters.client import AdapterError
from harness.adapters.protocol import Hello, RunReply, RunRequest
from harness.probes.probes import ProbeResult
from harness.run.runner import AdapterRun, Context, PinRoots, run_items
from harness.run.verdict import SkipKind, Verdict
from harness.suite.discovery import Expectations, Item
from harness.suite.expectations import KnownFailure

SUPPORTS = ("pin_root", "data_in", "repeat")


@dataclass
class FakeExecutor:
    """In-process executor: replies from a table, records requests, can 'pin'."""

    replies: list[RunReply | AdapterError]
    supports: tuple[str, ...] = SUPPORTS
    hello_error: AdapterError | None = None
    requests: list[RunRequest] = field(default_factory=list)
    pin_roots_seen: list[bool] = field(default_factory=list)
    closed: bool = False

    def hello(self) -> Hello:
        if self.hello_error:
            raise self.hello_error
        return Hello("fake", "0", "fakelib", "1.0", self.supports)

    def run(self, request: RunRequest) -> RunReply:
        self.requests.append(request)
        pin_root = Path(request.pin_root)
        self.pin_roots_seen.append(pin_root.is_dir())
        (pin_root / "sub").mkdir()
        (pin_root / "sub" / "pinned_map").write_text("pretend pin")
        reply = self.replies.pop(0)
        if isinstance(reply, AdapterError):
            raise reply
        return RunReply(id=request.id, phase=reply.phase, retval=reply.retval,
                        error=reply.error, error_kind=reply.error_kind)

    def close(self) -> None:
        self.closed = True


def _item(tmp_path: Path, program: str = "p", expect: str = "pass", **kw: object) -> Item:
    src = tmp_path / "x.bpf.c"
    src.write_text("/* x */\nint a;\nASSERT_EQ(a, 1);\n")
    exp = Expectations(behaviour="data.data", expect=expect, level="required", **kw)  # type: ignore[arg-type]
    return Item(tmp_path / "x.bpf.o", src, "d/x.bpf.c", program, expectations=exp)


def _ctx(tmp_path: Path, **kw: object) -> Context:
    probes = {"bpf_loop": ProbeResult("bpf_loop", False, "kernel too old")}
    return Context("host-test", "clang-test", probes, PinRoots(tmp_path / "pins"), **kw)  # type: ignore[arg-type]


def _done(retval: int) -> RunReply:
    return RunReply(id=None, phase="done", retval=retval)


def test_every_request_gets_a_fresh_pin_root_removed_afterwards(tmp_path: Path) -> None:
    ex = FakeExecutor([_done(0), _done(0)])
    run = AdapterRun("fake", ex, _ctx(tmp_path))
    assert run.run(_item(tmp_path)).verdict is Verdict.PASS
    assert run.run(_item(tmp_path)).verdict is Verdict.PASS
    roots = [r.pin_root for r in ex.requests]
    assert len(set(roots)) == 2
    assert all(Path(r).name.startswith(f"{os.getpid()}-") for r in roots)
    assert ex.pin_roots_seen == [True, True]
    assert not any(Path(r).exists() for r in roots)


def test_the_pin_root_is_removed_even_when_the_adapter_breaks(tmp_path: Path) -> None:
    ex = FakeExecutor([AdapterError("adapter fake: hung", "last words")])
    result = AdapterRun("fake", ex, _ctx(tmp_path)).run(_item(tmp_path))
    assert result.verdict is Verdict.ERROR
    assert result.outcome.reason == "adapter fake: hung"
    assert result.stderr == "last words"
    assert not Path(ex.requests[0].pin_root).exists()


def test_pin_roots_work_on_the_real_bpffs() -> None:
    base = Path("/sys/fs/bpf")
    require(os.path.ismount(base), "bpffs is not mounted at /sys/fs/bpf")
    pins = PinRoots(base / "bpfconform-selftest")
    root = pins.create()
    (root / "nested").mkdir()
    assert pins.remove(root) is None
    pins.remove_base_if_empty()
    assert not pins.base.exists()


def test_a_failed_assertion_is_a_fail_at_its_line(tmp_path: Path) -> None:
    result = AdapterRun("fake", FakeExecutor([_done(3)]), _ctx(tmp_path)).run(_item(tmp_path))
    assert (result.verdict, result.outcome.line) == (Verdict.FAIL, 3)
    assert result.outcome.source_line == "ASSERT_EQ(a, 1);"


def test_a_missing_probe_skips_with_its_recorded_reason(tmp_path: Path) -> None:
    ex = FakeExecutor([])
    result = AdapterRun("fake", ex, _ctx(tmp_path)).run(_item(tmp_path, requires=("bpf_loop",)))
    assert result.verdict is Verdict.SKIP
    assert result.outcome.reason == "requires bpf_loop: kernel too old"
    assert result.outcome.probe == "bpf_loop" and result.outcome.probe_skip
    assert ex.requests == []


def test_a_probe_that_never_ran_is_a_not_run_skip_and_an_error_when_strict(
    tmp_path: Path,
) -> None:
    item = _item(tmp_path, requires=("no_such_probe",))
    result = AdapterRun("fake", FakeExecutor([]), _ctx(tmp_path)).run(item)
    assert result.verdict is Verdict.SKIP
    assert result.outcome.skip_kind is SkipKind.NOT_RUN
    assert result.outcome.reason == "requires no_such_probe: probe not run"
    assert result.outcome.probe is None and not result.outcome.probe_skip
    strict = AdapterRun("fake", FakeExecutor([]), _ctx(tmp_path, strict=True)).run(item)
    assert strict.verdict is Verdict.ERROR


def test_a_probe_that_could_not_decide_makes_its_items_errors(tmp_path: Path) -> None:
    probes = {"bpf_loop": ProbeResult("bpf_loop", False, "bpf() denied: EPERM", error=True)}
    ctx = Context("host-test", "clang-test", probes, PinRoots(tmp_path / "pins"))
    ex = FakeExecutor([])
    result = AdapterRun("fake", ex, ctx).run(_item(tmp_path, requires=("bpf_loop",)))
    assert result.verdict is Verdict.ERROR
    assert "could not decide" in result.outcome.reason
    assert ex.requests == []


def test_a_field_the_adapter_does_not_support_is_an_unsupported_skip(tmp_path: Path) -> None:
    ex = FakeExecutor([])
    item = _item(tmp_path, btf_custom_path="/t.btf.o")
    result = AdapterRun("fake", ex, _ctx(tmp_path)).run(item)
    assert result.verdict is Verdict.SKIP
    assert result.outcome.skip_kind is SkipKind.UNSUPPORTED and not result.outcome.listed
    assert result.outcome.reason == "adapter does not support btf_custom_path"
    assert result.to_json()["skip_kind"] == "unsupported"
    assert not result.outcome.probe_skip
    assert ex.requests == []


def test_an_unlisted_unsupported_skip_is_an_error_when_strict(tmp_path: Path) -> None:
    item = _item(tmp_path, btf_custom_path="/t.btf.o")
    result = AdapterRun("fake", FakeExecutor([]), _ctx(tmp_path, strict=True)).run(item)
    assert result.verdict is Verdict.ERROR
    assert "does not list it" in result.outcome.reason
    known = {"request:btf_custom_path": KnownFailure("request:btf_custom_path", "skip",
                                                     "no such option")}
    listed = AdapterRun("fake", FakeExecutor([]), _ctx(tmp_path, strict=True, known=known))
    result = listed.run(item)
    assert result.verdict is Verdict.SKIP and result.outcome.listed
    assert result.outcome.reason.endswith("[listed: no such option]")


def test_a_control_btf_run_follows_a_pass_and_must_not_pass(tmp_path: Path) -> None:
    item = _item(tmp_path, btf_custom_path="/t.btf.o", btf_control_path="/c.btf.o")
    supports = (*SUPPORTS, "btf_custom_path")
    ex = FakeExecutor([_done(0), _done(0)], supports=supports)
    result = AdapterRun("fake", ex, _ctx(tmp_path)).run(item)
    assert [r.btf_custom_path for r in ex.requests] == ["/t.btf.o", "/c.btf.o"]
    assert result.verdict is Verdict.FAIL
    assert "insensitive" in result.outcome.reason
    ex = FakeExecutor([_done(0), _done(3)], supports=supports)
    assert AdapterRun("fake", ex, _ctx(tmp_path)).run(item).verdict is Verdict.PASS


def test_a_control_only_item_is_an_unsupported_skip_without_btf_custom_path(
    tmp_path: Path,
) -> None:
    item = _item(tmp_path, btf_control_path="/c.btf.o")  # main run: the kernel's own BTF
    ex = FakeExecutor([_done(0)])  # no btf_custom_path in supports (bpftool)
    result = AdapterRun("fake", ex, _ctx(tmp_path)).run(item)
    assert ex.requests == []  # never a PASS whose control run could not happen
    assert result.verdict is Verdict.SKIP and result.outcome.skip_kind is SkipKind.UNSUPPORTED
    ex = FakeExecutor([_done(0), _done(0)], supports=(*SUPPORTS, "btf_custom_path"))
    result = AdapterRun("fake", ex, _ctx(tmp_path)).run(item)
    assert [r.btf_custom_path for r in ex.requests] == [None, "/c.btf.o"]
    assert result.verdict is Verdict.FAIL and "insensitive" in result.outcome.reason


def _negative(tmp_path: Path) -> Item:
    src = tmp_path / "x.bpf.c"
    src.write_text("/* x */\nint a;\nASSERT_EQ(a, 1);\n")
    exp = Expectations(behaviour="data.data", expect="load_error", level="required",
                       control="define")
    return Item(tmp_path / "x.bpf.o", src, "d/x.bpf.c", "p", expectations=exp,
                control_obj=tmp_path / "x.control.bpf.o")


def _refused(phase: str = "load", kind: str = "refused") -> RunReply:
    return RunReply(id=None, phase=phase, error="no", error_kind=kind)  # type: ignore[arg-type]


def test_a_negative_item_passes_only_with_its_refusal_and_its_control(tmp_path: Path) -> None:
    ex = FakeExecutor([_refused(), _done(0)])
    result = AdapterRun("fake", ex, _ctx(tmp_path)).run(_negative(tmp_path))
    assert [Path(r.elf).name for r in ex.requests] == ["x.bpf.o", "x.control.bpf.o"]
    assert result.verdict is Verdict.PASS
    assert result.to_json()["control"] == {"verdict": "PASS", "reason": ""}


def test_a_loader_that_refuses_everything_gets_no_pass_on_a_negative_item(
    tmp_path: Path,
) -> None:
    ex = FakeExecutor([_refused("open"), _refused("open")])
    result = AdapterRun("fake", ex, _ctx(tmp_path)).run(_negative(tmp_path))
    assert result.verdict is Verdict.FAIL
    assert result.outcome.reason.startswith("cannot judge the refusal")
    assert result.to_json()["control"]["verdict"] == "FAIL"  # type: ignore[index]


def test_a_loader_that_crashes_on_everything_gets_errors_not_passes(tmp_path: Path) -> None:
    for item in (_negative(tmp_path), _item(tmp_path)):
        ex = FakeExecutor([_refused("load", "internal"), _refused("load", "internal")])
        result = AdapterRun("fake", ex, _ctx(tmp_path)).run(item)
        assert result.verdict is Verdict.ERROR
        assert "internal error" in result.outcome.reason
        assert result.to_json()["error_kind"] == "internal"


def test_a_negative_item_without_a_control_is_an_error(tmp_path: Path) -> None:
    item = _item(tmp_path, expect="load_error")
    ex = FakeExecutor([_refused()])
    result = AdapterRun("fake", ex, _ctx(tmp_path)).run(item)
    assert result.verdict is Verdict.ERROR and "without a positive control" in result.outcome.reason
    assert ex.requests == []


def test_mutation_runs_no_control(tmp_path: Path) -> None:
    ex = FakeExecutor([_done(0)], supports=(*SUPPORTS, "skip"))
    AdapterRun("fake", ex, _ctx(tmp_path, mutate=True)).run(_negative(tmp_path))
    assert [Path(r.elf).name for r in ex.requests] == ["x.bpf.o"]
    assert ex.requests[0].skip == ("data.data",)


def test_a_known_failure_changed_is_a_fail(tmp_path: Path) -> None:
    known = {"d/x.bpf.c::p": KnownFailure("d/x.bpf.c::p", "xfail", "bug", line=3)}
    ctx = _ctx(tmp_path, known=known)
    other = AdapterRun("fake", FakeExecutor([_refused()]), ctx).run(_item(tmp_path))
    assert other.verdict is Verdict.FAIL
    assert other.outcome.reason.startswith("known failure changed")


def test_known_failures_become_xfail_and_xpass(tmp_path: Path) -> None:
    known = {"d/x.bpf.c::p": KnownFailure("d/x.bpf.c::p", "xfail", "upstream bug", "L",
                                          line=3)}
    ctx = _ctx(tmp_path, known=known)
    assert AdapterRun("fake", FakeExecutor([_done(3)]), ctx).run(
        _item(tmp_path)).verdict is Verdict.XFAIL
    assert AdapterRun("fake", FakeExecutor([_done(0)]), ctx).run(
        _item(tmp_path)).verdict is Verdict.XPASS


def test_a_known_failure_for_other_kernels_is_judged_as_unlisted(tmp_path: Path) -> None:
    known = {"d/x.bpf.c::p": KnownFailure("d/x.bpf.c::p", "xfail", "old kernels", "L",
                                          kernels="<6.1", line=3)}
    old = Context("host-5.10.0-32-amd64", "clang-test", {}, PinRoots(tmp_path / "a"), known)
    new = Context("host-6.12.30-amd64", "clang-test", {}, PinRoots(tmp_path / "b"), known)
    assert AdapterRun("fake", FakeExecutor([_done(3)]), old).run(
        _item(tmp_path)).verdict is Verdict.XFAIL
    assert AdapterRun("fake", FakeExecutor([_done(3)]), new).run(
        _item(tmp_path)).verdict is Verdict.FAIL
    assert AdapterRun("fake", FakeExecutor([_done(0)]), new).run(
        _item(tmp_path)).verdict is Verdict.PASS


def test_mutation_mode_sends_the_behaviour_as_skip(tmp_path: Path) -> None:
    ex = FakeExecutor([_done(3)], supports=(*SUPPORTS, "skip"))
    result = AdapterRun("fake", ex, _ctx(tmp_path, mutate=True)).run(_item(tmp_path))
    assert ex.requests[0].skip == ("data.data",)
    assert result.verdict is Verdict.FAIL


def test_an_item_with_a_discovery_error_is_an_error_without_a_request(tmp_path: Path) -> None:
    ex = FakeExecutor([])
    item = Item(tmp_path / "x.o", tmp_path / "x.c", "x.c", "<object>", error="no .conform")
    result = AdapterRun("fake", ex, _ctx(tmp_path)).run(item)
    assert (result.verdict, result.outcome.reason) == (Verdict.ERROR, "no .conform")
    assert ex.requests == []


def test_an_adapter_that_cannot_start_makes_every_item_an_error(tmp_path: Path) -> None:
    ex = FakeExecutor([], hello_error=AdapterError("adapter fake: exited", "boom"))
    results, hellos = run_items([_item(tmp_path), _item(tmp_path, "q")], ["fake"],
                                lambda name: ex, _ctx(tmp_path))
    assert [r.verdict for r in results] == [Verdict.ERROR, Verdict.ERROR]
    assert isinstance(hellos["fake"], AdapterError)
    assert ex.closed


def test_run_items_runs_every_item_against_every_adapter(tmp_path: Path) -> None:
    executors = {"a": FakeExecutor([_done(0), _done(0)]), "b": FakeExecutor([_done(0), _done(3)])}
    results, hellos = run_items([_item(tmp_path), _item(tmp_path, "q")], ["a", "b"],
                                executors.__getitem__, _ctx(tmp_path))
    assert [(r.adapter, r.item.program, r.verdict) for r in results] == [
        ("a", "p", Verdict.PASS), ("a", "q", Verdict.PASS),
        ("b", "p", Verdict.PASS), ("b", "q", Verdict.FAIL)]
    assert all(e.closed for e in executors.values())
    assert set(hellos) == {"a", "b"}
    assert not (tmp_path / "pins").exists()


def test_ctx_in_is_sent_only_to_adapters_listing_it(tmp_path: Path) -> None:
    item = _item(tmp_path, data_in="", ctx_in="0200", retval=1)
    ex = FakeExecutor([_done(1)], supports=(*SUPPORTS, "no_data", "ctx_in"))
    result = AdapterRun("fake", ex, _ctx(tmp_path)).run(item)
    assert result.verdict is Verdict.PASS
    (req,) = ex.requests
    assert (req.ctx_in, req.data_in, req.repeat) == ("0200", "", 0)
    assert '"ctx_in":"0200"' in req.to_json()

    old = FakeExecutor([], supports=(*SUPPORTS, "no_data"))
    result = AdapterRun("old", old, _ctx(tmp_path)).run(item)
    assert result.verdict is Verdict.SKIP
    assert result.outcome.reason == "adapter does not support ctx_in"
    assert old.requests == []


def test_a_request_without_ctx_in_does_not_carry_the_field(tmp_path: Path) -> None:
    ex = FakeExecutor([_done(0)])
    AdapterRun("fake", ex, _ctx(tmp_path)).run(_item(tmp_path))
    assert "\"ctx_in\"" not in ex.requests[0].to_json()
