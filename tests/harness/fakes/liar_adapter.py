"""An adapter that speaks the protocol's syntax but not its meaning: `liar_adapter.py MODE`.

MODE `refuse`: every run request is an open refusal (a loader that refuses everything);
MODE `crash`: every run request is an internal error (an adapter that crashes on everything);
MODE `bye`: serves well enough but exits 3 on `bye`. `bpfconform adapter-check` must find
each of them unfit (tests/harness/test_adapter_check.py).
"""

import json
import sys


def main() -> int:
    mode = sys.argv[1]
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
            print(json.dumps({"op": "hello", "protocol": 1, "name": sys.argv[2],
                              "library": "liar", "library_version": "0.0",
                              "adapter_version": "0", "supports": ["pin_root", "data_in",
                                                                   "repeat"]}), flush=True)
            continue
        if op != "run":
            print(json.dumps({"id": req.get("id"), "phase": "open", "error_kind": "internal",
                              "error": f"bad request: op {op!r}"}), flush=True)
            continue
        kind = "internal" if mode == "crash" else "refused"
        print(json.dumps({"id": req.get("id"), "phase": "open", "error_kind": kind,
                          "errno": 2, "error": f"{mode}: {req.get('program')}"}), flush=True)
    return 3 if mode == "bye" else 0


if __name__ == "__main__":
    sys.exit(main())
