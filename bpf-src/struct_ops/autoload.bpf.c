/* A struct_ops program in SEC("?struct_ops/...") (autoload off) is loaded all the same when a struct_ops map references it: libbpf ties a struct_ops program's autoload to the maps. */
#include "conformance.h"
#include "dummy_ops.h"

TEST(autoload_test_1, "struct_ops.autoload", "pass", "required");
CONFORM(autoload_test_1, "requires", "struct_ops_dummy");
CONFORM(autoload_test_1, "data_in", "none");
CONFORM(autoload_test_1, "ctx_in", DUMMY_TEST_1_CTX_IN);
CONFORM(autoload_test_1, "desc", "a SEC(?struct_ops/test_1) program the map's test_1 points to is loaded and test-runs with test_1's one argument, a NULL state");
CONFORM(autoload_test_1, "ref", "libbpf bpf_object_adjust_struct_ops_autoload (a struct_ops program is autoloaded iff an autocreated struct_ops map references it), bpf_object__collect_st_ops_relos");
/* unpatched (the ? kept: not loaded): the test run finds no program */
SEC("?struct_ops/test_1")
int autoload_test_1(__u64 *ctx)
{
	ASSERT_EQ(ctx[0], 0);  /* unpatched (not loaded): never runs; the NULL state of the test run */
	PASS();
}

SEC(".struct_ops")
struct bpf_dummy_ops dummy_autoload = {
	.test_1 = (void *)autoload_test_1,
};
