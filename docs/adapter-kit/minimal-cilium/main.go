// A minimal bpfconform adapter over cilium/ebpf (docs/writing-an-adapter.md): the
// protocol's required part only (hello; run with pin_root, data_in, repeat; bye/EOF).
// Build: go build -o minimal-cilium .
// Check: bpfconform adapter-check --adapter-command "minimal-go=./minimal-cilium"
package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/cilium/ebpf"
)

type request struct {
	Op      string   `json:"op"`
	ID      *int64   `json:"id"`
	Elf     string   `json:"elf"`
	Program string   `json:"program"`
	PinRoot string   `json:"pin_root"`
	DataIn  *string  `json:"data_in"`
	Repeat  uint32   `json:"repeat"`
	Skip    []string `json:"skip"`
}

type reply struct {
	ID        *int64           `json:"id"`
	Phase     string           `json:"phase"`
	Retval    *uint32          `json:"retval"`
	Errno     *int             `json:"errno"`
	Error     *string          `json:"error"`
	ErrorKind *string          `json:"error_kind"`
	NS        map[string]int64 `json:"ns"`
}

// fail records the failed phase, the errno when the error carries one, and who is to
// blame: "refused" for cilium/ebpf's and the kernel's errors, "internal" for a bad request.
func (r reply) fail(phase, kind string, err error) reply {
	msg := strings.Join(strings.Fields(err.Error()), " ") // one line
	r.Phase, r.Error, r.ErrorKind = phase, &msg, &kind
	var errno syscall.Errno
	if errors.As(err, &errno) {
		n := int(errno)
		r.Errno = &n
	} else if errors.Is(err, os.ErrNotExist) {
		n := int(syscall.ENOENT)
		r.Errno = &n
	}
	return r
}

func run(req request) reply {
	r := reply{ID: req.ID, NS: map[string]int64{}}
	if req.Elf == "" || req.Program == "" || req.DataIn == nil {
		return r.fail("open", "internal", errors.New("bad request: elf, program, data_in"))
	}
	if len(req.Skip) > 0 {
		return r.fail("open", "internal", errors.New("bad request: skip not supported"))
	}
	data, err := hex.DecodeString(*req.DataIn)
	if err != nil {
		return r.fail("open", "internal", fmt.Errorf("bad request: data_in: %w", err))
	}
	start := time.Now()
	spec, err := ebpf.LoadCollectionSpec(req.Elf)
	r.NS["open"] = time.Since(start).Nanoseconds()
	if err != nil {
		return r.fail("open", "refused", err)
	}
	start = time.Now()
	opts := ebpf.CollectionOptions{Maps: ebpf.MapOptions{PinPath: req.PinRoot}}
	coll, err := ebpf.NewCollectionWithOptions(spec, opts)
	r.NS["load"] = time.Since(start).Nanoseconds()
	if err != nil {
		return r.fail("load", "refused", err)
	}
	defer coll.Close() // every fd of the request closed: nothing outlives it
	prog := coll.Programs[req.Program]
	if prog == nil {
		err := fmt.Errorf("%s: no program %s: %w", req.Elf, req.Program, syscall.ENOENT)
		return r.fail("run", "refused", err)
	}
	start = time.Now()
	ret, err := prog.Run(&ebpf.RunOptions{Data: data, Repeat: req.Repeat})
	r.NS["run"] = time.Since(start).Nanoseconds()
	if err != nil {
		return r.fail("run", "refused", err)
	}
	r.Phase, r.Retval = "done", &ret
	return r
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			_ = out.Encode(reply{}.fail("open", "internal", fmt.Errorf("bad request: %w", err)))
			continue
		}
		switch req.Op {
		case "bye":
			return
		case "hello":
			_ = out.Encode(map[string]any{"op": "hello", "protocol": 1, "name": "minimal-go",
				"adapter_version": "0.1", "library": "cilium/ebpf", "library_version": "v0.22.0",
				"supports": []string{"pin_root", "data_in", "repeat"}})
		case "run":
			_ = out.Encode(run(req))
		default:
			_ = out.Encode(reply{ID: req.ID}.fail("open", "internal",
				fmt.Errorf("bad request: op %q", req.Op)))
		}
	}
}
