#!/usr/bin/env bash
# Build the libbpf-rs adapter into build/runners/libbpf-rs/bpfconform-libbpf-rs (run by
# .ci/install). libbpf-sys compiles its vendored libbpf (needs libelf-dev, zlib1g-dev,
# pkg-config, make and a C compiler, all installed by .ci/install). Cargo's target directory
# build/cargo-target is shared with the aya adapter; at most 2 jobs (2 cores).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/build/cargo-target}"
[ -x "$HOME/.cargo/bin/cargo" ] && PATH="$HOME/.cargo/bin:$PATH"
if ! command -v cargo >/dev/null; then
  echo "[libbpf-rs] cargo not found: the libbpf-rs adapter is not built (its tests skip; under CI=true they fail)" >&2
  exit 0
fi
(cd "$here" && cargo build --release --locked -j 2)
mkdir -p "$root/build/runners/libbpf-rs"
install -m 0755 "$CARGO_TARGET_DIR/release/bpfconform-libbpf-rs" \
  "$root/build/runners/libbpf-rs/bpfconform-libbpf-rs"
echo "[libbpf-rs] built $root/build/runners/libbpf-rs/bpfconform-libbpf-rs" >&2
