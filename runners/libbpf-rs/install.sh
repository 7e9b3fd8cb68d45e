#!/usr/bin/env bash
# Build the libbpf-rs adapter into build/runners/libbpf-rs/bpfconform-libbpf-rs (run by
# .ci/install). libbpf-sys compiles its vendored libbpf (needs libelf-dev, zlib1g-dev,
# pkg-config, make and a C compiler, all installed by .ci/install). Cargo's target directory
# build/cargo-target is shared with the aya adapter; at most 2 jobs (2 cores).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

# install.sh VERSION (or BPFCONFORM_ADAPTER_VERSION): another release, built on demand by the
# harness for `--adapter libbpf-rs@VERSION` (docs/versions.md) from versions/VERSION/Cargo.toml
# and its committed Cargo.lock, in a copy of this directory under build/adapters/libbpf-rs@VERSION/
# (its own cargo target dir, so no build ever replaces another's binary); never by .ci/install.
version="${1:-${BPFCONFORM_ADAPTER_VERSION:-}}"
if [ -n "$version" ]; then
  if [ ! -f "$here/versions/$version/Cargo.lock" ]; then
    echo "[libbpf-rs] no versions/$version/Cargo.lock: known versions are" \
      "$(cd "$here/versions" && ls | tr '\n' ' ')" >&2
    exit 2
  fi
  [ -x "$HOME/.cargo/bin/cargo" ] && PATH="$HOME/.cargo/bin:$PATH"
  cache="$root/build/adapters/libbpf-rs@$version"
  mkdir -p "$cache/tree"
  rm -rf "$cache/tree/src"
  # cp -a keeps mtimes: an unchanged tree is a cargo cache hit
  (cd "$here" && cp -a src build.rs $(ls -A | grep -x -e .cargo -e rustc-shim.sh) "$cache/tree/")
  cp -a "$here/versions/$version/Cargo.toml" "$here/versions/$version/Cargo.lock" "$cache/tree/"
  (cd "$cache/tree" && CARGO_TARGET_DIR="$cache/target" cargo build --release --locked -j 2)
  install -m 0755 "$cache/target/release/bpfconform-libbpf-rs" "$cache/bpfconform-libbpf-rs"
  echo "[libbpf-rs] built $cache/bpfconform-libbpf-rs" >&2
  exit 0
fi
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
