/* A SEC(".struct_ops.link") variable is a STRUCT_OPS map too (created BPF_F_LINK, for bpf_map__attach_struct_ops to make a link), and the program its member points to loads for the kernel struct's member. */
#include "conformance.h"
#include "dummy_ops.h"

TEST(link_test_1, "struct_ops.link", "pass", "required");
CONFORM(link_test_1, "requires", "struct_ops_dummy,struct_ops_link");
CONFORM(link_test_1, "data_in", "none");
CONFORM(link_test_1, "ctx_in", DUMMY_TEST_1_CTX_IN);
CONFORM(link_test_1, "desc", "the struct_ops program of member test_1 of a .struct_ops.link map is test-run through bpf_dummy_ops with test_1's one argument, a NULL state");
CONFORM(link_test_1, "ref", "libbpf bpf_object__init_struct_ops_maps (STRUCT_OPS_LINK_SEC: map_flags BPF_F_LINK), bpf_object__collect_st_ops_relos; kernel bpf_struct_ops_map_alloc (BPF_F_LINK), bpf_struct_ops_test_run");
SEC("struct_ops/test_1")
int link_test_1(__u64 *ctx)
{
	/* unpatched (.struct_ops.link not read as struct_ops: no attach_btf_id): refused by the
	 * verifier */
	ASSERT_EQ(ctx[0], 0);
	PASS();
}

SEC(".struct_ops.link")
struct bpf_dummy_ops dummy_link = {
	.test_1 = (void *)link_test_1,
};
