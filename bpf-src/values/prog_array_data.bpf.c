/* A tail-call target filled from `.values` shares the object's global data with its caller: it sees what the caller stored in `.bss` and the same `.rodata`. */
#include "conformance.h"

/* written by the caller before the tail call, checked by the target */
__u64 tdata_token;
__u32 tdata_fail_line;
const volatile __u64 tdata_key = 0x5eed5eed12345678ULL;

int tdata_target(void *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, int(void *));
} tdata_table SEC(".maps") = {
	.values = {
		[0] = (void *)&tdata_target,
	},
};

CONFORM(tdata_target, "role", "fixture");
CONFORM(tdata_target, "desc", "tail-call target in slot 0: 0 when .bss holds the token its caller stored (derived from .rodata), else the caller's line of the tail call");
SEC("socket")
int tdata_target(void *ctx)
{
	__u64 t = READ_ONCE(tdata_token);

	WRITE_ONCE(tdata_token, 0);
	return t == (tdata_key ^ 0xffff) ? 0 : READ_ONCE(tdata_fail_line);
}

TEST(values_tail_shares_data, "values.prog_array", "pass", "required");
CONFORM(values_tail_shares_data, "desc", "a program stores a token in .bss and tail-calls the program in slot 0, which finds the token there: both programs use the object's one .bss and .rodata map");
CONFORM(values_tail_shares_data, "ref", "libbpf bpf_object__init_prog_arrays; bpf_object__relocate_data (every program's references to a section go to its one map)");
SEC("socket")
int values_tail_shares_data(void *ctx)
{
	WRITE_ONCE(tdata_token, tdata_key ^ 0xffff);
	WRITE_ONCE(tdata_fail_line, __LINE__);  /* the target saw another .bss (or none): returns this line */
	bpf_tail_call(ctx, &tdata_table, 0);
	WRITE_ONCE(tdata_token, 0);
	return __LINE__;  /* unpatched (slot 0 empty): the tail call falls through to here */
}
