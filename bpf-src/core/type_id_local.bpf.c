/* BPF_CORE_TYPE_ID_LOCAL stays the object's own BTF id, never the target's (which differs here). */
#include "core_types.h"

CORE_TEST(type_id_local, "core.type_id_local", "required",
	  "libbpf bpf_core_calc_relo_insn (BPF_CORE_TYPE_ID_LOCAL: the local root type id)",
	  "local ids of cr_tid_a/cr_tid_b are distinct, below CR_TID_MIN, and differ from their target ids");
SEC("socket")
int type_id_local(void *ctx)
{
	__u64 la = bpf_core_type_id_local(struct cr_tid_a);
	__u64 lb = bpf_core_type_id_local(struct cr_tid_b);

	ASSERT(la != lb && lb != bpf_core_type_id_target(struct cr_tid_b));  /* unpatched (target ids written): lb = cr_tid_b's target id, 114 */
	/* a loader that resolves TYPE_ID_LOCAL against the target gets the target id (>= CR_TID_MIN) */
	ASSERT_LT(la, CR_TID_MIN);  /* unpatched (target id written): cr_tid_a's target id, 111 */
	ASSERT_LT(lb, CR_TID_MIN);  /* unpatched (target id written): cr_tid_b's target id, 114 */
	ASSERT_NE(la, bpf_core_type_id_target(struct cr_tid_a));  /* unpatched (target id written): equal, both 111 */
	/* control B: early target ids (< CR_TID_MIN) */
	ASSERT(bpf_core_type_id_target(struct cr_tid_a) >= CR_TID_MIN && la < CR_TID_MIN);  /* unpatched (target id written): la 111 */
	PASS();
}
