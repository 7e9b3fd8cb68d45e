/* A map named in a PROG_ARRAY's `.values` is a wrong target: the object is refused. */
#include "conformance.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} not_a_prog SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, int(void *));
} bad_jmp_table SEC(".maps") = {
	.values = { [1] = (void *)&not_a_prog },
};

TEST(values_map_in_prog_array, "values.target", "load_error", "required");
CONFORM(values_map_in_prog_array, "desc", "a PROG_ARRAY whose .values names a map, not a program, is refused");
CONFORM(values_map_in_prog_array, "ref", "libbpf bpf_object__collect_map_relos: '%s' isn't a BPF program");
SEC("socket")
int values_map_in_prog_array(void *ctx)
{
	bpf_tail_call(ctx, &bad_jmp_table, 1);
	return 0; /* unpatched (wrong slot silently skipped): the object loads and this returns 0 */
}
