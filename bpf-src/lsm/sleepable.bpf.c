/* SEC("lsm.s/<hook>") loads as a sleepable LSM program (BPF_F_SLEEPABLE): it may call bpf_copy_from_user, and once attached it reads the bpf() caller's memory with it. */
#include "conformance.h"
#include "lsm.h"

static long (*const bpf_copy_from_user)(void *dst, __u32 size, const void *user_ptr) = (void *)148;

int hits;
__u64 seen_magic;

CONFORM(lsm_s_bpf_prog, "role", "fixture");
CONFORM(lsm_s_bpf_prog, "desc", "lsm.s/bpf: on a 72-byte BPF_PROG_TEST_RUN copies the first 8 bytes of data_in from user memory with the sleepable-only bpf_copy_from_user");
SEC("lsm.s/bpf")
int lsm_s_bpf_prog(__u64 *ctx)
{
	struct lsm_test_attr t = {};
	__u64 magic = 0;

	if ((int)ctx[0] != BPF_PROG_TEST_RUN)
		return 0;
	if (bpf_probe_read_kernel(&t, sizeof(t), (const void *)ctx[1]))
		return 0;
	if (t.data_size_in != LSM_DATA_LEN)
		return 0;
	if (bpf_copy_from_user(&magic, sizeof(magic), (const void *)t.data_in))
		return 0;
	if (magic != LSM_MAGIC)
		return 0;
	seen_magic = magic;
	hits++;
	return 0;
}

CONFORM(lsm_s_trigger, "role", "fixture");
CONFORM(lsm_s_trigger, "desc", "a socket filter; its test run is a bpf() syscall, the trigger");
SEC("socket")
int lsm_s_trigger(void *ctx)
{
	return 0;
}

TEST(lsm_sleepable, "lsm.sleepable", "pass", "required");
CONFORM(lsm_sleepable, "requires", "lsm_bpf_hook");
CONFORM(lsm_sleepable, "attach", "lsm_s_bpf_prog");
CONFORM(lsm_sleepable, "trigger", "lsm_s_trigger");
CONFORM(lsm_sleepable, "data_in", LSM_DATA_IN);
CONFORM(lsm_sleepable, "desc", "an lsm.s/bpf program calling bpf_copy_from_user loads (BPF_F_SLEEPABLE), is attached, and on the trigger's test run copied LSMCONF1 from the caller's data_in");
CONFORM(lsm_sleepable, "ref", "libbpf section_defs (lsm.s+: LSM, BPF_LSM_MAC, SEC_ATTACH_BTF | SEC_SLEEPABLE), libbpf_prepare_prog_load (BPF_F_SLEEPABLE), bpf_program__attach_lsm; kernel bpf_lsm.c sleepable_lsm_hooks (bpf_lsm_bpf), bpf_copy_from_user_proto");
SEC("socket")
int lsm_sleepable(void *ctx)
{
	/* unpatched (no BPF_F_SLEEPABLE): the verifier refuses bpf_copy_from_user at load;
	 * (loaded, not attached): 0 */
	ASSERT_GE(hits, 1);
	ASSERT_EQ(seen_magic, LSM_MAGIC);
	PASS();
}
