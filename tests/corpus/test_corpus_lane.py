"""The corpus lane's runner and agreement rules, with in-process fake adapters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.adapters.client import AdapterError
from harness.adapters.protocol import Hello, RunReply, RunRequest
from harness.corpus import corpus, corpus_html
from harness.corpus.corpus import AdapterPass, CorpusRequest, Outcome, Target
from harness.run.runner import PinRoots

Reply = Callable[[RunRequest], RunReply]


@dataclass
class Fake:
    """An Executor answering with `reply(request)`; `supports` goes into its hello."""

    name: str
    reply: Reply
    supports: tuple[str, ...] = ("autoload_only",)
    seen: list[RunRequest] = field(default_factory=list)

    def hello(self) -> Hello:
        return Hello(self.name, "1", self.name, "1", self.supports)

    def run(self, request: RunRequest) -> RunReply:
        self.seen.append(request)
        return self.reply(request)

    def close(self) -> None:
        pass


def done(retval: int) -> Reply:
    return lambda r: RunReply(r.id, "done", retval=retval)


def refused(phase: str) -> Reply:
    return lambda r: RunReply(r.id, phase, errno=22, error=f"{r.program}: nope",  # type: ignore[arg-type]
                              error_kind="refused")


def crashes(r: RunRequest) -> RunReply:
    raise AdapterError("adapter fake: adapter closed stdout: adapter killed by signal SIGSEGV")


def hangs(r: RunRequest) -> RunReply:
    raise AdapterError("adapter fake: no reply within 1 s (adapter hung; killed)")


def internal(r: RunRequest) -> RunReply:
    return RunReply(r.id, "load", error="panic", error_kind="internal")


TARGETS = [Target(Path("/x/a.bpf.o"), "a.bpf.o", "p")]


def lane(tmp_path: Path, reference: Reply, other: Reply,
         supports: tuple[str, ...] = ("autoload_only",)) -> list[Outcome]:
    pins = PinRoots(base=tmp_path / "pins")
    outcomes: list[Outcome] = []
    for fake in (Fake("libbpf", reference), Fake("other", other, supports)):
        _, outs = AdapterPass(fake.name, fake, pins).run(TARGETS)
        outcomes += outs
    assert not any((tmp_path / "pins").iterdir())  # every pin root removed
    return corpus.judge_all(outcomes, TARGETS, "libbpf")


@pytest.mark.parametrize(("reference", "other", "relation"), [
    pytest.param(done(0), done(0), "agree", id="both-done-same-retval"),
    pytest.param(refused("load"), refused("load"), "agree", id="same-failing-phase"),
    pytest.param(done(0), done(1), "retval_differs", id="retval-differs"),
    pytest.param(done(0), refused("open"), "stricter", id="refuses-what-libbpf-runs"),
    pytest.param(refused("load"), done(0), "looser", id="runs-what-libbpf-refuses"),
    pytest.param(refused("load"), refused("run"), "looser", id="fails-later"),
    pytest.param(done(0), crashes, "errors", id="crash"),
    pytest.param(done(0), hangs, "errors", id="hang"),
    pytest.param(refused("load"), internal, "errors", id="internal-is-never-agreement"),
])
def test_relation_to_the_reference(tmp_path: Path, reference: Reply, other: Reply,
                                   relation: str) -> None:
    ref, mine = lane(tmp_path, reference, other)
    assert (ref.relation, ref.agrees) == ("agree", True)
    assert mine.relation == relation
    assert mine.agrees is (relation == "agree")


def test_a_crash_and_a_hang_are_told_apart(tmp_path: Path) -> None:
    assert lane(tmp_path, done(0), crashes)[1].error_kind == "crash"
    assert lane(tmp_path, done(0), hangs)[1].error_kind == "hang"


def test_a_broken_reference_leaves_nothing_to_compare(tmp_path: Path) -> None:
    ref, mine = lane(tmp_path, crashes, done(0))
    assert (ref.relation, ref.agrees) == ("errors", False)
    assert (mine.relation, mine.agrees) == (None, None)
    assert corpus.summarize([ref, mine], ["libbpf", "other"])["other"]["reference_errors"] == 1


@pytest.mark.parametrize(("other", "strict", "status"), [
    pytest.param(done(0), False, 0, id="agreement"),
    pytest.param(refused("load"), False, 0, id="phase-disagreement-is-reported"),
    pytest.param(refused("load"), True, 1, id="phase-disagreement-fails-strict"),
    pytest.param(done(3), False, 1, id="retval-differs-fails"),
    pytest.param(crashes, False, 1, id="crash-fails"),
    pytest.param(internal, False, 1, id="internal-fails"),
])
def test_exit_status(tmp_path: Path, other: Reply, strict: bool, status: int) -> None:
    assert corpus.exit_status(lane(tmp_path, done(0), other), strict) == status


def test_autoload_only_is_sent_only_to_adapters_that_list_it(tmp_path: Path) -> None:
    pins = PinRoots(base=tmp_path / "pins")
    one, whole = Fake("a", done(0)), Fake("b", done(0), supports=())
    assert AdapterPass("a", one, pins).run(TARGETS)[1][0].mode == "autoload_only"
    assert AdapterPass("b", whole, pins).run(TARGETS)[1][0].mode == "whole_object"
    assert [getattr(r, "autoload_only", None) for r in one.seen + whole.seen] == [True, False]
    assert '"autoload_only":true' in one.seen[0].to_json()
    assert '"autoload_only"' not in whole.seen[0].to_json()


def test_the_request_is_the_protocols_run_request() -> None:
    req = CorpusRequest(id=1, elf="/o", program="p", pin_root="/r", data_in="00")
    assert req.to_json() == RunRequest(1, "/o", "p", "/r", "00").to_json()


def test_progress_is_reported_every_n_programs(tmp_path: Path) -> None:
    lines: list[str] = []
    targets = [Target(Path("/x/a.o"), "a.o", f"p{i}") for i in range(5)]
    AdapterPass("a", Fake("a", done(0)), PinRoots(base=tmp_path), progress=lines.append,
                every=2).run(targets)
    assert [line.split(": ")[1].split(",")[0] for line in lines] == [
        "2/5 programs", "4/5 programs", "5/5 programs"]


def test_the_page_lists_disagreements_first_and_groups_why(tmp_path: Path) -> None:
    targets = [Target(Path("/x/a.o"), "a.o", "same"), Target(Path("/x/b.o"), "b.o", "differs")]

    def ref(r: RunRequest) -> RunReply:
        return RunReply(r.id, "done", retval=0)

    def other(r: RunRequest) -> RunReply:
        if r.program == "same":
            return RunReply(r.id, "done", retval=0)
        return RunReply(r.id, "open", errno=22, error=f"{r.elf}: invalid program section 7",
                        error_kind="refused")

    pins = PinRoots(base=tmp_path / "pins")
    outs = [o for n, f in (("libbpf", ref), ("other", other))
            for o in AdapterPass(n, Fake(n, f), pins).run(targets)[1]]
    outs = corpus.judge_all(outs, targets, "libbpf")
    doc = corpus.document({"reference": "libbpf", "programs": 2, "objects": 2}, outs,
                          ["libbpf", "other"], targets)
    assert doc["summary"]["other"]["stricter"] == 1
    groups = corpus_html.why_groups(doc["results"], "libbpf")
    assert groups == {"other": [("stricter", "open: <obj>: invalid program section N", 1,
                                 "b.o:differs")]}
    page = corpus_html.render(doc)
    assert page.index("b.o: <b>differs") < page.index("a.o: <b>same")
    assert "id=prefix" in page and "invalid program section" in page


def test_a_retval_the_reference_does_not_repeat_is_not_compared(tmp_path: Path) -> None:
    values = iter([5, 6, 7, 8])  # bpf_get_prandom_u32(): another value each run

    def random(r: RunRequest) -> RunReply:
        return RunReply(r.id, "done", retval=next(values))

    pins = PinRoots(base=tmp_path / "pins")
    ref = AdapterPass("libbpf", Fake("libbpf", random), pins)
    outs = ref.run(TARGETS)[1] + AdapterPass("other", Fake("other", done(0)), pins).run(
        TARGETS)[1]
    suspects = corpus.retval_suspects(outs, "libbpf")
    assert suspects == [("a.bpf.o", "p")]
    unstable = corpus.unstable_retvals(suspects, TARGETS, outs, ref)
    assert unstable == {("a.bpf.o", "p")}
    judged = corpus.judge_all(outs, TARGETS, "libbpf", unstable)
    assert [(o.relation, o.retval_unstable) for o in judged] == [("agree", True)] * 2
    assert corpus.exit_status(judged, strict=True) == 0


def test_a_retval_the_reference_repeats_is_a_difference(tmp_path: Path) -> None:
    pins = PinRoots(base=tmp_path / "pins")
    ref = AdapterPass("libbpf", Fake("libbpf", done(1)), pins)
    outs = ref.run(TARGETS)[1] + AdapterPass("other", Fake("other", done(0)), pins).run(
        TARGETS)[1]
    assert corpus.unstable_retvals(corpus.retval_suspects(outs, "libbpf"), TARGETS, outs,
                                   ref) == set()
