#!/usr/bin/env bash
# Build the libbpf adapter (its apt packages, apt.txt, are installed by .ci/install).
set -euo pipefail
cd "$(dirname "$0")"
make -j 2
