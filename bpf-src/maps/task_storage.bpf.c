/* A BPF_MAP_TYPE_TASK_STORAGE (per-task local storage) declared with BPF_F_NO_PREALLOC and no max_entries is created: with that flag, max_entries 0 and its int key and value types in BTF, as the kernel requires. */
#include "conformance.h"
#include "map_type.h"

struct conform_task_storage_val {
	__u64 hits;
	__u32 seen;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct conform_task_storage_val);
} task_stg SEC(".maps");

TEST(map_task_storage, "maps.flags", "pass", "required");
CONFORM(map_task_storage, "desc", "a TASK_STORAGE declared with map_flags BPF_F_NO_PREALLOC, an int key, a 16-byte value and no max_entries is created (the kernel refuses it without the flag, with max_entries other than 0 or without BTF key and value types) with map_type BPF_MAP_TYPE_TASK_STORAGE, key_size 4, value_size 16, max_entries 0 and map_flags BPF_F_NO_PREALLOC (read from the kernel's struct bpf_map)");
CONFORM(map_task_storage, "ref", "libbpf parse_btf_map_def (map_flags), bpf_object__create_map (btf_key_type_id, btf_value_type_id); kernel bpf_local_storage_map_alloc_check (BPF_F_NO_PREALLOC, max_entries 0, BTF), task_storage_map_alloc");
CONFORM(map_task_storage, "requires", "btf_vmlinux,map_task_storage");
SEC("socket")
int map_task_storage(void *ctx)
{
	/* unpatched (map_flags ignored, 0): the kernel refuses the map, load error */
	ASSERT_EQ(CREATED_MAP_FLAGS(task_stg), BPF_F_NO_PREALLOC);
	ASSERT_EQ(CREATED_MAP_TYPE(task_stg), BPF_MAP_TYPE_TASK_STORAGE);
	ASSERT_EQ(CREATED_KEY_SIZE(task_stg), 4);
	ASSERT_EQ(CREATED_VALUE_SIZE(task_stg), 16);
	ASSERT_EQ(CREATED_MAX_ENTRIES(task_stg), 0);
	PASS();
}
