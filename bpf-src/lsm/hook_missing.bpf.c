/* A SEC("lsm/<hook>") whose bpf_lsm_<hook> vmlinux BTF lacks fails the object's load (negative test). */
#include "conformance.h"
#include "lsm.h"

#ifdef CONFORM_CONTROL
/* Positive control: a hook vmlinux BTF has (bpf_lsm_bpf, fired by every bpf() call) */
#define LSM_SEC "lsm/bpf"
#else
/* the defect: no kernel has this LSM hook */
#define LSM_SEC "lsm/bpf_conform_no_such_hook"
#endif

int hits;

CONFORM(lsm_missing_prog, "role", "fixture");
CONFORM(lsm_missing_prog, "desc", "an lsm program on an unknown hook (control: bpf): counts the marked BPF_PROG_TEST_RUNs");
SEC(LSM_SEC)
int lsm_missing_prog(__u64 *ctx)
{
	struct lsm_test_attr t = {};

	if ((int)ctx[0] != BPF_PROG_TEST_RUN)
		return 0;
	if (bpf_probe_read_kernel(&t, sizeof(t), (const void *)ctx[1]))
		return 0;
	if (t.data_size_in != LSM_DATA_LEN)
		return 0;
	hits++;
	return 0;
}

CONFORM(lsm_missing_trigger, "role", "fixture");
CONFORM(lsm_missing_trigger, "desc", "a socket filter; its test run is a bpf() syscall, the trigger");
SEC("socket")
int lsm_missing_trigger(void *ctx)
{
	return 0;
}

TEST(lsm_hook_missing, "lsm.hook.missing", "load_error", "required");
CONFORM(lsm_hook_missing, "control", "define");
CONFORM(lsm_hook_missing, "requires", "lsm_bpf_hook");
CONFORM(lsm_hook_missing, "attach", "lsm_missing_prog");
CONFORM(lsm_hook_missing, "trigger", "lsm_missing_trigger");
CONFORM(lsm_hook_missing, "data_in", LSM_DATA_IN);
CONFORM(lsm_hook_missing, "desc", "lsm on a hook vmlinux BTF does not have (no FUNC bpf_lsm_bpf_conform_no_such_hook): the object is refused; in the control the hook is bpf, attached, and it ran on the trigger's test run");
CONFORM(lsm_hook_missing, "ref", "libbpf libbpf_prepare_prog_load -> libbpf_find_attach_btf_id (BTF_LSM_PREFIX; -ESRCH: the program and so the object fail to load)");
SEC("socket")
int lsm_hook_missing(void *ctx)
{
	ASSERT_GE(hits, 1);  /* control unpatched (not attached): 0 */
	PASS();
}
