/* `map_extra` reaches BPF_MAP_CREATE in both of libbpf's forms, `__ulong(map_extra, N)` (an enum value in BTF) and `__uint(map_extra, N)` (an array size), read back from the kernel's struct bpf_map. */
#include "conformance.h"

#define CONFORM_MAP_TYPE_BLOOM_FILTER 30 /* enum bpf_map_type */

/* the kernel's struct bpf_map, only the member read; CO-RE finds its offset in vmlinux BTF */
struct bpf_map {
	__u64 map_extra;
} __core_pai;

/* bloom_map_alloc takes map_extra's low 4 bits as the number of hash functions (1..15) */
struct {
	__uint(type, CONFORM_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 1);
	__type(value, __u32);
	__ulong(map_extra, 3);
} bloom_ulong SEC(".maps");

struct {
	__uint(type, CONFORM_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 1);
	__type(value, __u32);
	__uint(map_extra, 7);
} bloom_uint SEC(".maps");

TEST(map_extra_kernel, "maps.map_extra", "pass", "required");
CONFORM(map_extra_kernel, "requires", "btf_vmlinux,map_bloom_filter");
CONFORM(map_extra_kernel, "desc", "the map_extra of two bloom filters, one declared with __ulong(map_extra, 3), one with __uint(map_extra, 7), read through each map's struct bpf_map, is 3 and 7");
CONFORM(map_extra_kernel, "ref", "libbpf parse_btf_map_def (map_extra through get_map_field_long: a one-value enum (__ulong) or an array's nelems (__uint)), bpf_object__create_map (create_attr.map_extra); kernel bpf_map_init_from_attr (map->map_extra = attr->map_extra), check_ptr_to_map_access");
SEC("socket")
int map_extra_kernel(void *ctx)
{
	struct bpf_map *u = (struct bpf_map *)&bloom_ulong;
	struct bpf_map *i = (struct bpf_map *)&bloom_uint;

	ASSERT_EQ(u->map_extra, 3);  /* unpatched (map_extra ignored): 0; (only __uint read): 0 */
	ASSERT_EQ(i->map_extra, 7);  /* unpatched (map_extra ignored): 0; (only __ulong read): 0 */
	PASS();
}
