/* SEC("fmod_ret/<func>") loads as BPF_MODIFY_RETURN: its non-zero return replaces <func>'s, which then does not run; an fexit program of the object sees the replaced value. */
#include "conformance.h"

static long (*const bpf_probe_read_kernel)(void *dst, __u32 size, const void *src) = (void *)113;

/* BPF_PROG_TEST_RUN of an fmod_ret program calls bpf_modify_return_test(1, &b) with b = 2:
 * the function does `*b += 1; return a + *b;` (4); replaced, b stays 2 */
#define FMOD_RET 1234
int ret_seen;
int b_seen;
int fexit_hits;

CONFORM(fmod_ret_replace, "role", "fixture");
CONFORM(fmod_ret_replace, "desc", "fmod_ret on bpf_modify_return_test: returns 1234 (the function is skipped); the trigger");
SEC("fmod_ret/bpf_modify_return_test")
int fmod_ret_replace(__u64 *ctx)
{
	return FMOD_RET;
}

CONFORM(fmod_ret_fexit, "role", "fixture");
CONFORM(fmod_ret_fexit, "desc", "fexit on int bpf_modify_return_test(int a, int *b): records the return value and *b");
SEC("fexit/bpf_modify_return_test")
int fmod_ret_fexit(__u64 *ctx)
{
	int b = -1;

	bpf_probe_read_kernel(&b, sizeof(b), (const void *)ctx[1]);
	b_seen = b;
	ret_seen = (int)ctx[2];
	fexit_hits++;
	return 0;
}

TEST(fmod_ret, "tracing.fmod_ret", "pass", "required");
CONFORM(fmod_ret, "requires", "tracing_fentry,tracing_fmod_ret");
CONFORM(fmod_ret, "attach", "fmod_ret_replace,fmod_ret_fexit");
CONFORM(fmod_ret, "trigger", "fmod_ret_replace");
CONFORM(fmod_ret, "desc", "fmod_ret returning 1234 and fexit on bpf_modify_return_test, attached by the library; one test run of the fmod_ret program: fexit saw the return value 1234 and *b untouched (2: the function body was skipped)");
CONFORM(fmod_ret, "ref", "libbpf section_defs (fmod_ret+: TRACING, BPF_MODIFY_RETURN, SEC_ATTACH_BTF), bpf_program__attach_trace; kernel bpf_trampoline (BPF_TRAMP_MODIFY_RETURN), net/bpf/test_run.c bpf_modify_return_test");
SEC("socket")
int fmod_ret(void *ctx)
{
	ASSERT_GE(fexit_hits, 1);  /* unpatched (nothing attached): 0 */
	ASSERT_EQ(ret_seen, FMOD_RET);  /* unpatched (fmod_ret loaded, not attached): 4, the body's */
	ASSERT_EQ(b_seen, 2);  /* unpatched (not attached: the body ran): 3 */
	PASS();
}
