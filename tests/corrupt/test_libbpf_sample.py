"""A sample of the corrupt corpus through the libbpf adapter, via the harness client.

Each reply is a clean open/load error (or an accepted object), or an AdapterError naming
the cause (an ERROR item); after an AdapterError the next request still gets a reply from
a fresh adapter.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from corrupt_corpus import Case

from harness.adapters.client import AdapterClient, AdapterError
from harness.adapters.manifest import AdapterUnavailable, find_manifest
from harness.adapters.protocol import RunRequest
from harness.run import runner

SAMPLE_EVERY = 8
DATA_IN = "00" * 64


def _entry_programs() -> dict[str, str]:
    prepared = runner.prepare(runner.Paths(), None)
    out: dict[str, str] = {}
    for item in prepared.items:
        out.setdefault(item.rel, item.program)
    return out


def test_libbpf_answers_every_sampled_corrupt_object_cleanly(
        corpus: dict[Path, Case], capsys: pytest.CaptureFixture[str]) -> None:
    try:
        manifest = find_manifest(runner.REPO_ROOT, "libbpf")
        manifest.argv(runner.REPO_ROOT)
    except AdapterUnavailable as exc:
        pytest.fail(f"libbpf adapter not built (.ci/install builds it): {exc}")
    programs = _entry_programs()
    sample = list(corpus.items())[::SAMPLE_EVERY]
    pins = runner.PinRoots()
    outcomes: list[str] = []
    problems: list[str] = []
    with AdapterClient(manifest, runner.REPO_ROOT, timeout=60) as client:  # a hang detector
        for n, (path, case) in enumerate(sample, 1):
            rel = case.name.split(":", 1)[0]
            pin_root = pins.create()
            try:
                reply = client.run(RunRequest(n, str(path), programs[rel], str(pin_root),
                                              DATA_IN))
            except AdapterError as exc:
                outcomes.append("adapter_error")
                if not exc.cause:
                    problems.append(f"{case.name}: AdapterError without a cause")
                continue
            finally:
                pins.remove(pin_root)
            if reply.phase == "done":
                outcomes.append("accepted")
            elif reply.error:
                outcomes.append(f"{reply.phase}_error")
            else:
                problems.append(f"{case.name}: phase {reply.phase} without an error")
    pins.remove_base_if_empty()
    tally = {k: outcomes.count(k) for k in sorted(set(outcomes))}
    with capsys.disabled():
        print(f"\nlibbpf on {len(sample)} corrupt objects: {tally}")
    assert not problems, "\n".join(problems)
    assert len(outcomes) == len(sample)
    assert outcomes[-1] != "adapter_error" or "adapter_error" not in outcomes[:-1]
    assert tally.get("open_error", 0) + tally.get("load_error", 0) > len(sample) // 2
