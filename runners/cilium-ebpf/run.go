package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"strings"
	"syscall"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/link"
)

// maxVerifierLog caps the verifier log in a reply; the tail is kept, since
// the verifier's reason for rejecting a program is at the end.
const maxVerifierLog = 256 << 10

// run loads the whole object the way a cilium/ebpf user would
// (LoadCollectionSpec, then NewCollectionWithOptions) and test-runs one
// program. Everything it creates is closed before it returns; pinned maps
// stay under pin_root, which the harness removes.
func run(id *int64, p runParams) runReply {
	reply := runReply{ID: id, NS: map[string]int64{}}

	start := time.Now()
	spec, err := ebpf.LoadCollectionSpec(p.elf)
	reply.NS["open"] = time.Since(start).Nanoseconds()
	if err != nil {
		return reply.fail("open", err)
	}
	if spec.Types == nil {
		none := "none"
		reply.BTF = &none
	}

	start = time.Now()
	if p.autoloadOnly {
		// autoload_only: the collection holds only this ProgramSpec (its
		// subprograms are linked in at load), as a user loading one program would
		if spec.Programs[p.program] == nil {
			reply.NS["load"] = time.Since(start).Nanoseconds()
			return reply.fail("load", fmt.Errorf("%s: no program %q: %w", p.elf, p.program, syscall.ENOENT))
		}
		spec = spec.Copy()
		for name := range spec.Programs {
			if name != p.program {
				delete(spec.Programs, name)
			}
		}
	}
	opts := ebpf.CollectionOptions{Maps: ebpf.MapOptions{PinPath: p.pinRoot}}
	if p.btfCustomPath != "" {
		kernelTypes, err := btf.LoadSpec(p.btfCustomPath)
		if err != nil {
			reply.NS["load"] = time.Since(start).Nanoseconds()
			return reply.fail("load", fmt.Errorf("btf_custom_path %s: %w", p.btfCustomPath, err))
		}
		opts.Programs.KernelTypes = kernelTypes
	}
	// LogLevel stays 0: cilium/ebpf loads without a log and, if the kernel
	// rejects the program, loads again with LogLevelBranch, growing the
	// buffer from LogSizeStart until the whole log fits.
	setLogSizeStart(&opts.Programs, 64<<10)
	coll, err := ebpf.NewCollectionWithOptions(spec, opts)
	reply.NS["load"] = time.Since(start).Nanoseconds()
	if err != nil {
		return reply.fail("load", err)
	}
	defer coll.Close()

	// docs/adapter-protocol.md "Attach": cilium/ebpf's attach call for each
	// listed program (a refusal is a load failure of that program), then one
	// test run of the trigger; the links stay open until the checked program ran
	links, failed := attachAll(spec, coll, p.attach)
	defer func() {
		for _, l := range links {
			l.Close()
		}
	}()
	if failed != nil && failed.internal {
		r := internalError(id, failed.err.Error())
		r.Phase, r.NS = "load", reply.NS
		return r
	}
	if failed != nil {
		r := reply.fail("load", failed.err)
		r.FailedProgram = failed.program
		return r
	}
	runOpts := ebpf.RunOptions{Data: p.dataIn, Repeat: p.repeat}
	if p.ctxIn != nil {
		runOpts.Context = p.ctxIn // binary.Append of a []byte: the bytes as they are
	}
	if p.trigger != "" {
		trigger := coll.Programs[p.trigger]
		if trigger == nil {
			return reply.fail("run", fmt.Errorf("%s: trigger program %q not in collection: %w",
				p.elf, p.trigger, syscall.ENOENT))
		}
		triggerOpts := runOpts
		if _, err := trigger.Run(&triggerOpts); err != nil {
			return reply.fail("run", fmt.Errorf("trigger program %q: %w", p.trigger, err))
		}
	}

	// docs/adapter-protocol.md "Iterators": link.AttachIter (a refusal is a load
	// failure of that program), then the iterator read to its end, before the run
	if p.readIter != "" {
		if r, failed := readIter(reply, coll, p.elf, p.readIter); failed {
			return r
		}
	}

	// docs/adapter-protocol.md "Extensions": the extension's ProgramSpec.AttachTarget
	// set to the checked program, NewCollection, link.AttachFreplace (a refusal is a
	// load failure of the extension program); both stay open until the run is done
	if p.extELF != "" {
		closeExt, r, failed := loadExtension(reply, coll, p)
		defer closeExt()
		if failed {
			return r
		}
	}

	start = time.Now()
	prog := coll.Programs[p.program]
	if prog == nil {
		reply.NS["run"] = time.Since(start).Nanoseconds()
		// ENOENT, as libbpf's bpf_object__find_program_by_name
		return reply.fail("run", fmt.Errorf("%s: program %q not in collection (have %s): %w",
			p.elf, p.program, strings.Join(programNames(coll), ", "), syscall.ENOENT))
	}
	runNS := time.Since(start)
	if p.info {
		info, err := collectInfo(coll, prog)
		if err != nil {
			log.Printf("request %v: info: %v", *id, err)
		}
		reply.Info = info
	}
	start = time.Now()
	retval, err := prog.Run(&runOpts)
	reply.NS["run"] = (runNS + time.Since(start)).Nanoseconds()
	if err != nil {
		return reply.fail("run", fmt.Errorf("program %q: %w", p.program, err))
	}
	reply.Phase = "done"
	reply.Retval = &retval
	if spec.Types != nil {
		reply.BTF = btfState(prog)
	}
	return reply
}

