package main

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"runtime"
	"unsafe"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// The optional `info` reply field (docs/adapter-protocol.md): what the kernel
// holds for the tested program and the object's maps, from
// BPF_OBJ_GET_INFO_BY_FD after load and before the test run. It feeds the
// harness's differential oracle; it is no part of the timed phases.

// objectInfo is the reply's `info`.
type objectInfo struct {
	Prog progInfo  `json:"prog"`
	Maps []mapInfo `json:"maps"`
}

// progInfo holds fields of struct bpf_prog_info.
type progInfo struct {
	Type   uint32   `json:"type"`
	Xlated string   `json:"xlated"`
	MapIDs []uint32 `json:"map_ids"`
}

// mapInfo holds fields of struct bpf_map_info.
type mapInfo struct {
	ID         uint32 `json:"id"`
	Name       string `json:"name"`
	Type       uint32 `json:"type"`
	KeySize    uint32 `json:"key_size"`
	ValueSize  uint32 `json:"value_size"`
	MaxEntries uint32 `json:"max_entries"`
	MapFlags   uint32 `json:"map_flags"`
	BTFID      uint32 `json:"btf_id"`
}

// collectInfo asks the kernel about the program and every map of coll.
func collectInfo(coll *ebpf.Collection, prog *ebpf.Program) (*objectInfo, error) {
	p, err := rawProgInfo(prog.FD())
	if err != nil {
		return nil, err
	}
	out := &objectInfo{Prog: p, Maps: []mapInfo{}}
	for name, m := range coll.Maps {
		info, err := m.Info()
		if err != nil {
			return nil, fmt.Errorf("map %s: %w", name, err)
		}
		id, _ := info.ID()
		btfID := mapBTFID(m, info)
		out.Maps = append(out.Maps, mapInfo{
			ID: uint32(id), Name: info.Name, Type: uint32(info.Type),
			KeySize: info.KeySize, ValueSize: info.ValueSize, MaxEntries: info.MaxEntries,
			MapFlags: info.Flags, BTFID: btfID,
		})
	}
	return out, nil
}

// Offsets in struct bpf_prog_info (include/uapi/linux/bpf.h).
const (
	progInfoType        = 0
	progInfoXlatedLen   = 20
	progInfoXlatedInsns = 32
	progInfoNrMapIDs    = 52
	progInfoMapIDs      = 56
	progInfoSize        = 64 // up to and including map_ids
	bpfObjGetInfoByFD   = 15
)

// rawProgInfo calls BPF_OBJ_GET_INFO_BY_FD twice (sizes, then contents):
// cilium/ebpf's ProgramInfo decodes the xlated instructions but does not
// expose their bytes, which the oracle compares.
func rawProgInfo(fd int) (progInfo, error) {
	first, err := objInfo(fd, make([]byte, progInfoSize))
	if err != nil {
		return progInfo{}, err
	}
	le := binary.LittleEndian
	xlated := make([]byte, le.Uint32(first[progInfoXlatedLen:]))
	ids := make([]uint32, le.Uint32(first[progInfoNrMapIDs:]))

	req := make([]byte, progInfoSize)
	le.PutUint32(req[progInfoXlatedLen:], uint32(len(xlated)))
	le.PutUint32(req[progInfoNrMapIDs:], uint32(len(ids)))
	if len(xlated) > 0 {
		le.PutUint64(req[progInfoXlatedInsns:], uint64(uintptr(unsafe.Pointer(&xlated[0]))))
	}
	if len(ids) > 0 {
		le.PutUint64(req[progInfoMapIDs:], uint64(uintptr(unsafe.Pointer(&ids[0]))))
	}
	second, err := objInfo(fd, req)
	runtime.KeepAlive(xlated)
	runtime.KeepAlive(ids)
	if err != nil {
		return progInfo{}, err
	}
	xlated = xlated[:min(len(xlated), int(le.Uint32(second[progInfoXlatedLen:])))]
	ids = ids[:min(len(ids), int(le.Uint32(second[progInfoNrMapIDs:])))]
	return progInfo{
		Type:   le.Uint32(second[progInfoType:]),
		Xlated: hex.EncodeToString(xlated),
		MapIDs: ids,
	}, nil
}

// objInfo fills buf (a struct bpf_prog_info prefix) for fd.
func objInfo(fd int, buf []byte) ([]byte, error) {
	attr := struct {
		fd      uint32
		infoLen uint32
		info    uint64
	}{uint32(fd), uint32(len(buf)), uint64(uintptr(unsafe.Pointer(&buf[0])))}
	_, _, errno := unix.Syscall(unix.SYS_BPF, bpfObjGetInfoByFD,
		uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
	runtime.KeepAlive(buf)
	if errno != 0 {
		return nil, fmt.Errorf("BPF_OBJ_GET_INFO_BY_FD: %w", errno)
	}
	return buf, nil
}
