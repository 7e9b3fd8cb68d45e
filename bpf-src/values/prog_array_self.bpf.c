/* A PROG_ARRAY slot filled from `.values` with the very program that tail-calls through it: the map is filled after the program that references it is loaded, and the program re-enters itself. */
#include "conformance.h"

/* how many times the program has been entered in this run (reset before it returns 0) */
__u32 self_entries;

int values_self_tail(void *ctx);
int self_neighbour(void *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, int(void *));
} self_table SEC(".maps") = {
	.values = {
		[0] = (void *)&self_neighbour,
		[1] = (void *)&values_self_tail,
	},
};

/* Slot 0 holds another program of the object, which a loader that loads only the requested
 * program (iproute2's tc) cannot put there: its load fails at once, as for the other
 * `.values` tests, rather than run with a table the kernel may or may not have emptied yet
 * (an unpinned PROG_ARRAY is cleared in deferred work once its last user fd is closed). */
CONFORM(self_neighbour, "role", "fixture");
CONFORM(self_neighbour, "desc", "slot 0's program; never called");
SEC("socket")
int self_neighbour(void *ctx)
{
	return 0;
}

TEST(values_self_tail, "values.prog_array", "pass", "required");
CONFORM(values_self_tail, "desc", "a program in slot 1 of the PROG_ARRAY it tail-calls through re-enters itself 4 times, then returns 0 on its 5th entry");
CONFORM(values_self_tail, "ref", "libbpf bpf_object__collect_map_relos (init_slots), bpf_object__init_prog_arrays (slots filled once every program is loaded)");
SEC("socket")
int values_self_tail(void *ctx)
{
	__u32 n = READ_ONCE(self_entries) + 1;

	WRITE_ONCE(self_entries, n);
	if (n < 5) {
		bpf_tail_call(ctx, &self_table, 1);
		WRITE_ONCE(self_entries, 0);
		return __LINE__;  /* unpatched (slot 1 empty): the first tail call falls through to here */
	}
	WRITE_ONCE(self_entries, 0);
	ASSERT_EQ(n, 5);  /* unpatched: never reached */
	PASS();
}
