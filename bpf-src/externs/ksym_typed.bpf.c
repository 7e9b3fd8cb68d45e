/* A typed .ksyms extern (a kernel variable with its type) is a BTF-typed pointer into the kernel (ld_imm64 BPF_PSEUDO_BTF_ID). */
#include "conformance.h"

static void *(*const bpf_per_cpu_ptr)(const void *percpu_ptr, __u32 cpu) = (void *)153;

extern const int bpf_prog_active __ksym;

TEST(ksym_typed, "externs.ksym.typed", "pass", "required");
CONFORM(ksym_typed, "requires", "btf_vmlinux,bpf_per_cpu_ptr,ksym_typed_var");
CONFORM(ksym_typed, "desc", "bpf_per_cpu_ptr(&bpf_prog_active, this cpu) accepts the typed extern and gives a readable int");
CONFORM(ksym_typed, "ref", "libbpf bpf_object__resolve_ksym_var_btf_id (vmlinux BTF VAR id into the ld_imm64, src_reg BPF_PSEUDO_BTF_ID)");
SEC("socket")
int ksym_typed(void *ctx)
{
	/* unpatched (no BTF id): the verifier refuses the helper's argument, load error */
	const int *p = bpf_per_cpu_ptr(&bpf_prog_active, bpf_get_smp_processor_id());

	ASSERT_NOT_NULL(p);  /* unpatched (address 0, no BTF id): never reached, the verifier refuses the load */
	ASSERT_GE(*p, 0);  /* unpatched (address 0, no BTF id): never reached, the verifier refuses the load */
	PASS();
}
