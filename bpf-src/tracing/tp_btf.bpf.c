/* SEC("tp_btf/<tp>") resolves the tracepoint's `btf_trace_<tp>` typedef in vmlinux BTF (BPF_TRACE_RAW_TP) and the library's attach opens it: the program runs on the tracepoint with its typed arguments. */
#include "conformance.h"

/* TRACE_EVENT(bpf_test_finish, TP_PROTO(int *err)): net/bpf/test_run.c fires it at the end of
 * every BPF_PROG_TEST_RUN of a socket filter. The program does not read its argument: before
 * 5.17 or so btf_ctx_access refuses a pointer-to-int argument ("arg0 type INT is not a
 * struct"), and what this item tests is the loader's target resolution and attach. */
int hits;

CONFORM(tp_finish, "role", "fixture");
CONFORM(tp_finish, "desc", "tp_btf on bpf_test_finish(int *err): counts its runs");
SEC("tp_btf/bpf_test_finish")
int tp_finish(__u64 *ctx)
{
	hits++;
	return 0;
}

CONFORM(tp_trigger, "role", "fixture");
CONFORM(tp_trigger, "desc", "a socket filter whose test run fires bpf_test_finish; the trigger");
SEC("socket")
int tp_trigger(void *ctx)
{
	return 0;
}

TEST(tp_btf, "tracing.tp_btf", "pass", "required");
CONFORM(tp_btf, "attach", "tp_finish");
CONFORM(tp_btf, "trigger", "tp_trigger");
CONFORM(tp_btf, "desc", "a tp_btf program on bpf_test_finish attached by the library; one test run of a socket filter: it ran (at least once: other processes' test runs fire it too)");
CONFORM(tp_btf, "ref", "libbpf section_defs (tp_btf+: TRACING, BPF_TRACE_RAW_TP, SEC_ATTACH_BTF), find_attach_btf_id (BTF_TRACE_PREFIX btf_trace_ + the name, a TYPEDEF), bpf_program__attach_trace (BPF_RAW_TRACEPOINT_OPEN / BPF_LINK_CREATE); kernel bpf_raw_tp_link_attach");
SEC("socket")
int tp_btf(void *ctx)
{
	ASSERT_GE(hits, 1);  /* unpatched (loaded, not attached): 0 */
	PASS();
}
