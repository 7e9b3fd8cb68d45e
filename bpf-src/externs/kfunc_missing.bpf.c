/* A strong kfunc extern the kernel does not have fails the load, even when the call is dead code (negative test). */
#include "conformance.h"

#ifdef CONFORM_CONTROL
/* Positive control: a kfunc vmlinux BTF has (6.2+; the item requires kfunc_iter_num, which
 * probes for it), called in the same dead branch. */
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
#define KFUNC bpf_rcu_read_lock
#else
extern void bpfconform_no_such_kfunc(void) __ksym;
#define KFUNC bpfconform_no_such_kfunc
#endif

/* Frozen .rodata: the verifier knows the call below is never reached. */
const volatile __u32 kfunc_switch = 0;

TEST(kfunc_missing, "externs.kfunc.missing", "load_error", "required");
CONFORM(kfunc_missing, "control", "define");
CONFORM(kfunc_missing, "requires", "kfunc_iter_num");
CONFORM(kfunc_missing, "desc", "a strong kfunc absent from vmlinux BTF: the load must fail, not be poisoned");
CONFORM(kfunc_missing, "ref", "libbpf bpf_object__resolve_ksym_func_btf_id (extern (func ksym) ...: not found in kernel or module BTFs)");
SEC("socket")
int kfunc_missing(void *ctx)
{
	if (kfunc_switch)
		KFUNC();  /* unpatched (poisoned like a weak one): loads, never runs */
#ifdef CONFORM_CONTROL
	/* the control also calls the kfunc it has, live (and its unlock): the loader resolved
	 * both to their vmlinux BTF ids; loading is the proof, as nothing is returned */
	bpf_rcu_read_lock();  /* control unpatched (call left to BTF id 0 or poisoned): refused by the verifier */
	bpf_rcu_read_unlock();
#endif
	PASS();
}
