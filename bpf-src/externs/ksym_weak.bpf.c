/* A __weak .ksyms extern the kernel lacks reads as address 0 (typed, typeless, prefix of a symbol); a present weak one resolves. */
#include "conformance.h"

extern const void bpfconform_no_such_ksym __ksym __weak;
extern const int bpfconform_no_such_typed_ksym __ksym __weak;
/* no kernel symbol is named bpf_prog_pu, but bpf_prog_put (in kallsyms on every kernel, below) starts with it */
extern const void bpf_prog_pu __ksym __weak;
extern const void bpf_prog_put __ksym __weak;

TEST(ksym_weak, "externs.ksym.weak", "pass", "required");
CONFORM(ksym_weak, "desc", "weak missing typeless and typed ksyms are NULL and the object loads, bpf_prog_pu too (a prefix of bpf_prog_put); weak present bpf_prog_put is a kernel address");
CONFORM(ksym_weak, "ref", "libbpf bpf_object__resolve_externs (weak ksym not found: address 0, no error)");
SEC("socket")
int ksym_weak(void *ctx)
{
	__u64 missing = (__u64)&bpfconform_no_such_ksym;
	__u64 typed = (__u64)&bpfconform_no_such_typed_ksym;
	__u64 prefix = (__u64)&bpf_prog_pu;
	__u64 present = (__u64)&bpf_prog_put;

	barrier_var(missing);
	barrier_var(typed);
	barrier_var(prefix);
	barrier_var(present);
	/* a loader treating weak like strong: load error */
	ASSERT_EQ(missing, 0);  /* unpatched (weak treated as strong): never reached, the loader refuses the load */
	ASSERT_EQ(typed, 0);  /* unpatched (weak treated as strong): never reached, the loader refuses the load */
	/* a loader reading kallsyms by prefix: the address of the first bpf_prog_pu* symbol */
	ASSERT_EQ(prefix, 0);  /* unpatched (kallsyms line found by prefix): a kernel address */
	ASSERT_EQ(present >> 32, 0xffffffff);  /* unpatched: 0 */
	PASS();
}
