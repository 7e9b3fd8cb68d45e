/* A strong kfunc extern (extern ... __ksym function) is called through its vmlinux BTF id: the open-coded bpf_iter_num iterator counts. */
#include "conformance.h"

struct bpf_iter_num {
	__u64 __opaque[1];
} __attribute__((aligned(8)));

extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;

TEST(kfunc, "externs.kfunc", "pass", "required");
CONFORM(kfunc, "requires", "kfunc_iter_num");
CONFORM(kfunc, "desc", "bpf_iter_num_new/next/destroy (kfuncs every program type may call) sum the numbers 0..4 to 10");
CONFORM(kfunc, "ref", "libbpf bpf_object__resolve_ksym_func_btf_id, bpf_object__relocate_data (RELO_EXTERN_CALL: imm = BTF id, src_reg BPF_PSEUDO_KFUNC_CALL)");
SEC("socket")
int kfunc(void *ctx)
{
	struct bpf_iter_num it;
	int sum = 0;
	int *v;

	/* unpatched (call left to BTF id 0 or poisoned): the verifier refuses, load error */
	bpf_iter_num_new(&it, 0, 5);
	while ((v = bpf_iter_num_next(&it))) {
		sum += *v;  /* no constant counter: the verifier's iterator states converge */
	}
	bpf_iter_num_destroy(&it);
	ASSERT_EQ(sum, 10);  /* unpatched (kfunc call unresolved): never reached, the verifier refuses the load */
	PASS();
}
