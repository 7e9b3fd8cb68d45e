/* A struct_ops map whose local struct sets a member the kernel struct does not have fails the load (negative test). */
#include "conformance.h"
#include "dummy_ops.h"

/* bpf_dummy_ops with one member more than the kernel's: libbpf matches members by name */
struct bpf_dummy_ops___extra {
	int (*test_1)(struct bpf_dummy_ops_state *cb);
	int (*bpfconform_no_such_member)(struct bpf_dummy_ops_state *cb);
};

TEST(missing_member, "struct_ops.missing_member", "load_error", "required");
CONFORM(missing_member, "control", "define");
CONFORM(missing_member, "requires", "struct_ops_dummy");
CONFORM(missing_member, "desc", "a .struct_ops map of bpf_dummy_ops (flavour ___extra) pointing its member bpfconform_no_such_member at a program is refused; its control, without that member's program, loads and its socket program returns 0");
CONFORM(missing_member, "ref", "libbpf bpf_map__init_kern_struct_ops (struct_ops init_kern: Cannot find member %s in kernel BTF, -ENOTSUP), find_struct_ops_kern_types (the ___flavour suffix is dropped)");
SEC("socket")
int missing_member(void *ctx)
{
	/* unpatched (the unknown member skipped): the object loads; control unpatched (the
	 * map not created): refused. Loading is the proof. */
	PASS();
}

CONFORM(missing_member_test_1, "role", "fixture");
SEC("struct_ops/test_1")
int missing_member_test_1(__u64 *ctx)
{
	return 0;
}

#ifndef CONFORM_CONTROL
/* positive control: this program and the member pointing at it removed */
CONFORM(missing_member_extra, "role", "fixture");
SEC("struct_ops/test_1")
int missing_member_extra(__u64 *ctx)
{
	return 0;
}
#endif

SEC(".struct_ops")
struct bpf_dummy_ops___extra missing_ops = {
	.test_1 = (void *)missing_member_test_1,
#ifndef CONFORM_CONTROL
	.bpfconform_no_such_member = (void *)missing_member_extra,
#endif
};
