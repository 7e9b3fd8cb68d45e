package main

import (
	"errors"
	"fmt"
	"log"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-ebpf-sdk-go/pkg/cache"
	"github.com/aws/aws-ebpf-sdk-go/pkg/elfparser"
)

// maxVerifierLog caps the verifier log in a reply; the tail is kept, since
// the verifier's reason for rejecting a program is at the end.
const maxVerifierLog = 256 << 10

// adapter holds what lives across requests: the SDK client (stateless
// itself; the SDK's map cache is process-wide), the mount namespace and the
// SDK's log.
type adapter struct {
	sdk elfparser.BpfSDKClient
	sb  *sandbox
	log *sdkLog
}

// run loads the whole object the way an SDK user does (LoadBpfFile with no
// custom pin prefix: maps and programs pinned under the SDK's fixed
// directories, here in the adapter's private bpffs, PIN_GLOBAL_NS maps in
// pin_root) and test-runs one program with BPF_PROG_TEST_RUN. Every BPF
// descriptor the request opened is closed before it returns, and every
// program pin removed.
func (a *adapter) run(id *int64, p runParams) runReply {
	reply := runReply{ID: id, NS: map[string]int64{}}
	before := bpfFDs()
	defer closeNewBPFFDs(before)
	if err := a.log.reset(); err != nil {
		return internalError(id, fmt.Sprintf("internal error: %v", err))
	}
	if err := a.sb.bindPinRoot(p.pinRoot); err != nil {
		return internalError(id, fmt.Sprintf("internal error: %v", err))
	}
	defer func() {
		if err := a.sb.cleanup(); err != nil {
			log.Printf("request %d: cleanup: %v", *id, err)
		}
	}()
	facts := scan(p.elf)
	a.reportCacheUse(*id, facts)

	start := time.Now()
	progs, _, err := a.sdk.LoadBpfFile(p.elf, "")
	reply.NS["load"] = time.Since(start).Nanoseconds()
	if err != nil {
		return a.loadFailed(reply, p, facts, err)
	}

	start = time.Now()
	prog, ok := progs[progDir+p.program]
	if !ok {
		reply.NS["run"] = time.Since(start).Nanoseconds()
		return reply.refuse("run", notLoaded(p, facts, progs), errnoOf(syscall.ENOENT))
	}
	retval, err := testRun(prog.Program.ProgFD, p.dataIn, p.repeat)
	reply.NS["run"] = time.Since(start).Nanoseconds()
	if err != nil {
		return reply.refuse("run", fmt.Sprintf("BPF_PROG_TEST_RUN of program %q: %v", p.program, err), errnoIn(err))
	}
	reply.Phase = "done"
	reply.Retval = &retval
	btf := "none"
	if facts.hasBTF {
		btf = "dropped: aws-ebpf-sdk-go loads no BTF (BPF_PROG_LOAD without prog_btf_fd)"
	}
	reply.BTF = &btf
	return reply
}

// loadFailed turns an error of LoadBpfFile into a refusal. The SDK does
// open, parse and load in that one call; its doLoadELF says which step failed
// ("failed to parse sections/maps", "failed to load maps", "failed to parse
// prog" (relocation, after the maps exist), "failed to load progs"); any other
// error is os.Open's or debug/elf's: the open phase.
func (a *adapter) loadFailed(reply runReply, p runParams, facts objectFacts, err error) runReply {
	msg := fmt.Sprintf("LoadBpfFile(%s): %v", p.elf, err)
	phase := "open"
	for _, prefix := range []string{"failed to load maps", "failed to parse prog", "failed to load progs"} {
		if strings.HasPrefix(err.Error(), prefix) {
			phase = "load"
		}
	}
	if strings.HasPrefix(err.Error(), "failed to load progs") {
		lines, lerr := a.log.lines()
		if lerr != nil {
			log.Printf("SDK log: %v", lerr)
		}
		reply.VerifierLog = verifierLog(lines)
		reply.FailedProgram = failedProgram(facts, lines)
		if reply.FailedProgram != nil {
			msg += fmt.Sprintf(" (program %q)", *reply.FailedProgram)
		}
	}
	return reply.refuse(phase, msg, errnoIn(err))
}

// failedProgram is the program whose load failed, when it is certain. The
// SDK returns only the errno; it pins each program right after loading it and
// stops at the first failure, and logs "Attempting to load prog: type=T
// insnCnt=N" before each load: the failed program is the one not pinned
// whose type and size (with or without .text appended) match the last such
// line.
func failedProgram(facts objectFacts, lines []sdkLine) *string {
	progType, insns := "", -1
	for _, l := range lines {
		if rest, ok := strings.CutPrefix(l.Msg, "Attempting to load prog: "); ok {
			if _, err := fmt.Sscanf(rest, "type=%s insnCnt=%d", &progType, &insns); err != nil {
				progType, insns = "", -1
			}
		}
	}
	pinned := pinnedPrograms()
	var match []string
	for _, c := range facts.candidates {
		if pinned[c.name] || c.progType != progType || (insns != c.insns && insns != c.insns+facts.textInsns) {
			continue
		}
		match = append(match, c.name)
	}
	if len(match) != 1 {
		return nil
	}
	return &match[0]
}

// notLoaded says why the requested program is not among the SDK's programs
// (a refusal with ENOENT: the object loaded, the program is not there).
func notLoaded(p runParams, facts objectFacts, progs map[string]elfparser.BpfData) string {
	loaded := make([]string, 0, len(progs))
	for pin := range progs {
		loaded = append(loaded, strings.TrimPrefix(pin, progDir))
	}
	sort.Strings(loaded)
	have := "(the SDK loaded no program)"
	if len(loaded) > 0 {
		have = fmt.Sprintf("(the SDK loaded: %s)", strings.Join(loaded, ", "))
	}
	section, found := facts.section[p.program]
	switch {
	case !found:
		return fmt.Sprintf("%s: no program %q %s", p.elf, p.program, have)
	case !sdkSectionName(section):
		return fmt.Sprintf("%s: program %q is in section %q, which aws-ebpf-sdk-go does not load: elfparser isProgTypeSupported takes only %s and skips any other section without an error %s",
			p.elf, p.program, section, supportedList, have)
	default:
		return fmt.Sprintf("%s: program %q (section %q) is not among the programs the SDK loaded: parseProg takes only STB_GLOBAL functions %s",
			p.elf, p.program, section, have)
	}
}

// reportCacheUse says on stderr when a map relocation of the object can only
// resolve through the SDK's process-wide map cache (elfparser sdkCache: map
// name -> fd of every map an earlier LoadBpfFile created; the adapter closed
// those fds, so the number may name another object now). The reply is the
// SDK's, unchanged: the state it carries between requests is not hidden.
func (a *adapter) reportCacheUse(id int64, facts objectFacts) {
	c := cache.Get()
	for _, name := range facts.relocNames {
		if fd, ok := c.Get(name); ok {
			log.Printf("request %d: relocation against %q resolves through the SDK's process-wide map cache (fd %d, opened by an earlier request)", id, name, fd)
		}
	}
}

func errnoOf(e syscall.Errno) *int {
	n := int(e)
	return &n
}

// errnoIn is the errno found in err's chain, or nil (the SDK formats some
// errnos into text: CreateBPFMap's "unable to create map: %s").
func errnoIn(err error) *int {
	var e syscall.Errno
	if errors.As(err, &e) {
		return errnoOf(e)
	}
	return nil
}
