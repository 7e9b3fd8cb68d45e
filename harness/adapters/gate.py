"""The hello gate a loader-version manifest (harness.adapters.manifest, `Manifest.at`) runs its
adapter behind: `python3 -m harness.adapters.gate VERSION -- ADAPTER ARGS...` asks the
adapter's hello once and execs the adapter only when `library_version` equals VERSION, else
it exits 1 naming both (so every item is ERROR).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence

GATE_TIMEOUT_S = 30.0


def gate(want: str, argv: Sequence[str]) -> int:
    """Exec `argv` if its hello's library_version is `want`; else say why and return 1."""
    try:
        done = subprocess.run(list(argv), input='{"op":"hello"}\n', capture_output=True,
                              text=True, timeout=GATE_TIMEOUT_S, check=False)
        hello = json.loads(done.stdout.splitlines()[0]) if done.stdout.strip() else {}
    except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
        print(f"[versions] {argv[0]}: no hello ({exc})", file=sys.stderr)
        return 1
    got = hello.get("library_version") if isinstance(hello, dict) else None
    if got != want:
        print(f"[versions] {argv[0]}: hello reports library_version {got!r}, the run asked "
              f"for {want!r}: not running it", file=sys.stderr)
        return 1
    os.execv(argv[0], list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    """`python3 -m harness.adapters.gate VERSION -- ADAPTER ARGS...`."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 3 or args[1] != "--":
        print("usage: python3 -m harness.adapters.gate VERSION -- ADAPTER [ARGS...]",
              file=sys.stderr)
        return 2
    return gate(args[0], args[2:])


if __name__ == "__main__":
    sys.exit(main())
