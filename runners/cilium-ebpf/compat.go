//go:build !cilium_legacy

package main

import "github.com/cilium/ebpf"

// The API of cilium/ebpf v0.17.0 and later; compat_legacy.go holds the few
// calls that differ in the older releases the version axis builds
// (docs/versions.md).

// setLogSizeStart sets the verifier log buffer's first size (it grows).
func setLogSizeStart(o *ebpf.ProgramOptions, size uint32) { o.LogSizeStart = size }

// mapBTFID is the BTF object id the kernel holds for map m (0: none).
func mapBTFID(_ *ebpf.Map, info *ebpf.MapInfo) uint32 {
	id, _ := info.BTFID()
	return uint32(id)
}
