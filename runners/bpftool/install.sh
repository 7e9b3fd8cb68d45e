#!/usr/bin/env bash
# The bpftool adapter is a Python script (and runners/pyadapter/): nothing to compile. Check
# that bpftool is there (.ci/install installs it from bookworm-backports) and that the
# scripts parse.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v bpftool >/dev/null; then
  echo "[bpftool adapter] bpftool not found: apt-get install -t bookworm-backports bpftool" >&2
  exit 1
fi
python3 -m py_compile bpfconform_bpftool.py protocol.py run.py pins.py ../pyadapter/*.py
echo "[bpftool adapter] $(bpftool version | head -1)" >&2
