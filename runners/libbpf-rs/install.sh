#!/usr/bin/env bash
# Build the libbpf-rs adapter: libbpf-sys compiles its vendored libbpf (needs libelf-dev,
# zlib1g-dev, pkg-config, make and a C compiler, all installed by .ci/install).
# Cargo's target directory is shared with the aya adapter; at most 2 jobs (2 cores).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/build/cargo-target}"
if ! command -v cargo >/dev/null; then
  echo "[libbpf-rs adapter] cargo not found: install Rust (rustup or Debian cargo)" >&2
  exit 1
fi
cargo build --manifest-path "$here/Cargo.toml" --release --locked -j 2
mkdir -p "$root/build/runners/libbpf-rs"
install -m 0755 "$CARGO_TARGET_DIR/release/bpfconform-libbpf-rs" \
  "$root/build/runners/libbpf-rs/bpfconform-libbpf-rs"
