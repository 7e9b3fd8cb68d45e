#!/usr/bin/env bash
# Build the aya adapter into build/runners/aya/bpfconform-aya (run by .ci/install).
# Cargo's registry cache (~/.cargo) and the shared target dir build/cargo-target are reused,
# so a warm machine only relinks what changed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

# install.sh VERSION (or BPFCONFORM_ADAPTER_VERSION): another release, built on demand by the
# harness for `--adapter aya@VERSION` (docs/versions.md) from versions/VERSION/Cargo.toml
# and its committed Cargo.lock, in a copy of this directory under build/adapters/aya@VERSION/
# (its own cargo target dir, so no build ever replaces another's binary); never by .ci/install.
version="${1:-${BPFCONFORM_ADAPTER_VERSION:-}}"
if [ -n "$version" ]; then
  if [ ! -f "$here/versions/$version/Cargo.lock" ]; then
    echo "[aya] no versions/$version/Cargo.lock: known versions are" \
      "$(cd "$here/versions" && ls | tr '\n' ' ')" >&2
    exit 2
  fi
  [ -x "$HOME/.cargo/bin/cargo" ] && PATH="$HOME/.cargo/bin:$PATH"
  cache="$root/build/adapters/aya@$version"
  mkdir -p "$cache/tree"
  rm -rf "$cache/tree/src"
  # cp -a keeps mtimes: an unchanged tree is a cargo cache hit
  (cd "$here" && cp -a src build.rs $(ls -A | grep -x -e .cargo -e rustc-shim.sh) "$cache/tree/")
  cp -a "$here/versions/$version/Cargo.toml" "$here/versions/$version/Cargo.lock" "$cache/tree/"
  (cd "$cache/tree" && CARGO_TARGET_DIR="$cache/target" cargo build --release --locked -j 2 --ignore-rust-version)
  install -m 0755 "$cache/target/release/bpfconform-aya" "$cache/bpfconform-aya"
  echo "[aya] built $cache/bpfconform-aya" >&2
  exit 0
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/build/cargo-target}"
[ -x "$HOME/.cargo/bin/cargo" ] && PATH="$HOME/.cargo/bin:$PATH"
if ! command -v cargo >/dev/null; then
  echo "[aya] cargo not found: the aya adapter is not built (its tests skip; under CI=true they fail)" >&2
  exit 0
fi
# --ignore-rust-version: aya 0.16 declares rust-version 1.98; rustc-shim.sh (configured in
# .cargo/config.toml) lets it build on the Rust 1.95 this project installs.
(cd "$here" && cargo build --release --locked -j 2 --ignore-rust-version)
mkdir -p "$root/build/runners/aya"
install -m 0755 "$CARGO_TARGET_DIR/release/bpfconform-aya" "$root/build/runners/aya/bpfconform-aya"
echo "[aya] built $root/build/runners/aya/bpfconform-aya" >&2
