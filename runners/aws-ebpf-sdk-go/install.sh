#!/usr/bin/env bash
# Build the aws-ebpf-sdk-go adapter into build/runners/aws-ebpf-sdk-go/ with the committed go.sum.
# The Go build and module caches make a rebuild on a warm machine a cache hit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/build/runners/aws-ebpf-sdk-go/bpfconform-aws-ebpf-sdk-go"

export PATH="$PATH:/usr/local/go/bin"
if ! command -v go >/dev/null 2>&1; then
  # No Go on this machine: Debian's backported Go, which fetches the toolchain
  # go.mod asks for (the SDK needs Go 1.26) from the Go module proxy.
  echo "[aws-ebpf-sdk-go] no go in PATH; installing golang-1.23-go from bookworm-backports" >&2
  apt-get install -y -q --no-install-recommends -t bookworm-backports golang-1.23-go >/dev/null
  export PATH="$PATH:/usr/lib/go-1.23/bin" GOTOOLCHAIN=auto  # Debian may default to local
fi

mkdir -p "$(dirname "$out")"
cd "$here"
# -mod=readonly: go.sum is committed and authoritative; the build never edits it.
GOFLAGS="-mod=readonly -buildvcs=false" go build -p 2 -trimpath -o "$out" .
echo "[aws-ebpf-sdk-go] built $out ($(go version))" >&2
