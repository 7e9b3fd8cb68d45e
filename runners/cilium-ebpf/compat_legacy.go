//go:build cilium_legacy

package main

import (
	"encoding/binary"

	"github.com/cilium/ebpf"
)

// cilium/ebpf before v0.17.0 (built with -tags cilium_legacy by install.sh):
// ProgramOptions has LogSize instead of LogSizeStart, and MapInfo has no
// BTFID, so the map's btf_id is read from struct bpf_map_info directly.

// setLogSizeStart sets the verifier log buffer's first size (it grows).
func setLogSizeStart(o *ebpf.ProgramOptions, size uint32) { o.LogSize = int(size) }

// mapInfoBTFID is the offset of btf_id in struct bpf_map_info.
const mapInfoBTFID = 64

// mapBTFID is the BTF object id the kernel holds for map m (0: none).
func mapBTFID(m *ebpf.Map, _ *ebpf.MapInfo) uint32 {
	buf, err := objInfo(m.FD(), make([]byte, mapInfoBTFID+4))
	if err != nil {
		return 0
	}
	return binary.LittleEndian.Uint32(buf[mapInfoBTFID:])
}
