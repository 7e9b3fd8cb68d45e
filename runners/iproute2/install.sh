#!/usr/bin/env bash
# The iproute2 adapter is a Python script: nothing to compile. It drives tc and ip from
# iproute2 6.15 (bookworm-backports; bookworm's 6.1 is older), installed here the way
# .ci/install installs libbpf. Idempotent: a machine that has 6.15 or newer installs nothing.
set -euo pipefail
cd "$(dirname "$0")"
have="$(dpkg-query -W -f='${Version}' iproute2 2>/dev/null || echo 0)"
if ! dpkg --compare-versions "$have" ge 6.15; then
  echo "[iproute2 adapter] iproute2 $have; installing iproute2 from bookworm-backports" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -t bookworm-backports iproute2 >/dev/null
fi
for tool in tc ip; do
  command -v "$tool" >/dev/null || { echo "[iproute2 adapter] $tool not found" >&2; exit 1; }
done
python3 -m py_compile bpfconform_iproute2.py protocol.py run.py netlink.py ../pyadapter/*.py
echo "[iproute2 adapter] $(tc -V)" >&2