// attachFailure is a refused attach (the program and cilium/ebpf's error),
// or, internal, a program type the adapter has no attach call for.
type attachFailure struct {
	program  *string
	err      error
	internal bool
}

// attachAll attaches each named program of coll with cilium/ebpf's attach
// call for its type: link.AttachTracing for Tracing programs (fentry, fexit,
// fmod_ret and tp_btf, with the attach type and the target ProgramSpec
// resolved at load), link.AttachLSM for LSM programs. It returns the links
// made so far and the first failure.
func attachAll(spec *ebpf.CollectionSpec, coll *ebpf.Collection, names []string) ([]link.Link, *attachFailure) {
	var links []link.Link
	for _, name := range names {
		name := name
		prog, ps := coll.Programs[name], spec.Programs[name]
		if prog == nil || ps == nil {
			return links, &attachFailure{nil, fmt.Errorf("program %q to attach not in collection: %w",
				name, syscall.ENOENT), false}
		}
		var l link.Link
		var err error
		switch prog.Type() {
		case ebpf.Tracing:
			l, err = link.AttachTracing(link.TracingOptions{Program: prog, AttachType: ps.AttachType})
		case ebpf.LSM:
			l, err = link.AttachLSM(link.LSMOptions{Program: prog})
		default:
			return links, &attachFailure{&name, fmt.Errorf("the adapter attaches Tracing and LSM programs only, not %q (%s)",
				name, prog.Type()), true}
		}
		if err != nil {
			return links, &attachFailure{&name, fmt.Errorf("attach %q (%s): %w", name, ps.SectionName, err), false}
		}
		links = append(links, l)
	}
	return links, nil
}

// readIter makes the iterator of coll's program name with link.AttachIter and
// reads it to its end with Iter.Open; on failure it returns the reply to send.
func readIter(reply runReply, coll *ebpf.Collection, elf, name string) (runReply, bool) {
	prog := coll.Programs[name]
	if prog == nil {
		return reply.fail("load", fmt.Errorf("%s: iterator program %q not in collection: %w",
			elf, name, syscall.ENOENT)), true
	}
	it, err := link.AttachIter(link.IterOptions{Program: prog})
	if err != nil {
		r := reply.fail("load", fmt.Errorf("attach iterator %q: %w", name, err))
		r.FailedProgram = &name
		return r, true
	}
	defer it.Close()
	rd, err := it.Open()
	if err != nil {
		return reply.fail("run", fmt.Errorf("open iterator %q: %w", name, err)), true
	}
	defer rd.Close()
	if _, err := io.Copy(io.Discard, rd); err != nil {
		return reply.fail("run", fmt.Errorf("read iterator %q: %w", name, err)), true
	}
	return reply, false
}

