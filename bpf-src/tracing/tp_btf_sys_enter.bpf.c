/* SEC("tp_btf/sys_enter") resolves the raw_syscalls tracepoint's `btf_trace_sys_enter` typedef, and the attached program reads its typed argument `long id`: the bpf() calls of the test runs that follow are among the syscalls it sees. */
#include "conformance.h"

/* TRACE_EVENT_FN(sys_enter, TP_PROTO(struct pt_regs *regs, long id)): ctx[0] regs, ctx[1] id */
enum {
	CONFORM_NR_BPF_X86_64 = 321,
};

__u32 bpf_calls;
__u32 other_calls;

CONFORM(on_sys_enter, "role", "fixture");
CONFORM(on_sys_enter, "desc", "tp_btf on sys_enter(struct pt_regs *regs, long id): counts bpf() calls (id 321 on x86-64) and the others");
SEC("tp_btf/sys_enter")
int on_sys_enter(__u64 *ctx)
{
	if ((long)ctx[1] == CONFORM_NR_BPF_X86_64)
		bpf_calls++;
	else
		other_calls++;
	return 0;
}

CONFORM(sys_enter_trigger, "role", "fixture");
CONFORM(sys_enter_trigger, "desc", "a socket filter whose test run is a bpf() call; the trigger");
SEC("socket")
int sys_enter_trigger(void *ctx)
{
	return 0;
}

TEST(tp_btf_sys_enter, "tracing.tp_btf", "pass", "required");
CONFORM(tp_btf_sys_enter, "attach", "on_sys_enter");
CONFORM(tp_btf_sys_enter, "trigger", "sys_enter_trigger");
CONFORM(tp_btf_sys_enter, "desc", "a tp_btf program on sys_enter attached by the library; the trigger's and this program's test runs are bpf() calls: it saw at least one with id 321 (BPF_PROG_TEST_RUN's syscall)");
CONFORM(tp_btf_sys_enter, "ref", "libbpf section_defs (tp_btf+), find_attach_btf_id (btf_trace_sys_enter, a TYPEDEF), bpf_program__attach_trace; kernel include/trace/events/syscalls.h, btf_ctx_access (the typedef's prototype gives ctx[1] the type long)");
SEC("socket")
int tp_btf_sys_enter(void *ctx)
{
	ASSERT_GE(bpf_calls, 1);  /* unpatched (loaded, not attached): 0 */
	PASS();
}
