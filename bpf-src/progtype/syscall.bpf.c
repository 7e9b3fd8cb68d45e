/* SEC("syscall") loads as BPF_PROG_TYPE_SYSCALL (sleepable): only it may call bpf_btf_find_by_name_kind, which finds struct task_struct in vmlinux BTF. */
#include "conformance.h"

static long (*const bpf_btf_find_by_name_kind)(char *name, int name_sz, __u32 kind,
					       int flags) = (void *)167;

#define BTF_KIND_STRUCT 4

TEST(progtype_syscall, "progtype.syscall", "pass", "required");
CONFORM(progtype_syscall, "data_in", "none");
CONFORM(progtype_syscall, "requires", "prog_type_syscall,btf_vmlinux");
CONFORM(progtype_syscall, "desc", "bpf_btf_find_by_name_kind(task_struct, STRUCT) gives a positive vmlinux BTF id; the run has no data (syscall refuses any)");
CONFORM(progtype_syscall, "ref", "libbpf section_defs (syscall: SYSCALL, SEC_SLEEPABLE); kernel syscall_prog_func_proto, bpf_prog_test_run_syscall");
SEC("syscall")
int progtype_syscall(void *ctx)
{
	char name[] = "task_struct";
	/* a loader typing it SOCKET_FILTER: the helper is refused, load error */
	long id = bpf_btf_find_by_name_kind(name, sizeof(name), BTF_KIND_STRUCT, 0);

	ASSERT_GT(id, 0);  /* unpatched (typed SOCKET_FILTER): never reached, the verifier refuses the load */
	PASS();
}
