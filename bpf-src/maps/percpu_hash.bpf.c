/* BPF_MAP_TYPE_PERCPU_HASH is created as one: the kernel's struct bpf_map says so, a sparse key is accepted and this CPU's value reads back. */
#include "conformance.h"
#include "map_type.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} pcpu_hash SEC(".maps");

TEST(map_percpu_hash, "maps.type", "pass", "required");
CONFORM(map_percpu_hash, "desc", "a per-CPU hash is created with map_type BPF_MAP_TYPE_PERCPU_HASH (read from the kernel's struct bpf_map), takes a sparse key and reads its value back");
CONFORM(map_percpu_hash, "ref", "libbpf parse_btf_map_def (type); kernel check_ptr_to_map_access (struct bpf_map through the map pointer)");
CONFORM(map_percpu_hash, "requires", "btf_vmlinux");
SEC("socket")
int map_percpu_hash(void *ctx)
{
	__u32 key = 0xc0ffee;
	__u64 v = 0x0ddba11cafebabeULL, *got;

	ASSERT_EQ(bpf_map_update_elem(&pcpu_hash, &key, &v, BPF_ANY), 0);  /* unpatched (created as a plain array): -E2BIG */
	ASSERT_EQ(CREATED_MAP_TYPE(pcpu_hash), BPF_MAP_TYPE_PERCPU_HASH);  /* created as a shared BPF_MAP_TYPE_HASH: 1 */
	got = bpf_map_lookup_elem(&pcpu_hash, &key);                       /* a per-CPU map's lookup from a program: this CPU's value */
	ASSERT_NOT_NULL(got);
	ASSERT_EQ(*got, 0x0ddba11cafebabeULL);
	ASSERT_EQ(bpf_map_delete_elem(&pcpu_hash, &key), 0);
	PASS();
}
