/* A struct_ops map of a struct the kernel's BTF does not have fails the load (negative test). */
#include "conformance.h"
#include "dummy_ops.h"

#ifdef CONFORM_CONTROL
/* positive control: the map is of struct bpf_dummy_ops, which vmlinux BTF has */
#define OPS_STRUCT bpf_dummy_ops
#else
struct bpfconform_no_such_ops {
	int (*test_1)(struct bpf_dummy_ops_state *cb);
};
#define OPS_STRUCT bpfconform_no_such_ops
#endif

TEST(unknown_struct, "struct_ops.unknown_struct", "load_error", "required");
CONFORM(unknown_struct, "control", "define");
CONFORM(unknown_struct, "requires", "struct_ops_dummy");
CONFORM(unknown_struct, "desc", "an object whose .struct_ops map is of struct bpfconform_no_such_ops is refused; its control, the same map of struct bpf_dummy_ops, loads and its socket program returns 0");
CONFORM(unknown_struct, "ref", "libbpf bpf_map__init_kern_struct_ops (find_struct_ops_kern_types: struct %s is not found in kernel BTF, -ENOTSUP)");
SEC("socket")
int unknown_struct(void *ctx)
{
	/* unpatched (the map and its program dropped): the object loads; control unpatched
	 * (the dummy_ops map not created): the object is refused. Loading is the proof. */
	PASS();
}

CONFORM(unknown_struct_test_1, "role", "fixture");
SEC("struct_ops/test_1")
int unknown_struct_test_1(__u64 *ctx)
{
	return 0;
}

SEC(".struct_ops")
struct OPS_STRUCT unknown_ops = {
	.test_1 = (void *)unknown_struct_test_1,
};
