/* PROG_ARRAY slots are filled from `.values` at their own indexes, holes (slots 0 and 2) left empty: tail calls reach the right program or fall through. */
#include "conformance.h"

/* which slot the caller tail-calls: each target returns 0 only when reached through its own slot */
__u32 expected_slot;

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
CONFORM(tail_one, "desc", "tail-call target of slot 1: 0 only when the caller asked for slot 1");
SEC("socket")
int tail_one(void *ctx)
{
	return READ_ONCE(expected_slot) == 1 ? 0 : 0x100 + READ_ONCE(expected_slot);
}

CONFORM(tail_three, "role", "fixture");
CONFORM(tail_three, "desc", "tail-call target of slot 3: 0 only when the caller asked for slot 3");
SEC("socket")
int tail_three(void *ctx)
{
	return READ_ONCE(expected_slot) == 3 ? 0 : 0x300 + READ_ONCE(expected_slot);
}

TEST(values_slot_one, "values.prog_array", "pass", "required");
CONFORM(values_slot_one, "desc", "tail call through slot 1 of a PROG_ARRAY filled from .values reaches tail_one (returns 0)");
CONFORM(values_slot_one, "ref", "libbpf bpf_object__collect_map_relos (init_slots), bpf_object__init_prog_arrays");
SEC("socket")
int values_slot_one(void *ctx)
{
	WRITE_ONCE(expected_slot, 1);
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
	bpf_tail_call(ctx, &jmp_table, 3);
	return __LINE__; /* unpatched (slot 3 empty): falls through; slots closed up: slot 3 empty too */
}

TEST(values_hole_zero, "values.prog_array.hole", "pass", "required");
CONFORM(values_hole_zero, "desc", "slot 0 has no initialiser: its tail call falls through, the program goes on and returns 0");
CONFORM(values_hole_zero, "ref", "libbpf bpf_object__init_prog_arrays (only slots with a relocation are updated)");
SEC("socket")
int values_hole_zero(void *ctx)
{
	WRITE_ONCE(expected_slot, 0);
	bpf_tail_call(ctx, &jmp_table, 0);
	/* unpatched (slots filled in order from 0, holes closed up): tail_one runs, returns 0x100 */
	WRITE_ONCE(expected_slot, 2);
	bpf_tail_call(ctx, &jmp_table, 2);
	/* slot 2 is a hole too: a loader filling every slot runs a target, which returns 0x102/0x302 */
	PASS();
}
