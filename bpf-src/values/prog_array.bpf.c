/* PROG_ARRAY slots are filled from `.values` at their own indexes, holes (slots 0 and 2) left empty: tail calls reach the right program or fall through. */
#include "conformance.h"

/* which slot the caller tail-calls: each target returns 0 only when reached through its own slot */
__u32 expected_slot;
/* the caller's line of the tail call: a target reached through the wrong slot returns it */
__u32 tail_fail_line;

int tail_one(void *ctx);
int tail_three(void *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, int(void *));
} jmp_table SEC(".maps") = {
	.values = {
		[1] = (void *)&tail_one,
		[3] = (void *)&tail_three,
	},
};

CONFORM(tail_one, "role", "fixture");
CONFORM(tail_one, "desc", "tail-call target of slot 1: 0 only when the caller asked for slot 1, else the caller's line of the tail call");
SEC("socket")
int tail_one(void *ctx)
{
	return READ_ONCE(expected_slot) == 1 ? 0 : READ_ONCE(tail_fail_line);
}

CONFORM(tail_three, "role", "fixture");
CONFORM(tail_three, "desc", "tail-call target of slot 3: 0 only when the caller asked for slot 3, else the caller's line of the tail call");
SEC("socket")
int tail_three(void *ctx)
{
	return READ_ONCE(expected_slot) == 3 ? 0 : READ_ONCE(tail_fail_line);
}

TEST(values_slot_one, "values.prog_array", "pass", "required");
CONFORM(values_slot_one, "desc", "tail call through slot 1 of a PROG_ARRAY filled from .values reaches tail_one (returns 0)");
CONFORM(values_slot_one, "ref", "libbpf bpf_object__collect_map_relos (init_slots), bpf_object__init_prog_arrays");
SEC("socket")
int values_slot_one(void *ctx)
{
	WRITE_ONCE(expected_slot, 1);
	WRITE_ONCE(tail_fail_line, __LINE__);  /* tail_three in slot 1: returns this line */
	bpf_tail_call(ctx, &jmp_table, 1);
	return __LINE__; /* unpatched (slot 1 empty): the tail call falls through to here */
}

TEST(values_slot_three, "values.prog_array", "pass", "required");
CONFORM(values_slot_three, "desc", "tail call through slot 3 reaches tail_three, not tail_one (the last initialiser at its own index)");
CONFORM(values_slot_three, "ref", "libbpf bpf_object__collect_map_relos (slot index = relocation offset / pointer size)");
SEC("socket")
int values_slot_three(void *ctx)
{
	WRITE_ONCE(expected_slot, 3);
	WRITE_ONCE(tail_fail_line, __LINE__);  /* tail_one in slot 3: returns this line */
	bpf_tail_call(ctx, &jmp_table, 3);
	return __LINE__; /* unpatched (slot 3 empty): falls through; slots closed up: slot 3 empty too */
}

TEST(values_hole_zero, "values.prog_array.hole", "pass", "required");
CONFORM(values_hole_zero, "desc", "slots 0 and 2 have no initialiser: their tail calls fall through, the program goes on and returns 0 (a target run from a hole returns the line of its tail call)");
CONFORM(values_hole_zero, "ref", "libbpf bpf_object__init_prog_arrays (only slots with a relocation are updated)");
SEC("socket")
int values_hole_zero(void *ctx)
{
	WRITE_ONCE(expected_slot, 0);
	/* unpatched (slots filled in order from 0, holes closed up): tail_one runs, returns this line */
	WRITE_ONCE(tail_fail_line, __LINE__);
	bpf_tail_call(ctx, &jmp_table, 0);
	WRITE_ONCE(expected_slot, 2);
	/* slot 2 is a hole too: a loader filling every slot runs a target, which returns this line */
	WRITE_ONCE(tail_fail_line, __LINE__);
	bpf_tail_call(ctx, &jmp_table, 2);
	PASS();
}
