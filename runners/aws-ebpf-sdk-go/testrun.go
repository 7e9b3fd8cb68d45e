package main

import (
	"os"
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// progTestRunAttr is the BPF_PROG_TEST_RUN member of union bpf_attr
// (include/uapi/linux/bpf.h, struct { ... } test). The SDK has no call for a
// test run, so the adapter makes it itself.
type progTestRunAttr struct {
	progFD      uint32
	retval      uint32
	dataSizeIn  uint32
	dataSizeOut uint32
	dataIn      uint64
	dataOut     uint64
	repeat      uint32
	duration    uint32
	ctxSizeIn   uint32
	ctxSizeOut  uint32
	ctxIn       uint64
	ctxOut      uint64
	flags       uint32
	cpu         uint32
	batchSize   uint32
	_           uint32
}

// testRun runs the program behind fd once (or repeat times) on data and
// returns its return value.
func testRun(fd int, data []byte, repeat uint32) (uint32, error) {
	out := make([]byte, len(data)+4096) // room for a program that grows the packet
	attr := progTestRunAttr{
		progFD:      uint32(fd),
		dataSizeIn:  uint32(len(data)),
		dataSizeOut: uint32(len(out)),
		dataIn:      uint64(uintptr(unsafe.Pointer(&data[0]))),
		dataOut:     uint64(uintptr(unsafe.Pointer(&out[0]))),
		repeat:      repeat,
	}
	_, _, errno := unix.Syscall(unix.SYS_BPF, unix.BPF_PROG_TEST_RUN, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
	runtime.KeepAlive(data)
	runtime.KeepAlive(out)
	if errno != 0 {
		return 0, errno
	}
	return attr.retval, nil
}

// bpfFDs lists the descriptors of this process that are BPF objects (maps,
// programs, links, BTF), by the anon inode /proc/self/fd shows for them.
func bpfFDs() map[int]bool {
	fds := map[int]bool{}
	dir, err := os.Open("/proc/self/fd")
	if err != nil {
		return fds
	}
	defer dir.Close()
	names, _ := dir.Readdirnames(-1)
	for _, name := range names {
		target, err := os.Readlink("/proc/self/fd/" + name)
		if err != nil || !(strings.HasPrefix(target, "anon_inode:bpf") || target == "anon_inode:btf") {
			continue
		}
		n := 0
		for _, c := range name {
			n = n*10 + int(c-'0')
		}
		fds[n] = true
	}
	return fds
}

// closeNewBPFFDs closes every BPF descriptor not in before: what one request
// opened, whether the SDK returned it (maps, programs) or kept it to itself
// (maps created before a later failure, which LoadBpfFile does not return).
func closeNewBPFFDs(before map[int]bool) {
	for fd := range bpfFDs() {
		if !before[fd] {
			unix.Close(fd)
		}
	}
}
