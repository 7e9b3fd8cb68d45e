/* SEC("fexit/<func>") loads as BPF_TRACE_FEXIT against <func>'s BTF id and is attached: each program records its target's arguments and return value (the slot after the arguments). */
#include "conformance.h"

/* bpf_fentry_test1(1) returns 2, bpf_fentry_test2(2, 3) 5, bpf_fentry_test3(4, 5, 6) 15 */
int t1_a;
int t1_ret;
int t2_a;
__u64 t2_b;
int t2_ret;
char t3_a;
int t3_b;
__u64 t3_c;
int t3_ret;

CONFORM(fexit_test1, "role", "fixture");
CONFORM(fexit_test1, "desc", "fexit on int bpf_fentry_test1(int a): records a and the return value; the trigger");
SEC("fexit/bpf_fentry_test1")
int fexit_test1(__u64 *ctx)
{
	t1_a = (int)ctx[0];
	t1_ret = (int)ctx[1];
	return 0;
}

CONFORM(fexit_test2, "role", "fixture");
CONFORM(fexit_test2, "desc", "fexit on int bpf_fentry_test2(int a, u64 b): records a, b, the return value");
SEC("fexit/bpf_fentry_test2")
int fexit_test2(__u64 *ctx)
{
	t2_a = (int)ctx[0];
	t2_b = ctx[1];
	t2_ret = (int)ctx[2];
	return 0;
}

CONFORM(fexit_test3, "role", "fixture");
CONFORM(fexit_test3, "desc", "fexit on int bpf_fentry_test3(char a, int b, u64 c): records a, b, c, the return value");
SEC("fexit/bpf_fentry_test3")
int fexit_test3(__u64 *ctx)
{
	t3_a = (char)ctx[0];
	t3_b = (int)ctx[1];
	t3_c = ctx[2];
	t3_ret = (int)ctx[3];
	return 0;
}

TEST(fexit_ret, "tracing.fexit", "pass", "required");
CONFORM(fexit_ret, "requires", "tracing_fentry");
CONFORM(fexit_ret, "attach", "fexit_test1,fexit_test2,fexit_test3");
CONFORM(fexit_ret, "trigger", "fexit_test1");
CONFORM(fexit_ret, "desc", "three fexit programs attached by the library, one test run of an fexit program: each recorded its target's arguments and return value (2, 5, 15)");
CONFORM(fexit_ret, "ref", "libbpf section_defs (fexit+: TRACING, BPF_TRACE_FEXIT, SEC_ATTACH_BTF), libbpf_find_attach_btf_id, bpf_program__attach_trace; kernel btf_ctx_access (the return value at arg index nr_args, fexit only)");
SEC("socket")
int fexit_ret(void *ctx)
{
	ASSERT_EQ(t1_ret, 2);  /* unpatched (fexit programs loaded, not attached): 0 */
	ASSERT_EQ(t1_a, 1);
	ASSERT_EQ(t2_ret, 5);
	ASSERT_EQ(t2_a, 2);
	ASSERT_EQ(t2_b, 3);
	ASSERT_EQ(t3_ret, 15);
	ASSERT_EQ(t3_a, 4);
	ASSERT_EQ(t3_b, 5);
	ASSERT_EQ(t3_c, 6);
	PASS();
}
