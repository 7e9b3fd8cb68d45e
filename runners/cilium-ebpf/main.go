// Command bpfconform-cilium-ebpf is the bpfconform adapter for the
// github.com/cilium/ebpf library: it reads JSON Lines requests on stdin
// (docs/adapter-protocol.md, version 1), loads whole ELF objects with
// cilium/ebpf, test-runs one program per request and writes one JSON reply
// line per request on stdout. Diagnostics go to stderr.
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

	"github.com/cilium/ebpf/rlimit"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("bpfconform-cilium-ebpf: ")
	// What a cilium/ebpf user does first; a no-op on kernels that account
	// BPF memory to the cgroup.
	if err := rlimit.RemoveMemlock(); err != nil {
		log.Printf("rlimit.RemoveMemlock: %v", err)
	}
	if err := serve(os.Stdin, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// serve answers requests from in until EOF or {"op": "bye"}.
func serve(in io.Reader, out io.Writer) error {
	r := bufio.NewReader(in)
	w := bufio.NewWriter(out)
	for {
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			reply, bye := handle(line)
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
func handle(line []byte) (reply any, bye bool) {
	var req request
	defer func() {
		// A panic in the adapter or in cilium/ebpf is not the library's
		// verdict on the object: an internal error, and the next request is
		// served (deferred Close calls of the request have run).
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
		return run(req.ID, params), false
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

// panicSite is "function file:line" of the innermost frame outside the Go
// runtime when called from a deferred recover: where the panic happened.
func panicSite() string {
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	for {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, "runtime.") {
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
