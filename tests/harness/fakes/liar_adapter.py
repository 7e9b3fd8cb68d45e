"""An adapter that speaks the protocol's syntax but not its meaning: `liar_adapter.py MODE`.

MODE `refuse`: every run request is an open refusal (a loader that refuses everything);
MODE `crash`: every run request is an internal error (an adapter that crashes on everything);
MODE `bye`: serves well enough but exits 3 on `bye`;
MODE `claim-all`: refuses everything, yet its hello claims every optional field;
MODE `leak`: refuses everything, and keeps open every object file it was sent.
`bpfconform adapter-check` must find each of them unfit (tests/harness/test_adapter_check.py).
"""

import contextlib
import json
import sys

ALL_FIELDS = ["pin_root", "data_in", "repeat", "btf_custom_path", "skip", "info", "no_data",
              "ctx_in", "autoload_only", "attach", "read_iter", "extension"]


def main() -> int:
    mode = sys.argv[1]
    kept = []
    for line in sys.stdin:
        try:
            req = json.loads(line)
        except ValueError:
            print(json.dumps({"id": None, "phase": "open", "error_kind": "internal",
                              "error": "bad request: not JSON"}), flush=True)
            continue
        op = req.get("op")
        if op == "bye":
            return 3 if mode == "bye" else 0
        if op == "hello":
            supports = ALL_FIELDS if mode == "claim-all" else ALL_FIELDS[:3]
            print(json.dumps({"op": "hello", "protocol": 1, "name": sys.argv[2],
                              "library": "liar", "library_version": "0.0",
                              "adapter_version": "0", "supports": supports}), flush=True)
            continue
        if op != "run":
            print(json.dumps({"id": req.get("id"), "phase": "open", "error_kind": "internal",
                              "error": f"bad request: op {op!r}"}), flush=True)
            continue
        if mode == "leak":
            with contextlib.suppress(OSError):
                kept.append(open(req["elf"], "rb"))  # noqa: SIM115 - the leak is the point
        kind = "internal" if mode == "crash" else "refused"
        print(json.dumps({"id": req.get("id"), "phase": "open", "error_kind": kind, "errno": 2,
                          "error": f"{mode}: {req.get('elf')}: {req.get('program')}"}),
              flush=True)
    return 3 if mode == "bye" else 0


if __name__ == "__main__":
    sys.exit(main())
