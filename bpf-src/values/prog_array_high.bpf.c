/* A PROG_ARRAY slot at a high index (200 of 256) is filled from `.values` at that index, not at the first free slot: its tail call reaches the program, slot 0 stays empty. */
#include "conformance.h"

__u32 expected_high_slot;
/* the caller's line of the tail call: tail_high reached through the wrong slot returns it */
__u32 high_fail_line;

int tail_high(void *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__array(values, int(void *));
} high_table SEC(".maps") = {
	.values = {
		[200] = (void *)&tail_high,
	},
};

CONFORM(tail_high, "role", "fixture");
CONFORM(tail_high, "desc", "tail-call target of slot 200: 0 only when the caller asked for slot 200, else the caller's line of the tail call");
SEC("socket")
int tail_high(void *ctx)
{
	return READ_ONCE(expected_high_slot) == 200 ? 0 : READ_ONCE(high_fail_line);
}

TEST(values_slot_high, "values.prog_array", "pass", "required");
CONFORM(values_slot_high, "desc", "tail call through slot 200 of a 256-slot PROG_ARRAY filled from .values reaches tail_high (returns 0)");
CONFORM(values_slot_high, "ref", "libbpf bpf_object__collect_map_relos (slot index = relocation offset / pointer size), bpf_object__init_prog_arrays");
SEC("socket")
int values_slot_high(void *ctx)
{
	WRITE_ONCE(expected_high_slot, 200);
	WRITE_ONCE(high_fail_line, __LINE__);
	bpf_tail_call(ctx, &high_table, 200);
	return __LINE__; /* unpatched (slot 200 empty, or its target put in slot 0): falls through to here */
}

TEST(values_hole_below_high, "values.prog_array.hole", "pass", "required");
CONFORM(values_hole_below_high, "desc", "slots 0 and 199 below the only initialiser stay empty: both tail calls fall through and the program returns 0 (tail_high run from a hole returns the line of its tail call)");
CONFORM(values_hole_below_high, "ref", "libbpf bpf_object__init_prog_arrays (only slots with a relocation are updated)");
SEC("socket")
int values_hole_below_high(void *ctx)
{
	WRITE_ONCE(expected_high_slot, 0);
	/* unpatched (initialisers written from slot 0 on): tail_high runs from slot 0, returns this line */
	WRITE_ONCE(high_fail_line, __LINE__);
	bpf_tail_call(ctx, &high_table, 0);
	WRITE_ONCE(expected_high_slot, 199);
	/* a loader filling neighbouring slots: tail_high runs from slot 199, returns this line */
	WRITE_ONCE(high_fail_line, __LINE__);
	bpf_tail_call(ctx, &high_table, 199);
	PASS();
}
