/* A map named in a PROG_ARRAY's `.values` is a wrong target: the object is refused. */
#include "conformance.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} not_a_prog SEC(".maps");

#ifdef CONFORM_CONTROL
int a_prog(void *ctx);
#endif

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, int(void *));
#ifdef CONFORM_CONTROL
} bad_jmp_table SEC(".maps") = {
	.values = { [1] = (void *)&a_prog },  /* positive control: a program in the slot */
};
#else
} bad_jmp_table SEC(".maps") = {
	.values = { [1] = (void *)&not_a_prog },
};
#endif

#ifdef CONFORM_CONTROL
CONFORM(a_prog, "role", "fixture");
CONFORM(a_prog, "desc", "the tail-call target of the positive control's slot 1");
SEC("socket")
int a_prog(void *ctx)
{
	return 0;
}
#endif

TEST(values_map_in_prog_array, "values.target", "load_error", "required");
CONFORM(values_map_in_prog_array, "control", "define");
CONFORM(values_map_in_prog_array, "desc", "a PROG_ARRAY whose .values names a map, not a program, is refused");
CONFORM(values_map_in_prog_array, "ref", "libbpf bpf_object__collect_map_relos: '%s' isn't a BPF program");
SEC("socket")
int values_map_in_prog_array(void *ctx)
{
	bpf_tail_call(ctx, &bad_jmp_table, 1);
#ifdef CONFORM_CONTROL
	return __LINE__;  /* control unpatched (slot 1 empty): the tail call falls through to here */
#else
	return 0; /* unpatched (wrong slot silently skipped): the object loads and this returns 0 */
#endif
}
