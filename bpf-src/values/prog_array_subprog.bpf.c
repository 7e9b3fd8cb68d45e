/* A tail call made from a subprogram (bpf-to-bpf call plus tail call) through a PROG_ARRAY filled from `.values`: the map reference is relocated in appended code. */
#include "conformance.h"

__u32 tsub_fail_line;

int tsub_target(void *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, int(void *));
} tsub_table SEC(".maps") = {
	.values = {
		[2] = (void *)&tsub_target,
	},
};

CONFORM(tsub_target, "role", "fixture");
CONFORM(tsub_target, "desc", "tail-call target in slot 2: 0 when reached from values_tail_from_subprog's subprogram (it set tsub_fail_line), else 1");
SEC("socket")
int tsub_target(void *ctx)
{
	return READ_ONCE(tsub_fail_line) ? 0 : 1;
}

/* the subprogram holding the tail call and the ld_imm64 of tsub_table */
static __noinline int tsub_jump(void *ctx, __u32 slot)
{
	bpf_tail_call(ctx, &tsub_table, slot);
	return READ_ONCE(tsub_fail_line);  /* lint: return-ok the tail call fell through: the caller's line, which its assertion or return reports */
}

TEST(values_tail_from_subprog, "values.prog_array", "pass", "required");
CONFORM(values_tail_from_subprog, "desc", "a static subprogram tail-calls slot 2 of a PROG_ARRAY filled from .values: the target's 0 becomes the program's return value; slot 1, a hole, falls through");
CONFORM(values_tail_from_subprog, "ref", "libbpf bpf_object__init_prog_arrays, bpf_object__relocate_data (map relos of appended subprograms); kernel: tail calls in bpf-to-bpf calls (x86-64 JIT, 5.10+)");
SEC("socket")
int values_tail_from_subprog(void *ctx)
{
	volatile __u32 hole = 1, slot = 2;

	WRITE_ONCE(tsub_fail_line, __LINE__);  /* unpatched (slot 1 filled): the target's 0 */
	ASSERT_EQ(tsub_jump(ctx, hole), __LINE__ - 1);
	WRITE_ONCE(tsub_fail_line, __LINE__);  /* unpatched (slot 2 empty): the tail call falls through, this line */
	return tsub_jump(ctx, slot);
}
