/* The map_flags of a BTF `.maps` definition reach BPF_MAP_CREATE: each map's flags are read back from the kernel's struct bpf_map (BPF_F_NO_COMMON_LRU, BPF_F_ZERO_SEED, BPF_F_WRONLY_PROG, BPF_F_MMAPABLE). */
#include "conformance.h"
#include "map_type.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, __u32);
	__type(value, __u32);
} lru_per_cpu_lists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__uint(map_flags, BPF_F_ZERO_SEED);
	__type(key, __u32);
	__type(value, __u32);
} zero_seed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__uint(map_flags, BPF_F_WRONLY_PROG);
	__type(key, __u32);
	__type(value, __u32);
} write_only SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u32);
} mmapable SEC(".maps");

TEST(map_flags_no_common_lru, "maps.flags", "pass", "required");
CONFORM(map_flags_no_common_lru, "desc", "an LRU_HASH declared BPF_F_NO_COMMON_LRU (per-CPU LRU lists) is created with it: map_flags read back");
CONFORM(map_flags_no_common_lru, "ref", "libbpf parse_btf_map_def (map_flags); kernel htab_map_alloc (percpu_lru)");
SEC("socket")
int map_flags_no_common_lru(void *ctx)
{
	ASSERT_EQ(CREATED_MAP_FLAGS(lru_per_cpu_lists), BPF_F_NO_COMMON_LRU);  /* unpatched (map_flags ignored): 0 */
	PASS();
}

TEST(map_flags_zero_seed, "maps.flags", "pass", "required");
CONFORM(map_flags_zero_seed, "desc", "a HASH declared BPF_F_ZERO_SEED (hash seed 0, for tests) is created with it: map_flags read back");
CONFORM(map_flags_zero_seed, "ref", "libbpf parse_btf_map_def (map_flags); kernel htab_map_alloc (BPF_F_ZERO_SEED: hashrnd 0)");
SEC("socket")
int map_flags_zero_seed(void *ctx)
{
	ASSERT_EQ(CREATED_MAP_FLAGS(zero_seed), BPF_F_ZERO_SEED);  /* unpatched (map_flags ignored): 0 */
	PASS();
}

TEST(map_flags_wronly_prog, "maps.flags", "pass", "required");
CONFORM(map_flags_wronly_prog, "desc", "an ARRAY declared BPF_F_WRONLY_PROG is created with it (map_flags read back), and the program's update of it works");
CONFORM(map_flags_wronly_prog, "ref", "libbpf parse_btf_map_def (map_flags); kernel bpf_map_flags_access_ok, check_map_access_type (a program may write, not read)");
SEC("socket")
int map_flags_wronly_prog(void *ctx)
{
	__u32 key = 1, value = 7;

	ASSERT_EQ(CREATED_MAP_FLAGS(write_only), BPF_F_WRONLY_PROG);  /* unpatched (map_flags ignored): 0 */
	ASSERT_EQ(bpf_map_update_elem(&write_only, &key, &value, BPF_ANY), 0);
	/* unpatched: 0 as well (a writable map takes the update) */
	PASS();
}

TEST(map_flags_mmapable, "maps.flags", "pass", "required");
CONFORM(map_flags_mmapable, "desc", "an ARRAY declared BPF_F_MMAPABLE is created with it: map_flags read back");
CONFORM(map_flags_mmapable, "ref", "libbpf parse_btf_map_def (map_flags); kernel array_map_alloc (BPF_F_MMAPABLE: page-aligned, vmalloc_user)");
SEC("socket")
int map_flags_mmapable(void *ctx)
{
	ASSERT_EQ(CREATED_MAP_FLAGS(mmapable), BPF_F_MMAPABLE);  /* unpatched (map_flags ignored): 0 */
	PASS();
}
