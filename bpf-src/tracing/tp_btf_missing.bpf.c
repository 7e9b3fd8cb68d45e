/* A SEC("tp_btf/<tp>") whose tracepoint vmlinux BTF lacks (no btf_trace_<tp> typedef) fails the object's load (negative test). */
#include "conformance.h"

#ifdef CONFORM_CONTROL
/* Positive control: a tracepoint vmlinux BTF has */
#define TP_SEC "tp_btf/bpf_test_finish"
#else
/* the defect: no kernel has this tracepoint */
#define TP_SEC "tp_btf/bpf_conform_no_such_tracepoint"
#endif

int hits;

CONFORM(tp_missing_prog, "role", "fixture");
CONFORM(tp_missing_prog, "desc", "a tp_btf program on an unknown (control: bpf_test_finish) tracepoint; the trigger's tracepoint in the control");
SEC(TP_SEC)
int tp_missing_prog(__u64 *ctx)
{
	hits++;
	return 0;
}

CONFORM(tp_missing_trigger, "role", "fixture");
CONFORM(tp_missing_trigger, "desc", "a socket filter whose test run fires bpf_test_finish; the trigger");
SEC("socket")
int tp_missing_trigger(void *ctx)
{
	return 0;
}

TEST(tp_btf_missing, "tracing.target.missing", "load_error", "required");
CONFORM(tp_btf_missing, "control", "define");
CONFORM(tp_btf_missing, "attach", "tp_missing_prog");
CONFORM(tp_btf_missing, "trigger", "tp_missing_trigger");
CONFORM(tp_btf_missing, "desc", "tp_btf on a tracepoint vmlinux BTF does not have: the object is refused (libbpf: failed to find kernel BTF type ID); in the control the tracepoint is bpf_test_finish, attached, and it ran");
CONFORM(tp_btf_missing, "ref", "libbpf libbpf_prepare_prog_load -> libbpf_find_attach_btf_id (-ESRCH, the program and so the object fail to load)");
SEC("socket")
int tp_btf_missing(void *ctx)
{
	ASSERT_GE(hits, 1);  /* control unpatched (not attached): 0 */
	PASS();
}
