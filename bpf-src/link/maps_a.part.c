/* Static linking, maps (first object): a map the other object declares extern and a weak map both objects define are each one map. */
#include "conformance.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} link_a_first SEC(".maps");

/* Defined here, extern in the second object.  (With the extern in the first object,
 * bpftool 7.5's linker writes a .maps DATASEC whose offsets disagree with the symbols.) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} link_shared SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} link_weak_map SEC(".maps") __weak;

extern int link_store(__u64 shared, __u64 weak);

TEST(link_maps, "link.maps", "pass", "required");
CONFORM(link_maps, "desc", "values the other object's function adds to link_shared and link_weak_map (0x51, 0x77) are read here; link_a_first stays 0");
CONFORM(link_maps, "ref", "libbpf linker.c (extern and weak .maps definitions resolved to one); bpf_object__init_user_btf_maps");
SEC("socket")
int link_maps(void *ctx)
{
	__u32 key = 0;
	__u64 *v;

	ASSERT_EQ(link_store(0x51, 0x77), 0);  /* unpatched (maps by section only): 0, unchanged: both additions land in link_a_first */
	v = bpf_map_lookup_elem(&link_shared, &key);
	ASSERT_NOT_NULL(v);  /* unpatched (maps by section only): link_a_first's slot, unchanged */
	ASSERT_EQ(*v, 0x51);  /* unpatched (maps by section only): 0xc8, both sums in link_a_first; the extern made a second map: 0 */
	v = bpf_map_lookup_elem(&link_weak_map, &key);
	ASSERT_NOT_NULL(v);  /* unpatched (maps by section only): link_a_first's slot, unchanged */
	ASSERT_EQ(*v, 0x77);  /* unpatched (maps by section only): 0xc8; the weak definition duplicated: 0 */
	v = bpf_map_lookup_elem(&link_a_first, &key);
	ASSERT_NOT_NULL(v);  /* unpatched (maps by section only): link_a_first's slot, unchanged */
	ASSERT_EQ(*v, 0);  /* unpatched (maps by section only, first map wins): 0xc8 */
	PASS();
}
