/* A map whose `type` is not a map type the kernel knows fails the whole load, even if no program uses it (negative test). */
#include "conformance.h"

struct {
#ifdef CONFORM_CONTROL
	__uint(type, BPF_MAP_TYPE_ARRAY);  /* positive control: a type the kernel knows */
#else
	__uint(type, 0x7fff);
#endif
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bogus_map SEC(".maps");

TEST(invalid_map_type, "maps.create_error", "load_error", "required");
CONFORM(invalid_map_type, "control", "define");
CONFORM(invalid_map_type, "desc", "an object with a map of type 0x7fff is refused: BPF_MAP_CREATE fails with EINVAL and the loader stops");
CONFORM(invalid_map_type, "ref", "libbpf bpf_object__create_maps (a failed map creation fails bpf_object__load)");
SEC("socket")
int invalid_map_type(void *ctx)
{
	return 0;  /* unpatched (failed map skipped): loads and returns 0 */
}
