/* An lsm/bpf program reads its typed argument (union bpf_attr *attr) directly, through CO-RE field accesses relocated against vmlinux BTF: the local union places the fields elsewhere than the kernel does. */
#include "conformance.h"
#include "lsm.h"

/* The local view of the kernel's union bpf_attr: only `test` (BPF_PROG_TEST_RUN), with
 * data_size_in at local offset 0 and data_in at 8 (the kernel's: 8 and 16). The ___lsm
 * flavour is dropped when the loader looks the type up in vmlinux. */
#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)
union bpf_attr___lsm {
	struct {
		__u32 data_size_in;
		__u64 data_in;
	} test;
};
#pragma clang attribute pop

int hits;
__u32 seen_len;
__u64 seen_magic;

CONFORM(lsm_core_prog, "role", "fixture");
CONFORM(lsm_core_prog, "desc", "lsm/bpf: reads attr->test.data_size_in and attr->test.data_in through CO-RE; on the marked BPF_PROG_TEST_RUN records them and the bytes at data_in");
SEC("lsm/bpf")
int lsm_core_prog(__u64 *ctx)
{
	union bpf_attr___lsm *attr = (union bpf_attr___lsm *)ctx[1];
	__u32 len;
	__u64 data_in = 0, magic = 0;

	if ((int)ctx[0] != BPF_PROG_TEST_RUN)
		return 0;
	len = attr->test.data_size_in;  /* a direct load from the kernel's attr, relocated */
	if (len != LSM_DATA_LEN)
		return 0;
	/* data_in through a relocated address (the union's first member, not `test`, is all a
	 * 6.1 verifier lets a direct load see, and there offset 16 is the 4-byte map_flags) */
	if (bpf_probe_read_kernel(&data_in, sizeof(data_in), &attr->test.data_in))
		return 0;
	if (bpf_probe_read_user(&magic, sizeof(magic), (const void *)data_in))
		return 0;
	seen_len = len;
	seen_magic = magic;
	hits++;
	return 0;
}

CONFORM(lsm_core_trigger, "role", "fixture");
CONFORM(lsm_core_trigger, "desc", "a socket filter; its test run is a bpf() syscall, the trigger");
SEC("socket")
int lsm_core_trigger(void *ctx)
{
	return 0;
}

TEST(lsm_core_attr, "lsm.ctx.core", "pass", "required");
CONFORM(lsm_core_attr, "requires", "lsm_bpf_hook");
CONFORM(lsm_core_attr, "attach", "lsm_core_prog");
CONFORM(lsm_core_attr, "trigger", "lsm_core_trigger");
CONFORM(lsm_core_attr, "data_in", LSM_DATA_IN);
CONFORM(lsm_core_attr, "desc", "an lsm/bpf program reading attr->test.data_size_in (local offset 0, vmlinux 8) and attr->test.data_in (local 8, vmlinux 16) with CO-RE, attached by the library: on the trigger's 72-byte test run it saw 72 and the bytes LSMCONF1");
CONFORM(lsm_core_attr, "ref", "libbpf bpf_object__relocate_core (target: vmlinux BTF; the ___ flavour suffix ignored), bpf_core_calc_field_relo (FIELD_BYTE_OFFSET); kernel btf_struct_access (direct loads from a PTR_TO_BTF_ID argument of an LSM hook)");
SEC("socket")
int lsm_core_attr(void *ctx)
{
	/* unpatched (field offsets not relocated: data_size_in read at 0, the prog_fd): 0;
	 * (not attached): 0 */
	ASSERT_GE(hits, 1);
	ASSERT_EQ(seen_len, LSM_DATA_LEN);
	ASSERT_EQ(seen_magic, LSM_MAGIC);
	PASS();
}
