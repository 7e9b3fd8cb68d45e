/* A SEC("fentry/<func>") whose function vmlinux BTF lacks fails the object's load (negative test). */
#include "conformance.h"

#ifdef CONFORM_CONTROL
/* Positive control: a function vmlinux BTF has (x86 test runs call it) */
#define FENTRY_SEC "fentry/bpf_fentry_test1"
#else
/* the defect: no kernel has this function */
#define FENTRY_SEC "fentry/bpf_conform_no_such_function"
#endif

int hits;

CONFORM(fentry_missing_prog, "role", "fixture");
CONFORM(fentry_missing_prog, "desc", "fentry on an unknown function (control: bpf_fentry_test1); the trigger in the control");
SEC(FENTRY_SEC)
int fentry_missing_prog(__u64 *ctx)
{
	hits++;
	return 0;
}

TEST(fentry_missing, "tracing.target.missing", "load_error", "required");
CONFORM(fentry_missing, "control", "define");
CONFORM(fentry_missing, "requires", "tracing_fentry");
CONFORM(fentry_missing, "attach", "fentry_missing_prog");
CONFORM(fentry_missing, "trigger", "fentry_missing_prog");
CONFORM(fentry_missing, "desc", "fentry on a function vmlinux BTF does not have: the object is refused (libbpf: failed to find kernel BTF type ID); in the control the function is bpf_fentry_test1, attached, and it ran");
CONFORM(fentry_missing, "ref", "libbpf libbpf_prepare_prog_load -> libbpf_find_attach_btf_id (-ESRCH: the program and so the object fail to load)");
SEC("socket")
int fentry_missing(void *ctx)
{
	ASSERT_GE(hits, 1);  /* control unpatched (not attached): 0 */
	PASS();
}
