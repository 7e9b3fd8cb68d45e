/* The kernel's struct bpf_map, only the members the maps tests read back: what the map was
 * created with (type, key and value sizes, max_entries, map_flags). CO-RE finds each
 * member's offset in vmlinux BTF (field names as there); the local enum must carry the
 * kernel enum's name (bpf_map_type) for the field to be compatible (enum fields match by
 * name). */
#ifndef BPFCONFORM_MAP_TYPE_H
#define BPFCONFORM_MAP_TYPE_H

enum bpf_map_type {
	CONFORM_MAP_TYPE_UNSPEC = 0,
};

struct bpf_map {
	enum bpf_map_type map_type;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
	__u32 map_flags;
	int numa_node;
	__u32 btf_key_type_id;
	__u32 btf_value_type_id;
} __core_pai;

/* what a map was created with, read from the kernel's struct bpf_map behind its pointer */
#define CREATED_MAP_TYPE(map) ((__u32)((struct bpf_map *)&(map))->map_type)
#define CREATED_KEY_SIZE(map) (((struct bpf_map *)&(map))->key_size)
#define CREATED_VALUE_SIZE(map) (((struct bpf_map *)&(map))->value_size)
#define CREATED_MAX_ENTRIES(map) (((struct bpf_map *)&(map))->max_entries)
#define CREATED_MAP_FLAGS(map) (((struct bpf_map *)&(map))->map_flags)
#define CREATED_NUMA_NODE(map) (((struct bpf_map *)&(map))->numa_node)
#define CREATED_BTF_KEY_TYPE_ID(map) (((struct bpf_map *)&(map))->btf_key_type_id)
#define CREATED_BTF_VALUE_TYPE_ID(map) (((struct bpf_map *)&(map))->btf_value_type_id)

/* map kinds and flags beyond conformance.h's (include/uapi/linux/bpf.h) */
enum {
	BPF_MAP_TYPE_STACK_TRACE = 7,
	BPF_MAP_TYPE_CGROUP_ARRAY = 8,
	BPF_MAP_TYPE_DEVMAP = 14,
	BPF_MAP_TYPE_SOCKMAP = 15,
	BPF_MAP_TYPE_CPUMAP = 16,
	BPF_MAP_TYPE_XSKMAP = 17,
	BPF_MAP_TYPE_SOCKHASH = 18,
	BPF_MAP_TYPE_REUSEPORT_SOCKARRAY = 20,
	BPF_MAP_TYPE_QUEUE = 22,
	BPF_MAP_TYPE_STACK = 23,
	BPF_MAP_TYPE_SK_STORAGE = 24,
	BPF_MAP_TYPE_DEVMAP_HASH = 25,
	BPF_MAP_TYPE_INODE_STORAGE = 28,
	BPF_MAP_TYPE_TASK_STORAGE = 29,
	BPF_MAP_TYPE_CGRP_STORAGE = 32,
};

enum {
	BPF_F_NO_COMMON_LRU = (1U << 1),
	BPF_F_NUMA_NODE = (1U << 2),
	BPF_F_STACK_BUILD_ID = (1U << 5),
	BPF_F_ZERO_SEED = (1U << 6),
	BPF_F_WRONLY_PROG = (1U << 8),
};

#endif