// loadExtension loads p's extension object against coll's program p.program
// and attaches it with link.AttachFreplace; it returns what closes both and, on
// failure, the reply to send.
func loadExtension(reply runReply, coll *ebpf.Collection, p runParams) (func(), runReply, bool) {
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	target := coll.Programs[p.program]
	if target == nil {
		return closeAll, reply.fail("load", fmt.Errorf("%s: program %q to extend not in collection: %w",
			p.elf, p.program, syscall.ENOENT)), true
	}
	spec, err := ebpf.LoadCollectionSpec(p.extELF)
	if err != nil {
		return closeAll, reply.fail("load", fmt.Errorf("extension object %s: %w", p.extELF, err)), true
	}
	ps := spec.Programs[p.extProgram]
	if ps == nil {
		return closeAll, reply.fail("load", fmt.Errorf("%s: extension program %q not in collection: %w",
			p.extELF, p.extProgram, syscall.ENOENT)), true
	}
	ps.AttachTarget = target
	ext, err := ebpf.NewCollection(spec)
	if err != nil {
		r := reply.fail("load", fmt.Errorf("extension %s: %w", p.extELF, err))
		r.FailedProgram = &p.extProgram
		return closeAll, r, true
	}
	closers = append(closers, ext.Close)
	l, err := link.AttachFreplace(target, ps.AttachTo, ext.Programs[p.extProgram])
	if err != nil {
		r := reply.fail("load", fmt.Errorf("attach extension %q to %s: %w", p.extProgram, ps.AttachTo, err))
		r.FailedProgram = &p.extProgram
		return closeAll, r, true
	}
	closers = append(closers, func() { l.Close() })
	return closeAll, reply, false
}

// btfState says whether the kernel holds the object's BTF for the program
// (cilium/ebpf leaves BTF out when the kernel lacks support), from the
// program's BTF id. It runs after the timed phases.
func btfState(prog *ebpf.Program) *string {
	state := "loaded"
	info, err := prog.Info()
	switch {
	case err != nil:
		state = "unknown: " + err.Error()
	case !hasBTFID(info):
		state = "dropped: the kernel reports no BTF id for the program"
	}
	return &state
}

func hasBTFID(info *ebpf.ProgramInfo) bool {
	_, ok := info.BTFID()
	return ok
}

// fail fills in a refusal: the failing phase, the error line, the errno and
// the verifier log found anywhere in err's chain. Only errors cilium/ebpf's
// LoadCollectionSpec, btf.LoadSpec, NewCollectionWithOptions and Run returned
// (or a program the collection lacks) come here.
func (r runReply) fail(phase string, err error) runReply {
	r.Phase = phase
	// One line: cilium/ebpf's message already ends with the verifier's last
	// line(s); the whole log goes into its own field.
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	var verr *ebpf.VerifierError
	if errors.As(err, &verr) {
		log := strings.Join(verr.Log, "\n")
		if len(log) > maxVerifierLog {
			log = "...\n" + log[len(log)-maxVerifierLog:]
		}
		if log != "" {
			r.VerifierLog = &log
		}
	}
	r.Error = &msg
	kind := errRefused
	r.ErrorKind = &kind
	var errno syscall.Errno
	if errors.As(err, &errno) {
		n := int(errno)
		r.Errno = &n
	}
	return r
}

// programNames lists the programs of a collection, for error messages.
func programNames(coll *ebpf.Collection) []string {
	names := make([]string, 0, len(coll.Programs))
	for name := range coll.Programs {
		names = append(names, name)
	}
	return names
}
