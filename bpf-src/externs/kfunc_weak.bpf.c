/* A __weak kfunc extern: bpf_ksym_exists() is true for one the kernel has and false for one it lacks, and the object loads. */
#include "conformance.h"

/* libbpf's bpf_ksym_exists, without the static assertion */
#define bpf_ksym_exists(sym) (!!(sym))

extern void bpf_rcu_read_lock(void) __ksym __weak;
extern void bpf_rcu_read_unlock(void) __ksym __weak;
extern void bpfconform_no_such_kfunc(void) __ksym __weak;

TEST(kfunc_weak, "externs.kfunc.weak", "pass", "required");
CONFORM(kfunc_weak, "requires", "kfunc_iter_num");
CONFORM(kfunc_weak, "desc", "bpf_ksym_exists(bpf_rcu_read_lock) is true, bpf_ksym_exists(a missing kfunc) is false; the guarded calls load");
CONFORM(kfunc_weak, "ref", "libbpf bpf_object__resolve_ksym_func_btf_id (weak: unresolved is not an error), RELO_EXTERN_LD64 of a FUNC (BPF_PSEUDO_BTF_ID), poisoned calls");
SEC("socket")
int kfunc_weak(void *ctx)
{
	ASSERT(bpf_ksym_exists(bpf_rcu_read_lock));    /* unpatched (left unresolved): false */
	ASSERT(bpf_ksym_exists(bpf_rcu_read_unlock));
	ASSERT(!bpf_ksym_exists(bpfconform_no_such_kfunc));
	if (bpf_ksym_exists(bpf_rcu_read_lock) && bpf_ksym_exists(bpf_rcu_read_unlock)) {
		bpf_rcu_read_lock();
		bpf_rcu_read_unlock();
	}
	if (bpf_ksym_exists(bpfconform_no_such_kfunc))
		bpfconform_no_such_kfunc();  /* poisoned, dead: the verifier prunes it */
	PASS();
}
