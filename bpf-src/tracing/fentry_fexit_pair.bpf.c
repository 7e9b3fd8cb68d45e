/* An fentry and an fexit program on one function (bpf_fentry_test2) in one object: the library resolves and attaches both, two links on one target, and each sees its side of the call. */
#include "conformance.h"

/* BPF_PROG_TEST_RUN of an fentry program calls bpf_fentry_test2(2, 3), which returns 5 */
int entry_a;
__u64 entry_b;
int exit_a;
int exit_ret;
int entries;
int exits;

CONFORM(pair_entry, "role", "fixture");
CONFORM(pair_entry, "desc", "fentry on int bpf_fentry_test2(int a, u64 b): records a, b; the trigger");
SEC("fentry/bpf_fentry_test2")
int pair_entry(__u64 *ctx)
{
	entry_a = (int)ctx[0];
	entry_b = ctx[1];
	entries++;
	return 0;
}

CONFORM(pair_exit, "role", "fixture");
CONFORM(pair_exit, "desc", "fexit on the same bpf_fentry_test2: records a and the return value");
SEC("fexit/bpf_fentry_test2")
int pair_exit(__u64 *ctx)
{
	exit_a = (int)ctx[0];
	exit_ret = (int)ctx[2];
	exits++;
	return 0;
}

TEST(fentry_fexit_pair, "tracing.fexit", "pass", "required");
CONFORM(fentry_fexit_pair, "requires", "tracing_fentry");
CONFORM(fentry_fexit_pair, "attach", "pair_entry,pair_exit");
CONFORM(fentry_fexit_pair, "trigger", "pair_entry");
CONFORM(fentry_fexit_pair, "desc", "an fentry and an fexit program on bpf_fentry_test2, both attached by the library; one test run of an fentry program: the entry saw (2, 3), the exit saw 2 and the return value 5, each at least once (other processes' tracing test runs call it too)");
CONFORM(fentry_fexit_pair, "ref", "libbpf bpf_program__attach_trace for each (two BPF_TRACE_FENTRY/FEXIT links on one BTF id); kernel bpf_trampoline_link_prog (one trampoline, an fentry and an fexit program)");
SEC("socket")
int fentry_fexit_pair(void *ctx)
{
	ASSERT_GE(entries, 1);  /* unpatched (fentry not attached): 0 */
	ASSERT_GE(exits, 1);  /* unpatched (fexit not attached): 0 */
	ASSERT_EQ(entry_a, 2);
	ASSERT_EQ(entry_b, 3);
	ASSERT_EQ(exit_a, 2);
	ASSERT_EQ(exit_ret, 5);  /* unpatched (the exit read at the wrong slot): 3 */
	PASS();
}
