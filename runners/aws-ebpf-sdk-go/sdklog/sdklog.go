// Package sdklog points the aws-ebpf-sdk-go logger at a file of this process
// before the SDK creates it.
//
// The SDK creates its zap logger while its packages are initialised (package
// variables `log = logger.Get()`), from AWS_EBPF_SDK_LOG_FILE (default
// /var/log/aws-routed-eni/ebpf-sdk.log) and AWS_EBPF_SDK_LOGLEVEL, and writes the
// verifier log of a refused program only there (progs.LoadProg). This package
// sets both variables in its init. It imports nothing but syscall, so the Go
// initialisation order (packages sorted by import path, each initialised once
// its imports are: The Go Programming Language Specification, "Package
// initialization") runs it before package os, hence before the SDK's logger,
// which needs os. main checks it did: the file must hold the logger's first
// line when main starts.
package sdklog

import "syscall"

// Env names.
const (
	logFileEnv  = "AWS_EBPF_SDK_LOG_FILE"
	logLevelEnv = "AWS_EBPF_SDK_LOGLEVEL"
	// ownEnv carries the path across the adapter's re-exec into its mount
	// namespace, so that both images write the same file.
	ownEnv = "BPFCONFORM_AWS_SDK_LOG"
)

// Path is the SDK log file of this process ("" if it could not be created:
// Err says why).
var Path string

// Err is why Path could not be created, or nil.
var Err error

func init() {
	if p, ok := syscall.Getenv(ownEnv); ok && p != "" {
		Path = p
	} else {
		Path, Err = create()
		if Err != nil {
			// The SDK must not log to the host's /var/log: "stdout" would
			// break the protocol, so the lowest level it knows.
			_ = syscall.Setenv(logLevelEnv, "fatal")
			_ = syscall.Setenv(logFileEnv, "/dev/null")
			return
		}
		_ = syscall.Setenv(ownEnv, Path)
	}
	_ = syscall.Setenv(logFileEnv, Path)
	_ = syscall.Setenv(logLevelEnv, "info") // the level of "Verifier log: ..."
}

// create makes an empty file of this process's own in $TMPDIR (else /tmp):
// O_EXCL, so a file left by a killed process with the same pid is not reused.
func create() (string, error) {
	dir, ok := syscall.Getenv("TMPDIR")
	if !ok || dir == "" {
		dir = "/tmp"
	}
	base := dir + "/bpfconform-aws-ebpf-sdk-go-" + itoa(syscall.Getpid())
	for n := 0; n < 100; n++ {
		path := base + "-" + itoa(n) + ".log"
		fd, err := syscall.Open(path, syscall.O_CREAT|syscall.O_EXCL|syscall.O_WRONLY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
		if err == syscall.EEXIST {
			continue
		}
		if err != nil {
			return "", err
		}
		_ = syscall.Close(fd)
		return path, nil
	}
	return "", syscall.EEXIST
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; n > 0; n /= 10 {
		i--
		b[i] = byte('0' + n%10)
	}
	return string(b[i:])
}
