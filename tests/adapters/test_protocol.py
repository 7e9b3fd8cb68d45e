"""Every adapter of runners/*/adapter.toml passes `bpfconform adapter-check`, check by check.

The protocol's promises (docs/adapter-protocol.md) are checked by harness/checks/adaptercheck.py,
the same checks a loader author runs on an out-of-tree adapter; here they run once per
in-tree adapter (ids `[<adapter>-<check>]`, so that a failure names the check) against the
real kernel. What an adapter says beyond a check's pass (its `ns` phases and `btf`, whether
the verifier log comes with a refusal, how skb->len counts data_in) is pinned in DETAILS,
so that a weaker reply of an in-tree adapter is visible here. What only one adapter does
(bpftool's mount namespace, aya's kprobe run, cilium's btf field, library versions) stays
in its own test_<adapter>.py. The one case kept besides is about the harness, not the
adapter: a field an adapter does not claim is never sent to it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from adapter_helpers import MANIFESTS, REPO, Launch, adapter_command

from harness.adapters.manifest import find_manifest
from harness.adapters.protocol import Hello
from harness.checks import adaptercheck
from harness.run.runner import required_fields
from harness.suite.discovery import Expectations, Item

# Checks an adapter fails for a reason of its loader, not of the adapter, with what the
# failure must say: adapter-check's objects are SEC("socket") programs, which the AWS SDK
# does not load (elfparser isProgTypeSupported); test_aws_ebpf_sdk_go.py runs what it loads.
LOADER_LIMITS: dict[str, tuple[frozenset[str], str]] = {
    "aws-ebpf-sdk-go": (frozenset({"runs", "failing_line", "data_in", "refused_program",
                                   "bad_requests", "repeat", "pins", "btf_custom_path"}),
                        'in section "socket", which aws-ebpf-sdk-go does not load'),
}

SOCKET_FILTER_LEN = "skb->len is data_in less its 14-byte L2 header (a socket filter)"
LOADED = "ns phases: load, open, run; btf: loaded"
# What a check's detail says of each in-tree adapter (a check not listed: anything).
DEFAULT_DETAILS = {"runs": LOADED, "data_in": SOCKET_FILTER_LEN,
                   "refused_program": "with the verifier's log; the error names the program",
                   "bad_requests": "7 malformed requests, every readable id echoed"}
DETAILS: dict[str, dict[str, str]] = {
    "bpftool": {"runs": "ns phases: load, run; btf: None"},
    # tc loads a SEC("socket") program as SCHED_CLS: skb->len keeps the L2 header
    "iproute2": {"runs": "ns phases: load, run; btf: None",
                 "data_in": "skb->len is all of data_in (run as an L2 program, such as "
                            "SCHED_CLS)"},
}

CheckRun = Callable[[str], dict[str, adaptercheck.CheckResult]]


@pytest.fixture(scope="session")
def adapter_check(tmp_path_factory: pytest.TempPathFactory) -> CheckRun:
    """`adapter_check(name)`: adapter-check's results for runners/<name>, by check name, run
    once per session (and xdist worker)."""
    done: dict[str, dict[str, adaptercheck.CheckResult]] = {}

    def _run(name: str) -> dict[str, adaptercheck.CheckResult]:
        if name not in done:
            adapter_command(name)  # not built: a failure under CI=true, else a skip
            scratch = tmp_path_factory.mktemp(f"adapter-check-{name}")
            results = adaptercheck.run_checks(find_manifest(REPO, name), REPO, scratch, 60)
            done[name] = {r.name: r for r in results}
        return done[name]

    return _run


@pytest.mark.parametrize(
    ("name", "check"),
    [pytest.param(n, c, id=f"{n}-{c}") for n in sorted(MANIFESTS)
     for c in adaptercheck.CHECK_NAMES],
)
def test_adapter_check(name: str, check: str, adapter_check: CheckRun) -> None:
    results = adapter_check(name)
    assert tuple(results) == adaptercheck.CHECK_NAMES
    result = results[check]
    limited, says = LOADER_LIMITS.get(name, (frozenset(), ""))
    if check in limited:
        # what the adapter says instead: the loader's refusal of the section, never a pass
        assert not result.ok and says in result.detail, result
        return
    assert result.ok, f"{name} {check}: {result.detail}"
    want = DETAILS.get(name, {}).get(check, DEFAULT_DETAILS.get(check))
    if want is not None:
        assert result.detail == want, result


# Kept: a check of the harness (harness.run.runner.required_fields on an Item of this repo's
# discovery), not of the adapter, which adapter-check cannot make: for every known field the
# adapter's hello does not claim, an item needing it is SKIPped, never sent.
@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_harness_never_sends_an_unclaimed_field(name: str, launch: Launch) -> None:
    hello = Hello.from_json(launch(name).hello())
    needs: dict[str, dict[str, object]] = {  # the .conform that needs each field
        "btf_custom_path": {"btf_custom_path": "target.btf.o"},
        "no_data": {"data_in": ""},
        "ctx_in": {"ctx_in": "00" * 12},
        "attach": {"attach": ("p",), "trigger": "p"},
        "read_iter": {"read_iter": "p"},
        "extension": {"extension": ("ext.bpf.o", "e")},
        "skip": {},  # needed by a mutation run (`bpfconform mutate`)
    }
    # the oracle (info) and the corpus lane (autoload_only) read hello themselves
    assert set(needs) | {"info", "autoload_only"} == (adaptercheck.KNOWN_FIELDS
                                                     - adaptercheck.REQUIRED_FIELDS)
    for field in [f for f in needs if f not in hello.supports]:
        exp = Expectations(behaviour="adapter.test", expect="pass", level="required",
                           **needs[field])  # type: ignore[arg-type]
        item = Item(obj=Path("adapter.bpf.o"), source=Path("adapter.bpf.c"),
                    rel="adapter.bpf.c", program="p", expectations=exp)
        wanted = required_fields(item, mutate=field == "skip")
        assert field in wanted, (field, wanted)
        assert all(f in hello.supports for f in wanted if f != field), (field, wanted)
