#!/usr/bin/env bash
# Build the cilium/ebpf adapter with the committed go.sum.
#   install.sh            the default build (go.mod): build/runners/cilium-ebpf/ (.ci/install)
#   install.sh VERSION    another release (versions/VERSION.mod + .sum, built on demand by
#                         the harness for `--adapter cilium-ebpf@VERSION`, docs/versions.md):
#                         build/adapters/cilium-ebpf@VERSION/
# VERSION may also come from BPFCONFORM_ADAPTER_VERSION. The Go build and module caches make a
# rebuild on a warm machine a cache hit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
version="${1:-${BPFCONFORM_ADAPTER_VERSION:-}}"
modflags=() tags=()
out="$root/build/runners/cilium-ebpf/bpfconform-cilium-ebpf"
if [ -n "$version" ]; then
  if [ ! -f "$here/versions/$version.mod" ]; then
    echo "[cilium-ebpf] no versions/$version.mod: known versions are" \
      "$(cd "$here/versions" && ls -- *.mod | sed 's/\.mod$//' | tr '\n' ' ')" >&2
    exit 2
  fi
  modflags=(-modfile "versions/$version.mod")
  # Releases before v0.17.0 lack ProgramOptions.LogSizeStart and MapInfo.BTFID (compat_legacy.go).
  case "$version" in v0.1[0-6].*) tags=(-tags cilium_legacy) ;; esac
  out="$root/build/adapters/cilium-ebpf@$version/bpfconform-cilium-ebpf"
fi

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
GOFLAGS="-mod=readonly -buildvcs=false" go build -p 2 -trimpath "${modflags[@]}" "${tags[@]}" \
  -o "$out" .
echo "[cilium-ebpf] built $out ($(go version))" >&2
