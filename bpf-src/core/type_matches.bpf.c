/* BPF_CORE_TYPE_MATCHES: members matched by name and type in any order; a member changing type breaks the match. */
#include "core_types.h"

CORE_TEST(type_matches, "core.type_matches", "required",
	  "libbpf __bpf_core_types_match / bpf_core_composites_match (BPF_CORE_TYPE_MATCHES)",
	  "cr_match_same matches (reordered, extra member); cr_match_diff exists but does not match");
CONFORM(type_matches, "requires", "cc:type_matches");
SEC("socket")
int type_matches(void *ctx)
{
	ASSERT_EQ(bpf_core_type_matches(struct cr_match_same), 1);  /* unpatched (left at clang's 1): 1, unchanged; control: member b missing -> 0 */
	/* it exists (TYPE_EXISTS) but does not match: unpatched (matches left at clang's 1): false; control: matches */
	ASSERT(bpf_core_type_exists(struct cr_match_diff) == 1 && bpf_core_type_matches(struct cr_match_diff) == 0);
	ASSERT_EQ(bpf_core_type_matches(struct cr_gone), 0);       /* unpatched: 1 */
	PASS();
}
