/* SEC("lsm/<hook>") resolves bpf_lsm_<hook> in vmlinux BTF (BPF_PROG_TYPE_LSM, BPF_LSM_MAC) and the library's attach links it: an lsm/bpf program runs on each bpf() syscall with its typed arguments. */
#include "conformance.h"
#include "lsm.h"

int hits;
__u32 seen_size;
__u32 seen_len;

CONFORM(lsm_bpf_prog, "role", "fixture");
CONFORM(lsm_bpf_prog, "desc", "lsm/bpf: on the marked BPF_PROG_TEST_RUN (cmd, attr->test, the user's data_in) counts and records the attr size");
SEC("lsm/bpf")
int lsm_bpf_prog(__u64 *ctx)
{
	struct lsm_test_attr t = {};
	__u64 magic = 0;

	if ((int)ctx[0] != BPF_PROG_TEST_RUN)
		return 0;
	if (bpf_probe_read_kernel(&t, sizeof(t), (const void *)ctx[1]))
		return 0;
	if (t.data_size_in != LSM_DATA_LEN)
		return 0;
	if (bpf_probe_read_user(&magic, sizeof(magic), (const void *)t.data_in))
		return 0;
	if (magic != LSM_MAGIC)
		return 0;
	seen_len = t.data_size_in;
	seen_size = (__u32)ctx[2];
	hits++;
	return 0;
}

CONFORM(lsm_bpf_trigger, "role", "fixture");
CONFORM(lsm_bpf_trigger, "desc", "a socket filter; its test run is a bpf() syscall, the trigger");
SEC("socket")
int lsm_bpf_trigger(void *ctx)
{
	return 0;
}

TEST(lsm_bpf_hook, "lsm.attach", "pass", "required");
CONFORM(lsm_bpf_hook, "requires", "lsm_bpf_hook");
CONFORM(lsm_bpf_hook, "attach", "lsm_bpf_prog");
CONFORM(lsm_bpf_hook, "trigger", "lsm_bpf_trigger");
CONFORM(lsm_bpf_hook, "data_in", LSM_DATA_IN);
CONFORM(lsm_bpf_hook, "desc", "an lsm/bpf program attached by the library; the trigger's and this program's test runs (72 bytes starting LSMCONF1) are bpf() calls: it ran, saw cmd BPF_PROG_TEST_RUN, the attr (data_size_in 72, data_in the marked bytes) and an attr size that holds test.data_in");
CONFORM(lsm_bpf_hook, "ref", "libbpf section_defs (lsm+: LSM, BPF_LSM_MAC, SEC_ATTACH_BTF), libbpf_find_attach_btf_id (BTF_LSM_PREFIX bpf_lsm_ + the hook, a FUNC), bpf_program__attach_lsm (BPF_LINK_CREATE / BPF_RAW_TRACEPOINT_OPEN); kernel kernel/bpf/bpf_lsm.c, security_bpf in __sys_bpf");
SEC("socket")
int lsm_bpf_hook(void *ctx)
{
	ASSERT_GE(hits, 1);  /* unpatched (lsm program loaded, not attached): 0 */
	ASSERT_EQ(seen_len, LSM_DATA_LEN);
	/* the size argument: the bytes of union bpf_attr the library passed (at least up to
	 * test.data_in, at most the kernel's union) */
	ASSERT_GE(seen_size, sizeof(struct lsm_test_attr));
	ASSERT_LE(seen_size, 4096);
	PASS();
}
