"""A deliberately misbehaving adapter: `fake_adapter.py MODE [STATE_FILE]`.

MODE: ok (always retval 0), crash, hang, garbage, wrong_id, early_exit,
huge_stderr (800 KiB of stderr, then a crash), bad_hello. With STATE_FILE, it
misbehaves only on the first run request it ever sees (the file records that it did),
so a restarted adapter then works.
"""

import json
import os
import sys
import time


def misbehave_now(state: str | None) -> bool:
    if state is None:
        return True
    if os.path.exists(state):
        return False
    with open(state, "w") as fh:
        fh.write("done")
    return True


def main() -> None:
    mode = sys.argv[1]
    state = sys.argv[2] if len(sys.argv) > 2 else None
    for line in sys.stdin:
        req = json.loads(line)
        if req["op"] == "bye":
            return
        if req["op"] == "hello":
            if mode == "bad_hello":
                print("hello? who is this", flush=True)
                continue
            supports = ["pin_root", "data_in", "repeat", "skip"]
            print(json.dumps({"op": "hello", "protocol": 1, "name": "fake", "library": "fake",
                              "library_version": "0.0", "adapter_version": "0",
                              "supports": supports}), flush=True)
            continue
        reply = {"id": req["id"], "phase": "done", "retval": 0, "ns": {"run": 1}}
        if misbehave_now(state):
            if mode == "crash":
                sys.stderr.write("fake: about to crash\n")
                sys.stderr.flush()
                os.abort()
            if mode == "hang":
                time.sleep(3600)
            if mode == "garbage":
                print("this is not json", flush=True)
                continue
            if mode == "wrong_id":
                reply["id"] = req["id"] + 1000
            if mode == "early_exit":
                sys.exit(3)
            if mode == "huge_stderr":
                for _ in range(200):
                    sys.stderr.write("x" * 4096 + "\n")
                sys.stderr.write("fake: the end of a huge stderr\n")
                sys.stderr.flush()
                os.abort()
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
