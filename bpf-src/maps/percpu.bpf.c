/* BPF_MAP_TYPE_PERCPU_ARRAY is created as one: the kernel's struct bpf_map says so, and a value stored in this CPU's slot reads back. */
#include "conformance.h"
#include "map_type.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} pcpu_array SEC(".maps");

TEST(map_percpu_array, "maps.type", "pass", "required");
CONFORM(map_percpu_array, "desc", "a per-CPU array is created with map_type BPF_MAP_TYPE_PERCPU_ARRAY (read from the kernel's struct bpf_map) and a value stored in it reads back");
CONFORM(map_percpu_array, "ref", "libbpf parse_btf_map_def (type); kernel check_ptr_to_map_access (struct bpf_map through the map pointer)");
CONFORM(map_percpu_array, "requires", "btf_vmlinux");
SEC("socket")
int map_percpu_array(void *ctx)
{
	__u32 key = 1;
	__u64 v = 0x1234abcd8badf00dULL, *got;

	ASSERT_EQ(CREATED_MAP_TYPE(pcpu_array), BPF_MAP_TYPE_PERCPU_ARRAY);  /* unpatched (created as a plain array): BPF_MAP_TYPE_ARRAY */
	ASSERT_EQ(bpf_map_update_elem(&pcpu_array, &key, &v, BPF_ANY), 0);
	got = bpf_map_lookup_elem(&pcpu_array, &key);  /* a per-CPU map's lookup from a program: this CPU's slot */
	ASSERT_NOT_NULL(got);
	ASSERT_EQ(*got, 0x1234abcd8badf00dULL);
	v = 0;
	bpf_map_update_elem(&pcpu_array, &key, &v, BPF_ANY);
	PASS();
}
