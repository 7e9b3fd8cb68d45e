/* A user map declared BPF_F_RDONLY_PROG is read-only to programs: a store through its value pointer is refused (negative test). */
#include "conformance.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
#ifndef CONFORM_CONTROL  /* positive control: the same map without BPF_F_RDONLY_PROG */
	__uint(map_flags, BPF_F_RDONLY_PROG);
#endif
	__type(key, __u32);
	__type(value, __u32);
} ro_map SEC(".maps");

TEST(flags_rdonly_prog_write, "maps.flags", "load_error", "required");
CONFORM(flags_rdonly_prog_write, "control", "define");
CONFORM(flags_rdonly_prog_write, "desc", "a store into a BPF_F_RDONLY_PROG map value is refused by the verifier: write into map forbidden");
CONFORM(flags_rdonly_prog_write, "ref", "libbpf parse_btf_map_def (map_flags); kernel check_map_access_type");
SEC("socket")
int flags_rdonly_prog_write(void *ctx)
{
	__u32 key = 0, *got = bpf_map_lookup_elem(&ro_map, &key);

	ASSERT_NOT_NULL(got);  /* unpatched (map_flags 0): a slot; it loads and returns 0 */
	*got = 0x1234abcd;  /* unpatched (map_flags 0): loads and runs */
	got = bpf_map_lookup_elem(&ro_map, &key);
	ASSERT_NOT_NULL(got);
	ASSERT_EQ(*got, 0x1234abcd);  /* control unpatched (store lost): 0 */
	PASS();
}
