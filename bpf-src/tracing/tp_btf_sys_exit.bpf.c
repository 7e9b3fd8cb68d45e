/* SEC("tp_btf/sys_exit") gives the program sys_exit's typed arguments (struct pt_regs *regs, long ret): the verifier types regs as a kernel struct pointer, read through CO-RE; the bpf() calls of the test runs that follow exit through it. */
#include "conformance.h"

enum {
	CONFORM_NR_BPF_X86_64 = 321,
};

/* arch/x86/include/asm/ptrace.h, the one member read (CO-RE) */
struct pt_regs {
	unsigned long orig_ax;
} __core_pai;

__u32 bpf_exits;
__u32 bpf_exits_ok;

CONFORM(on_sys_exit, "role", "fixture");
CONFORM(on_sys_exit, "desc", "tp_btf on sys_exit(struct pt_regs *regs, long ret): counts bpf() exits (regs->orig_ax 321 on x86-64) and those that returned 0");
SEC("tp_btf/sys_exit")
int on_sys_exit(__u64 *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx[0];

	if (regs->orig_ax != CONFORM_NR_BPF_X86_64)
		return 0;
	bpf_exits++;
	if ((long)ctx[1] == 0)
		bpf_exits_ok++;
	return 0;
}

CONFORM(sys_exit_trigger, "role", "fixture");
CONFORM(sys_exit_trigger, "desc", "a socket filter whose test run is a bpf() call returning 0; the trigger");
SEC("socket")
int sys_exit_trigger(void *ctx)
{
	return 0;
}

TEST(tp_btf_sys_exit, "tracing.tp_btf", "pass", "required");
CONFORM(tp_btf_sys_exit, "attach", "on_sys_exit");
CONFORM(tp_btf_sys_exit, "trigger", "sys_exit_trigger");
CONFORM(tp_btf_sys_exit, "desc", "a tp_btf program on sys_exit attached by the library; the trigger's test run exits bpf() with 0: the program read the syscall number through the typed struct pt_regs pointer (321) and the typed return value (0) at least once");
CONFORM(tp_btf_sys_exit, "ref", "libbpf section_defs (tp_btf+), find_attach_btf_id (btf_trace_sys_exit), bpf_program__attach_trace; kernel btf_ctx_access (ctx[0] a PTR_TO_BTF_ID of struct pt_regs), include/trace/events/syscalls.h");
SEC("socket")
int tp_btf_sys_exit(void *ctx)
{
	ASSERT_GE(bpf_exits, 1);  /* unpatched (loaded, not attached): 0 */
	ASSERT_GE(bpf_exits_ok, 1);  /* unpatched (loaded, not attached): 0 */
	PASS();
}
