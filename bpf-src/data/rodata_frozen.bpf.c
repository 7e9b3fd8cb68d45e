/* `.rodata` is frozen and BPF_F_RDONLY_PROG before programs load, so the verifier knows its values and prunes dead branches. */
#include "conformance.h"

const volatile __u32 frozen_switch = 0;
const volatile __u32 frozen_value = 0x1234abcd;

TEST(rodata_frozen, "data.rodata.frozen", "pass", "required");
CONFORM(rodata_frozen, "desc", "a branch that only a frozen .rodata makes dead holds code the verifier would reject");
CONFORM(rodata_frozen, "ref", "libbpf bpf_object__populate_internal_map (bpf_map_freeze); kernel bpf_map_is_rdonly, check_mem_access");
SEC("socket")
int rodata_frozen(void *ctx)
{
	if (frozen_switch) {
		/* Dead when .rodata is frozen (frozen_switch is known to be 0).  Otherwise the
		 * verifier walks it and refuses the load of a scalar: "invalid mem access 'scalar'". */
		return *(volatile __u32 *)(unsigned long)frozen_switch;  /* unpatched (not frozen): load error; lint: return-ok dead code, verified never run */
	}
	ASSERT_EQ(frozen_value, 0x1234abcd);  /* unpatched (.rodata not written): 0 */
	PASS();
}
