/* SEC("raw_tp") loads as BPF_PROG_TYPE_RAW_TRACEPOINT: a tracing type, test-run without data, that may read the current task's comm. */
#include "conformance.h"

static long (*const bpf_get_current_comm)(void *buf, __u32 size_of_buf) = (void *)16;

TEST(progtype_raw_tp, "progtype.raw_tp", "pass", "required");
CONFORM(progtype_raw_tp, "data_in", "none");
CONFORM(progtype_raw_tp, "requires", "raw_tp_test_run");
CONFORM(progtype_raw_tp, "desc", "bpf_get_current_comm (a tracing helper) gives the test runner's non-empty comm; the run has no data (raw_tp refuses any)");
CONFORM(progtype_raw_tp, "ref", "libbpf section_defs (raw_tp+: RAW_TRACEPOINT); kernel bpf_prog_test_run_raw_tp, raw_tp_prog_func_proto");
SEC("raw_tp")
int progtype_raw_tp(void *ctx)
{
	char comm[16] = {};

	/* a loader typing it SOCKET_FILTER loads it (the helper is allowed there too) but the
	  * no-data test run is refused */
	ASSERT_EQ(bpf_get_current_comm(comm, sizeof(comm)), 0);  /* unpatched (typed SOCKET_FILTER): never reached, BPF_PROG_TEST_RUN refuses the run */
	ASSERT_NE(comm[0], 0);  /* unpatched (typed SOCKET_FILTER): never reached, BPF_PROG_TEST_RUN refuses the run */
	PASS();
}
