package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	constdef "github.com/aws/aws-ebpf-sdk-go/pkg/constants"
	"golang.org/x/sys/unix"
)

// The SDK pins every program under progDir and every PIN_GLOBAL_NS map under
// mapDir, hard-coded (pkg/constants: PROG_BPF_FS, MAP_BPF_FS), and deletes
// what is pinned there first (PinProg, PinMap).
const (
	bpffs   = "/sys/fs/bpf"
	progDir = constdef.PROG_BPF_FS
	mapDir  = constdef.MAP_BPF_FS
	// nsEnv marks the image that runs in the adapter's own mount namespace.
	nsEnv = "BPFCONFORM_AWS_MOUNT_NS"
)

// enterMountNamespace re-executes this binary (same pid) in a new mount
// namespace. unshare(CLONE_NEWNS) moves only the calling thread of a
// multi-threaded process, so the thread is locked, unshares, and execve(2)
// from it: the new image and every thread it starts are in the namespace.
func enterMountNamespace() error {
	runtime.LockOSThread()
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return fmt.Errorf("unshare(CLONE_NEWNS): %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("own executable: %w", err)
	}
	env := append(os.Environ(), nsEnv+"=1")
	return fmt.Errorf("re-exec %s: %w", self, unix.Exec(self, os.Args, env))
}

// sandbox is the adapter's view of bpffs: a private bpffs instance mounted
// over /sys/fs/bpf in its own mount namespace (nothing the SDK pins reaches
// the host's /sys/fs/bpf), the host's bpffs reached through hostFD, where the
// harness's pin roots live.
type sandbox struct {
	hostFD int // O_PATH of the host's /sys/fs/bpf, taken before it was covered
	bound  bool
}

// newSandbox sets the namespace up; it must run in the re-executed image.
func newSandbox() (*sandbox, error) {
	if err := unix.Mount("none", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return nil, fmt.Errorf("make / private: %w", err)
	}
	fd, err := unix.Open(bpffs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", bpffs, err)
	}
	if err := unix.Mount("bpf", bpffs, "bpf", 0, "mode=0700"); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("mount a private bpffs on %s: %w", bpffs, err)
	}
	for _, dir := range []string{progDir, mapDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			unix.Close(fd)
			return nil, err
		}
	}
	return &sandbox{hostFD: fd}, nil
}

// source is where pin_root is reachable from inside the namespace: a path
// under /sys/fs/bpf through the host bpffs fd, any other path as it is.
func (s *sandbox) source(pinRoot string) string {
	clean := filepath.Clean(pinRoot)
	if rest, ok := strings.CutPrefix(clean, bpffs+"/"); ok {
		return fmt.Sprintf("/proc/self/fd/%d/%s", s.hostFD, rest)
	}
	return clean
}

// bindPinRoot makes pin_root the SDK's map pin directory for one request.
func (s *sandbox) bindPinRoot(pinRoot string) error {
	if err := unix.Mount(s.source(pinRoot), mapDir, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind pin_root %s over %s: %w", pinRoot, mapDir, err)
	}
	s.bound = true
	return nil
}

// cleanup unbinds the pin root and removes the program pins of the request
// (the SDK pins every program it loads; they are the adapter's, not the
// request's).
func (s *sandbox) cleanup() error {
	var errs []error
	if s.bound {
		if err := unix.Unmount(mapDir, unix.MNT_DETACH); err != nil {
			errs = append(errs, fmt.Errorf("unbind %s: %w", mapDir, err))
		}
		s.bound = false
	}
	entries, err := os.ReadDir(progDir)
	if err != nil {
		errs = append(errs, err)
	}
	for _, e := range entries {
		if err := os.Remove(filepath.Join(progDir, e.Name())); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// pinnedPrograms lists the names pinned under progDir now.
func pinnedPrograms() map[string]bool {
	names := map[string]bool{}
	entries, _ := os.ReadDir(progDir)
	for _, e := range entries {
		names[e.Name()] = true
	}
	return names
}
