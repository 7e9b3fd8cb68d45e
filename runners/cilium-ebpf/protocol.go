package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// protocolVersion is the adapter protocol version this adapter speaks
// (docs/adapter-protocol.md).
const protocolVersion = 1

// defaultDataIn is what the harness sends when a program's .conform says
// nothing else: 64 zero bytes.
var defaultDataIn = make([]byte, 64)

// request is one decoded request line. Pointer fields tell "absent" from
// "zero"; unknown fields are ignored.
type request struct {
	Op            string   `json:"op"`
	ID            *int64   `json:"id"`
	ELF           string   `json:"elf"`
	Program       string   `json:"program"`
	PinRoot       string   `json:"pin_root"`
	BTFCustomPath *string  `json:"btf_custom_path"`
	DataIn        *string  `json:"data_in"`
	CtxIn         *string  `json:"ctx_in"`
	Repeat        *uint32  `json:"repeat"`
	Skip          []string `json:"skip"`
	Info          bool     `json:"info"`
	AutoloadOnly  bool     `json:"autoload_only"`
	Attach        []string `json:"attach"`
	Trigger       *string  `json:"trigger"`
	ReadIter      *string  `json:"read_iter"`
	Extension     *struct {
		ELF     string `json:"elf"`
		Program string `json:"program"`
	} `json:"extension"`
}

// runParams are the checked inputs of a run request.
type runParams struct {
	elf           string
	program       string
	pinRoot       string
	btfCustomPath string
	dataIn        []byte
	ctxIn         []byte // nil: no ctx_in
	repeat        uint32
	info          bool
	autoloadOnly  bool     // load only this program (the others' ProgramSpecs left out)
	attach        []string // programs to attach after the load (protocol "Attach")
	trigger       string   // a program test-run once after attaching ("": none)
	readIter      string   // an iterator program read to its end before the run ("": none)
	extELF        string   // the extension (freplace) object ("": none)
	extProgram    string   // its program, loaded against program and attached
}

// params validates a run request.
func (r *request) params() (runParams, error) {
	p := runParams{elf: r.ELF, program: r.Program, pinRoot: r.PinRoot, dataIn: defaultDataIn, repeat: 1,
		info: r.Info, autoloadOnly: r.AutoloadOnly, attach: r.Attach}
	if r.ID == nil {
		return p, errors.New("run request without id")
	}
	if r.ELF == "" {
		return p, errors.New("run request without elf")
	}
	if r.Program == "" {
		return p, errors.New("run request without program")
	}
	if len(r.Skip) > 0 {
		return p, fmt.Errorf("skip %v is not supported: only the reference loader can skip behaviours", r.Skip)
	}
	if r.BTFCustomPath != nil {
		p.btfCustomPath = *r.BTFCustomPath
	}
	if r.DataIn != nil {
		data, err := hex.DecodeString(*r.DataIn)
		if err != nil {
			return p, fmt.Errorf("data_in is not hex: %w", err)
		}
		p.dataIn = data
		if len(data) == 0 {
			p.dataIn = nil // no data (protocol "No data"): raw_tp and syscall refuse any
		}
	}
	if r.CtxIn != nil {
		ctx, err := hex.DecodeString(*r.CtxIn)
		if err != nil {
			return p, fmt.Errorf("ctx_in is not hex: %w", err)
		}
		if len(ctx) > 0 {
			p.ctxIn = ctx // sk_lookup's struct bpf_sk_lookup
		}
	}
	if r.Trigger != nil {
		if *r.Trigger == "" {
			return p, errors.New("trigger must be a program name")
		}
		p.trigger = *r.Trigger
	}
	if r.ReadIter != nil {
		if *r.ReadIter == "" {
			return p, errors.New("read_iter must be a program name")
		}
		p.readIter = *r.ReadIter
	}
	if r.Extension != nil {
		if r.Extension.ELF == "" || r.Extension.Program == "" {
			return p, errors.New(`extension must be {"elf": path, "program": name}`)
		}
		p.extELF, p.extProgram = r.Extension.ELF, r.Extension.Program
	}
	if r.Repeat != nil {
		p.repeat = *r.Repeat // 0 is the kernel's "once"; no-data runs need it
	}
	return p, nil
}

// helloReply answers {"op": "hello"}.
type helloReply struct {
	Op             string   `json:"op"`
	Protocol       int      `json:"protocol"`
	Name           string   `json:"name"`
	AdapterVersion string   `json:"adapter_version"`
	Library        string   `json:"library"`
	LibraryVersion string   `json:"library_version"`
	Supports       []string `json:"supports"`
}

// runReply answers a run request (and any request that could not be parsed).
// Every field is always written; null where the protocol says so.
type runReply struct {
	ID          *int64           `json:"id"`
	Phase       string           `json:"phase"`
	Retval      *uint32          `json:"retval"`
	Errno       *int             `json:"errno"`
	Error       *string          `json:"error"`
	VerifierLog *string          `json:"verifier_log"`
	BTF         *string          `json:"btf,omitempty"`
	Info        *objectInfo      `json:"info,omitempty"`
	NS          map[string]int64 `json:"ns"`
	// ErrorKind is set on every failure: errRefused when cilium/ebpf (or the
	// kernel through it) returned the error, errInternal when the adapter
	// could not serve the request (bad request, panic).
	ErrorKind *string `json:"error_kind,omitempty"`
	// FailedProgram names the program whose attach was refused.
	FailedProgram *string `json:"failed_program,omitempty"`
}

// The values of a failed reply's error_kind.
const (
	errRefused  = "refused"
	errInternal = "internal"
)

// badRequest is the reply to a request the adapter cannot honour: internal,
// never a refusal of the object.
func badRequest(id *int64, err error) runReply {
	return internalError(id, "bad request: "+err.Error())
}

// internalError is a failed reply that is not the library's verdict.
func internalError(id *int64, msg string) runReply {
	kind := errInternal
	msg = strings.ReplaceAll(msg, "\n", " ")
	return runReply{ID: id, Phase: "open", Error: &msg, NS: map[string]int64{}, ErrorKind: &kind}
}

// decodeRequest parses one line. On a type error the fields decoded so far
// (notably id) are kept, so the error reply can still carry the id.
func decodeRequest(line []byte) (request, error) {
	var r request
	err := json.Unmarshal(line, &r)
	return r, err
}
