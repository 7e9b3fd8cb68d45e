"""Property: mutated objects make the reference loader's parsing raise LoaderError or succeed.

A bounded, derandomised hypothesis run (200 examples per target) over the same mutation
ops as bench/fuzz.py; the long runs are `python3 bench/fuzz.py --minutes N`. Crashes
already recorded in tests/corrupt/regressions/index.toml (and xfailed there until fixed)
are not reported again here.
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
from collections.abc import Iterator

import pytest
from corrupt_run import source_objects
from fuzz_ops import INTERESTING, OP_KINDS, TARGETS, check
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from regressions_index import load_index

SEEDS = [obj.read_bytes() for _rel, obj in source_objects(per_family=1)]
OPS = st.lists(st.tuples(st.sampled_from(OP_KINDS), st.integers(0, 2**32 - 1),
                         st.one_of(st.sampled_from(INTERESTING), st.integers(0, 2**32 - 1))),
               min_size=1, max_size=4)
KNOWN = {e.signature for e in load_index().values() if e.xfail}
HEADROOM = 1536 * 1024**2


@contextlib.contextmanager
def bounded_memory() -> Iterator[None]:
    """Lower this process's soft address-space limit to what it uses now + 1.5 GiB."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as fh:
        used = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    resource.setrlimit(resource.RLIMIT_AS, (used + HEADROOM, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.mark.parametrize("target", list(TARGETS))
def test_mutated_objects_never_crash_the_parser(target: str) -> None:
    @settings(max_examples=200, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(seed=st.sampled_from(range(len(SEEDS))), ops=OPS)
    def prop(seed: int, ops: list[tuple[str, int, int]]) -> None:
        from fuzz_ops import apply_ops
        crash = check(apply_ops(SEEDS[seed], ops), target)
        if crash is not None and crash.signature() not in KNOWN:
            raise AssertionError(f"{crash.type}: {crash.summary}")

    with bounded_memory():
        prop()


def test_every_hang_has_its_own_signature() -> None:
    from fuzz_ops import Crash

    a = Crash("open", "Timeout", "no verdict within 1 s on input aaaa", "aaaa")
    b = Crash("open", "Timeout", "no verdict within 1 s on input bbbb", "bbbb")
    assert a.signature() != b.signature()  # one listed hang excuses no other
    assert a.signature() == "open:Timeout:aaaa"
    # a listed hang names its input's hash, never a shared signature (none is listed now:
    # 9913bef9adc3, once listed, finishes in seconds under the generous hang detector)
    hangs = [k for k in KNOWN if ":Timeout:" in k]
    assert all(re.fullmatch(r"\w+:Timeout:[0-9a-f]{12}", k) for k in hangs), hangs
