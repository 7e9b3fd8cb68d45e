/* A typed per-cpu .ksyms extern works with bpf_this_cpu_ptr, which needs the BTF id of a per-cpu kernel variable (not its address). */
#include "conformance.h"

static void *(*const bpf_per_cpu_ptr)(const void *percpu_ptr, __u32 cpu) = (void *)153;
static void *(*const bpf_this_cpu_ptr)(const void *percpu_ptr) = (void *)154;

extern const int bpf_prog_active __ksym;

TEST(ksym_percpu, "externs.ksym.percpu", "pass", "required");
CONFORM(ksym_percpu, "requires", "btf_vmlinux,bpf_per_cpu_ptr,ksym_typed_var");
CONFORM(ksym_percpu, "desc", "bpf_this_cpu_ptr(&bpf_prog_active) equals bpf_per_cpu_ptr(&bpf_prog_active, current cpu)");
CONFORM(ksym_percpu, "ref", "libbpf bpf_object__resolve_ksym_var_btf_id; kernel check_ld_imm (PTR_TO_PERCPU_BTF_ID)");
SEC("socket")
int ksym_percpu(void *ctx)
{
	/* unpatched (kallsyms address in a plain ld_imm64): a scalar, the verifier refuses it */
	const int *here = bpf_this_cpu_ptr(&bpf_prog_active);
	const int *cpu = bpf_per_cpu_ptr(&bpf_prog_active, bpf_get_smp_processor_id());

	ASSERT_NOT_NULL(cpu);  /* unpatched (resolved like a typeless ksym): never reached, the verifier refuses the load */
	ASSERT((__u64)here == (__u64)cpu);  /* unpatched (resolved like a typeless ksym): never reached, the verifier refuses the load */
	PASS();
}
