// Command bpfconform-aws-ebpf-sdk-go is the bpfconform adapter for
// github.com/aws/aws-ebpf-sdk-go, the ELF loader of the EKS network-policy
// agent: it reads JSON Lines requests on stdin (docs/adapter-protocol.md,
// version 1), loads whole ELF objects with the SDK's elfparser.LoadBpfFile,
// test-runs one program per request with BPF_PROG_TEST_RUN and writes one
// JSON reply line per request on stdout. Diagnostics go to stderr.
//
// The process re-executes itself once (same pid) into its own mount
// namespace, where a private bpffs covers /sys/fs/bpf: the SDK pins to fixed
// paths under /sys/fs/bpf/globals/aws/ and deletes what it finds there.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/aws/aws-ebpf-sdk-go/pkg/elfparser"
	"golang.org/x/sys/unix"

	"github.com/bpfconform/bpfconform/runners/aws-ebpf-sdk-go/sdklog"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("bpfconform-aws-ebpf-sdk-go: ")
	if os.Getenv(nsEnv) == "" {
		// First image: check the SDK logs where sdklog said, then re-exec.
		if sdklog.Err != nil {
			log.Fatalf("cannot create the SDK log file: %v", sdklog.Err)
		}
		if st, err := os.Stat(sdklog.Path); err != nil || st.Size() == 0 {
			os.Remove(sdklog.Path)
			log.Fatalf("the SDK's logger does not write to %s (initialised before package sdklog?): %v", sdklog.Path, err)
		}
		err := enterMountNamespace() // returns only on failure
		os.Remove(sdklog.Path)
		log.Fatal(err)
	}
	out, err := protocolStdout()
	if err != nil {
		log.Fatal(err)
	}
	sdkLog, err := openSDKLog(sdklog.Path)
	if err != nil {
		log.Fatal(err)
	}
	sb, err := newSandbox()
	if err != nil {
		log.Fatal(err)
	}
	sdk := elfparser.New(elfparser.Config{})
	// What an SDK user does first; a no-op on kernels that account BPF
	// memory to the cgroup.
	if err := sdk.IncreaseRlimit(); err != nil {
		log.Printf("IncreaseRlimit: %v", err)
	}
	a := &adapter{sdk: sdk, sb: sb, log: sdkLog}
	if err := a.serve(os.Stdin, out); err != nil {
		log.Fatal(err)
	}
}

// protocolStdout keeps the real stdout for replies and points descriptor 1 at
// stderr: the SDK prints some errors with fmt.Println (elfparser doLoadELF
// on a section it cannot parse), which must not reach the protocol stream.
func protocolStdout() (*os.File, error) {
	fd, err := unix.FcntlInt(1, unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return nil, fmt.Errorf("dup stdout: %w", err)
	}
	if err := unix.Dup3(2, 1, 0); err != nil {
		return nil, fmt.Errorf("stdout to stderr: %w", err)
	}
	return os.NewFile(uintptr(fd), "protocol-stdout"), nil
}

// serve answers requests from in until EOF or {"op": "bye"}.
func (a *adapter) serve(in io.Reader, out io.Writer) error {
	r := bufio.NewReader(in)
	w := bufio.NewWriter(out)
	for {
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			reply, bye := a.handle(line)
			if bye {
				return nil
			}
			if err := writeLine(w, reply); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read stdin: %w", err)
		}
	}
}

// handle answers one request line; bye is true for {"op": "bye"}.
func (a *adapter) handle(line []byte) (reply any, bye bool) {
	var req request
	defer func() {
		// A panic in the adapter or in the SDK is not the library's verdict
		// on the object: an internal error, and the next request is served
		// (the request's deferred cleanup has run).
		if p := recover(); p != nil {
			reply, bye = panicReply(req.ID, p), false
		}
	}()
	req, err := decodeRequest(line)
	if err != nil {
		return badRequest(req.ID, err), false
	}
	switch req.Op {
	case "hello":
		return hello(), false
	case "bye":
		return nil, true
	case "run":
		params, err := req.params()
		if err != nil {
			return badRequest(req.ID, err), false
		}
		return a.run(req.ID, params), false
	default:
		return badRequest(req.ID, fmt.Errorf("unknown op %q", req.Op)), false
	}
}

// panicReply is the internal-error reply to a recovered panic p: its value
// and the function and line that panicked; the stack goes to stderr.
func panicReply(id *int64, p any) runReply {
	log.Printf("panic: %v\n%s", p, debug.Stack())
	return internalError(id, fmt.Sprintf("internal error: panic: %v (at %s)", p, panicSite()))
}

// panicSite is "function file:line" of the frame that panicked when called
// from a deferred recover: the first frame outside the Go runtime below
// runtime.gopanic on the stack.
func panicSite() string {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(1, pcs)])
	inPanic := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			inPanic = true
		case inPanic && !strings.HasPrefix(f.Function, "runtime."):
			return fmt.Sprintf("%s %s:%d", f.Function, filepath.Base(f.File), f.Line)
		}
		if !more {
			return "unknown"
		}
	}
}

// writeLine writes v as one JSON line and flushes it.
func writeLine(w *bufio.Writer, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode reply: %w", err)
	}
	data = append(data, '\n')
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("write stdout: %w", err)
	}
	return w.Flush()
}
