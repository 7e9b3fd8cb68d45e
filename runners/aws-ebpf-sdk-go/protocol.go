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
	AutoloadOnly  bool     `json:"autoload_only"`
}

// runParams are the checked inputs of a run request.
type runParams struct {
	elf     string
	program string
	pinRoot string
	dataIn  []byte
	repeat  uint32
}

// params validates a run request. A field hello does not list is refused
// here (internal): the harness never sends one, and honouring it silently
// would be a lie.
func (r *request) params() (runParams, error) {
	p := runParams{elf: r.ELF, program: r.Program, pinRoot: r.PinRoot, dataIn: defaultDataIn, repeat: 1}
	switch {
	case r.ID == nil:
		return p, errors.New("run request without id")
	case r.ELF == "":
		return p, errors.New("run request without elf")
	case r.Program == "":
		return p, errors.New("run request without program")
	case r.PinRoot == "":
		return p, errors.New("run request without pin_root")
	case len(r.Skip) > 0:
		return p, fmt.Errorf("skip %v is not supported: only the reference loader can skip behaviours", r.Skip)
	case r.BTFCustomPath != nil && *r.BTFCustomPath != "":
		return p, errors.New("btf_custom_path is not supported: aws-ebpf-sdk-go does no CO-RE and takes no target BTF")
	case r.CtxIn != nil:
		return p, errors.New("ctx_in is not supported (not in hello's supports)")
	case r.AutoloadOnly:
		return p, errors.New("autoload_only is not supported: LoadBpfFile loads every program it knows")
	}
	if r.DataIn != nil {
		data, err := hex.DecodeString(*r.DataIn)
		if err != nil {
			return p, fmt.Errorf("data_in is not hex: %w", err)
		}
		if len(data) == 0 {
			return p, errors.New("no_data (empty data_in) is not supported (not in hello's supports)")
		}
		p.dataIn = data
	}
	if r.Repeat != nil {
		p.repeat = *r.Repeat
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
type runReply struct {
	ID            *int64           `json:"id"`
	Phase         string           `json:"phase"`
	Retval        *uint32          `json:"retval"`
	Errno         *int             `json:"errno"`
	Error         *string          `json:"error"`
	VerifierLog   *string          `json:"verifier_log"`
	BTF           *string          `json:"btf,omitempty"`
	NS            map[string]int64 `json:"ns"`
	ErrorKind     *string          `json:"error_kind,omitempty"`
	FailedProgram *string          `json:"failed_program,omitempty"`
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
	msg = oneLine(msg)
	return runReply{ID: id, Phase: "open", Error: &msg, NS: map[string]int64{}, ErrorKind: &kind}
}

// refuse fills in a refusal of the object by the SDK or the kernel.
func (r runReply) refuse(phase, msg string, errno *int) runReply {
	r.Phase = phase
	msg = oneLine(msg)
	r.Error = &msg
	kind := errRefused
	r.ErrorKind = &kind
	r.Errno = errno
	return r
}

func oneLine(s string) string {
	return strings.ReplaceAll(s, "\n", " ")
}

// decodeRequest parses one line. On a type error the fields decoded so far
// (notably id) are kept, so the error reply can still carry the id.
func decodeRequest(line []byte) (request, error) {
	var r request
	err := json.Unmarshal(line, &r)
	return r, err
}
