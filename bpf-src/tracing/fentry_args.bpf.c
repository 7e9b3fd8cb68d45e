/* SEC("fentry/<func>") resolves <func> in vmlinux BTF (BPF_TRACE_FENTRY, attach_btf_id) and the library's attach links it: each program records its target's typed arguments. */
#include "conformance.h"

/* BPF_PROG_TEST_RUN of an fentry program calls bpf_fentry_test1(1), bpf_fentry_test2(2, 3),
 * bpf_fentry_test3(4, 5, 6), ... (net/bpf/test_run.c bpf_prog_test_run_tracing) */
int t1_a;
int t2_a;
__u64 t2_b;
char t3_a;
int t3_b;
__u64 t3_c;
int t1_hits;

CONFORM(fentry_test1, "role", "fixture");
CONFORM(fentry_test1, "desc", "fentry on int bpf_fentry_test1(int a): records a; the trigger");
SEC("fentry/bpf_fentry_test1")
int fentry_test1(__u64 *ctx)
{
	t1_a = (int)ctx[0];
	t1_hits++;
	return 0;
}

CONFORM(fentry_test2, "role", "fixture");
CONFORM(fentry_test2, "desc", "fentry on int bpf_fentry_test2(int a, u64 b): records a, b");
SEC("fentry/bpf_fentry_test2")
int fentry_test2(__u64 *ctx)
{
	t2_a = (int)ctx[0];
	t2_b = ctx[1];
	return 0;
}

CONFORM(fentry_test3, "role", "fixture");
CONFORM(fentry_test3, "desc", "fentry on int bpf_fentry_test3(char a, int b, u64 c): records a, b, c");
SEC("fentry/bpf_fentry_test3")
int fentry_test3(__u64 *ctx)
{
	t3_a = (char)ctx[0];
	t3_b = (int)ctx[1];
	t3_c = ctx[2];
	return 0;
}

TEST(fentry_args, "tracing.fentry", "pass", "required");
CONFORM(fentry_args, "requires", "tracing_fentry");
CONFORM(fentry_args, "attach", "fentry_test1,fentry_test2,fentry_test3");
CONFORM(fentry_args, "trigger", "fentry_test1");
CONFORM(fentry_args, "desc", "three fentry programs attached by the library, one test run of an fentry program: each recorded its target's arguments (1; 2, 3; 4, 5, 6), test1 at least once (other processes' tracing test runs call it too)");
CONFORM(fentry_args, "ref", "libbpf section_defs (fentry+: TRACING, BPF_TRACE_FENTRY, SEC_ATTACH_BTF), libbpf_prepare_prog_load/libbpf_find_attach_btf_id (attach_btf_id from vmlinux BTF), bpf_program__attach_trace (BPF_LINK_CREATE or BPF_RAW_TRACEPOINT_OPEN); kernel net/bpf/test_run.c bpf_prog_test_run_tracing");
SEC("socket")
int fentry_args(void *ctx)
{
	ASSERT_GE(t1_hits, 1);  /* unpatched (fentry programs loaded, not attached): 0 */
	ASSERT_EQ(t1_a, 1);
	ASSERT_EQ(t2_a, 2);
	ASSERT_EQ(t2_b, 3);
	ASSERT_EQ(t3_a, 4);
	ASSERT_EQ(t3_b, 5);
	ASSERT_EQ(t3_c, 6);
	PASS();
}
