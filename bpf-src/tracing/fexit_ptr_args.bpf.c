/* fentry/fexit programs on functions taking a struct pointer (bpf_fentry_test7/8): the verifier types the argument from the target's BTF prototype, so the program can follow it; test7 returns its argument. */
#include "conformance.h"

/* net/bpf/test_run.c: struct bpf_fentry_test_t { struct bpf_fentry_test_t *a; };
 * a test run of a tracing program calls bpf_fentry_test7(NULL), which returns its argument,
 * and bpf_fentry_test8(&arg) with arg = {}, which returns arg->a (NULL) */
struct bpf_fentry_test_t {
	struct bpf_fentry_test_t *a;
} __core_pai;

__u64 t7_arg = 1;
__u64 t7_ret = 2;
__u32 t7_runs;
__u32 t8_runs;
__u64 t8_arg;
__u64 t8_a = 3;

CONFORM(exit_test7, "role", "fixture");
CONFORM(exit_test7, "desc", "fexit on long bpf_fentry_test7(struct bpf_fentry_test_t *arg): records the argument and the return value; the trigger");
SEC("fexit/bpf_fentry_test7")
int exit_test7(__u64 *ctx)
{
	t7_arg = ctx[0];
	t7_ret = ctx[1];
	t7_runs++;
	return 0;
}

CONFORM(entry_test8, "role", "fixture");
CONFORM(entry_test8, "desc", "fentry on long bpf_fentry_test8(struct bpf_fentry_test_t *arg): follows arg to arg->a");
SEC("fentry/bpf_fentry_test8")
int entry_test8(__u64 *ctx)
{
	struct bpf_fentry_test_t *arg = (struct bpf_fentry_test_t *)ctx[0];

	t8_arg = ctx[0];
	t8_a = (__u64)arg->a;
	t8_runs++;
	return 0;
}

TEST(fexit_ptr_args, "tracing.fexit", "pass", "required");
CONFORM(fexit_ptr_args, "requires", "tracing_fentry");
CONFORM(fexit_ptr_args, "attach", "exit_test7,entry_test8");
CONFORM(fexit_ptr_args, "trigger", "exit_test7");
CONFORM(fexit_ptr_args, "desc", "fexit on bpf_fentry_test7 and fentry on bpf_fentry_test8 attached by the library, one test run of a tracing program: test7 returned its (NULL) struct pointer argument, and test8's argument, &arg, was followed to its member a (NULL)");
CONFORM(fexit_ptr_args, "ref", "libbpf bpf_program__attach_trace; kernel btf_ctx_access (a struct pointer argument is a PTR_TO_BTF_ID), net/bpf/test_run.c bpf_prog_test_run_tracing");
SEC("socket")
int fexit_ptr_args(void *ctx)
{
	ASSERT_GE(t7_runs, 1);  /* unpatched (fexit not attached): 0 */
	ASSERT_EQ(t7_arg, 0);  /* unpatched (fexit not attached): 1, the initial value */
	ASSERT_EQ(t7_ret, 0);  /* unpatched (fexit not attached): 2, the initial value */
	ASSERT_GE(t8_runs, 1);  /* unpatched (fentry not attached): 0 */
	ASSERT_NE(t8_arg, 0);  /* unpatched (fentry not attached): 0 */
	ASSERT_EQ(t8_a, 0);  /* unpatched (fentry not attached): 3, the initial value */
	PASS();
}
