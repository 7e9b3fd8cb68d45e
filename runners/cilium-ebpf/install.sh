#!/usr/bin/env bash
# Build the cilium/ebpf adapter into build/runners/cilium-ebpf/ with the committed go.sum.
# The Go build and module caches make a rebuild on a warm machine a cache hit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/build/runners/cilium-ebpf/bpfconform-cilium-ebpf"

export PATH="$PATH:/usr/local/go/bin"
if ! command -v go >/dev/null 2>&1; then
  # No Go on this machine: Debian's backported Go, which fetches the toolchain
  # go.mod asks for from the Go module proxy (GOTOOLCHAIN=auto).
  echo "[cilium-ebpf] no go in PATH; installing golang-1.23-go from bookworm-backports" >&2
  apt-get install -y -q --no-install-recommends -t bookworm-backports golang-1.23-go >/dev/null
  export PATH="$PATH:/usr/lib/go-1.23/bin" GOTOOLCHAIN=auto  # Debian may default to local
fi

mkdir -p "$(dirname "$out")"
cd "$here"
# -mod=readonly: go.sum is committed and authoritative; the build never edits it.
GOFLAGS="-mod=readonly -buildvcs=false" go build -p 2 -trimpath -o "$out" .
echo "[cilium-ebpf] built $out ($(go version))" >&2
