"""Multi-step items: `.conform` `before=<object>:<program>` runs a setup program first."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness.adapters.protocol import Hello, RunReply, RunRequest
from harness.run.runner import AdapterRun, Context, PinRoots
from harness.run.verdict import Verdict
from harness.suite.discovery import Expectations, Item, parse_entries
from harness.suite.expectations import KnownFailure


@dataclass
class PinningFake:
    """Replies per program; 'pins' a file into the pin root and records what it saw there."""

    replies: dict[str, RunReply]
    supports: tuple[str, ...] = ("pin_root", "data_in", "skip")
    requests: list[RunRequest] = field(default_factory=list)
    seen: list[list[str]] = field(default_factory=list)

    def hello(self) -> Hello:
        return Hello("fake", "0", "fakelib", "1.0", self.supports)

    def run(self, request: RunRequest) -> RunReply:
        self.requests.append(request)
        root = Path(request.pin_root)
        self.seen.append(sorted(p.name for p in root.iterdir()))
        (root / f"pin_by_{request.program}").write_text("pretend pin")
        r = self.replies[request.program]
        return RunReply(id=request.id, phase=r.phase, retval=r.retval, error=r.error,
                        error_kind=r.error_kind)

    def close(self) -> None:
        pass


def _item(tmp_path: Path, before: tuple[str, str] | None) -> Item:
    src = tmp_path / "x.bpf.c"
    src.write_text("/* x */\n")
    exp = Expectations("pinning.by_name", "pass", "required", before=before)
    return Item(tmp_path / "x.bpf.o", src, "pinning/x.bpf.c", "reader", expectations=exp)


def _run(tmp_path: Path, fake: PinningFake, mutate: bool = False,
         known: dict[str, KnownFailure] | None = None) -> AdapterRun:
    ctx = Context("host-test", "clang-test", {}, PinRoots(tmp_path / "pins"), known or {},
                  mutate=mutate)
    return AdapterRun("fake", fake, ctx)


def test_the_setup_program_runs_first_under_the_same_pin_root(tmp_path: Path) -> None:
    fake = PinningFake({"writer": RunReply(None, "done", 0), "reader": RunReply(None, "done", 0)})
    setup = (str(tmp_path / "w.bpf.o"), "writer")
    result = _run(tmp_path, fake).run(_item(tmp_path, setup))
    assert result.verdict is Verdict.PASS
    first, second = fake.requests
    assert (first.elf, first.program) == setup and second.program == "reader"
    assert first.pin_root == second.pin_root
    assert fake.seen == [[], ["pin_by_writer"]]  # the item sees the setup step's pin
    assert not Path(first.pin_root).exists()  # removed after the last step


def test_a_failing_setup_step_is_a_fail_and_the_item_never_runs(tmp_path: Path) -> None:
    fake = PinningFake({"writer": RunReply(None, "done", 31)})
    result = _run(tmp_path, fake).run(_item(tmp_path, (str(tmp_path / "w.bpf.o"), "writer")))
    assert result.verdict is Verdict.FAIL  # the loader's failure: listable, pinned by phase
    assert result.outcome.reason == "cannot judge: the setup step w.bpf.o:writer returned 31"
    assert result.outcome.phase == "done"
    assert [r.program for r in fake.requests] == ["writer"]
    assert not Path(fake.requests[0].pin_root).exists()


def test_a_setup_step_refused_at_load_names_the_phase(tmp_path: Path) -> None:
    fake = PinningFake({"writer": RunReply(None, "load", error="EINVAL")})
    result = _run(tmp_path, fake).run(_item(tmp_path, (str(tmp_path / "w.bpf.o"), "writer")))
    assert result.verdict is Verdict.FAIL and result.outcome.phase == "load"
    assert "setup step w.bpf.o:writer load failed: EINVAL" in result.outcome.reason


def test_a_setup_step_the_adapter_breaks_on_is_an_error(tmp_path: Path) -> None:
    fake = PinningFake({"writer": RunReply(None, "load", error="panic", error_kind="internal")})
    result = _run(tmp_path, fake).run(_item(tmp_path, (str(tmp_path / "w.bpf.o"), "writer")))
    assert result.verdict is Verdict.ERROR
    assert "adapter internal error in the setup step" in result.outcome.reason


def test_a_listed_setup_failure_is_an_xfail(tmp_path: Path) -> None:
    item = _item(tmp_path, (str(tmp_path / "w.bpf.o"), "writer"))
    known = {item.id: KnownFailure(item.id, "xfail", "cannot load the writer", phase="load",
                                   match="setup step")}
    fake = PinningFake({"writer": RunReply(None, "load", error="EINVAL")})
    result = _run(tmp_path, fake, known=known).run(item)
    assert result.verdict is Verdict.XFAIL


def test_under_mutation_only_the_item_gets_the_skip_id(tmp_path: Path) -> None:
    fake = PinningFake({"writer": RunReply(None, "done", 0), "reader": RunReply(None, "done", 7)})
    _run(tmp_path, fake, mutate=True).run(_item(tmp_path, (str(tmp_path / "w.bpf.o"), "writer")))
    assert [r.skip for r in fake.requests] == [(), ("pinning.by_name",)]


def test_an_adapter_without_pin_root_skips_a_multi_step_item(tmp_path: Path) -> None:
    fake = PinningFake({}, supports=("data_in",))
    result = _run(tmp_path, fake).run(_item(tmp_path, (str(tmp_path / "w.bpf.o"), "writer")))
    assert result.verdict is Verdict.SKIP
    assert "pin_root" in result.outcome.reason and not fake.requests


def test_before_must_name_an_object_and_a_program() -> None:
    cat = frozenset({"pinning.by_name"})
    good = parse_entries(["p:behaviour=pinning.by_name", "p:before=../x/w.bpf.o:writer"], cat)
    assert not good["p"].problems and good["p"].values["before"] == "../x/w.bpf.o:writer"
    bad = parse_entries(["p:before=w.bpf.o"], cat)
    assert bad["p"].problems == ["before='w.bpf.o' is not '<object path>:<program>'"]
