/* A SEC(".struct_ops") variable of struct bpf_dummy_ops is a STRUCT_OPS map, and the program its member test_1 points to loads as BPF_PROG_TYPE_STRUCT_OPS for the kernel's bpf_dummy_ops and test_1's index there (attach_btf_id, expected_attach_type), test-run with test_1's one argument. */
#include "conformance.h"
#include "dummy_ops.h"

TEST(dummy_test_1, "struct_ops.map", "pass", "required");
CONFORM(dummy_test_1, "requires", "struct_ops_dummy");
CONFORM(dummy_test_1, "data_in", "none");
CONFORM(dummy_test_1, "ctx_in", DUMMY_TEST_1_CTX_IN);
CONFORM(dummy_test_1, "desc", "the struct_ops program of member test_1 (second in the local struct, first in the kernel's) is test-run through bpf_dummy_ops with test_1's one argument, a NULL state");
CONFORM(dummy_test_1, "ref", "libbpf bpf_object__init_struct_ops_maps (a .struct_ops DATASEC var is a BPF_MAP_TYPE_STRUCT_OPS map), bpf_object__collect_st_ops_relos (prog->attach_btf_id = the kernel struct's id, expected_attach_type = the kernel member's index), bpf_map__init_kern_struct_ops; kernel bpf_struct_ops_test_run, check_struct_ops_btf_id");
SEC("struct_ops/test_1")
int dummy_test_1(__u64 *ctx)
{
	/* unpatched (no attach_btf_id, or the local struct's id): refused by the verifier;
	 * (the local member index, test_2's in the kernel): the one-argument run is refused */
	ASSERT_EQ(ctx[0], 0);
	PASS();
}

SEC(".struct_ops")
struct bpf_dummy_ops dummy_ops = {
	.test_1 = (void *)dummy_test_1,
};
