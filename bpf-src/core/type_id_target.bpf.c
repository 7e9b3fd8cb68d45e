/* BPF_CORE_TYPE_ID_TARGET: the id of the matching type in the target BTF; 0 for a type the target lacks. */
#include "core_types.h"

CORE_TEST(type_id_target, "core.type_id_target", "required",
	  "libbpf bpf_core_calc_type_relo (BPF_CORE_TYPE_ID_TARGET), btf.rst type ids",
	  "target ids of cr_tid_a and cr_tid_b are distinct and >= CR_TID_MIN (declared last in target A)");
SEC("socket")
int type_id_target(void *ctx)
{
	__u64 ta = bpf_core_type_id_target(struct cr_tid_a);
	__u64 tb = bpf_core_type_id_target(struct cr_tid_b);

	/* unpatched: the local ids, < CR_TID_MIN; control B declares these types first */
	ASSERT_GE(ta, CR_TID_MIN);
	ASSERT_GE(tb, CR_TID_MIN);
	ASSERT_NE(ta, tb);
	ASSERT_NE(ta, bpf_core_type_id_local(struct cr_tid_a));
	ASSERT_EQ(bpf_core_type_id_target(struct cr_gone), 0); /* unpatched: local id */
	PASS();
}
